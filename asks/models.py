"""Asks: the Collaborative asking an outside body (the trust, the council, the integrated care board) for a
change, with a named responder and a clock of 20 working days (the Healthwatch convention).

An ask is written (or proposed by any member), optionally fact-checked by the responder, then sent. Each
sending (the first, asking again, an escalation) is a `Sending` with its own responder and due date, so the
per-organisation figures count what each body was asked and how it answered. The responder needs no
account: they follow a signed link (`ResponderLink`, asks/links.py) to point out factual errors or to
answer. Answers and fact-check comments are kept as given and never overwrite one another. Every step is an
`AskEvent`, append-only (in PostgreSQL a trigger refuses changes, asks/0002), shown as the ask's timeline.
"""

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from actions.models import evidence_storage
from members.models import Collaborative

# The Healthwatch convention: an outside body has 20 working days to answer a formal request.
ANSWER_WORKING_DAYS = 20
# A link to answer works until the answer comes, and for this long at most.
LINK_DAYS = 60
# A responder is reminded this many working days before the due date, and on the day.
REMINDER_WORKING_DAYS = 5


class AskQuerySet(models.QuerySet):
    def waiting(self):
        """Sent and not yet answered: the clock is running."""
        return self.filter(status__in=Ask.WAITING)

    def overdue(self, today: date):
        return self.waiting().filter(due_on__lt=today)


class Ask(models.Model):
    """Something the Collaborative asks an outside body to do, why, and what came of it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed by a member"
        DRAFT = "draft", "Being written"
        CHECKING = "checking", "With the responder for a fact check"
        WAITING = "waiting", "Sent, waiting for an answer"
        ANSWERED = "answered", "Answered"
        ESCALATED = "escalated", "Escalated, waiting for an answer"
        CLOSED = "closed", "Closed"
        WITHDRAWN = "withdrawn", "Withdrawn"
        NOT_TAKEN_UP = "not_taken_up", "Not taken up"

    # The clock runs in these.
    WAITING = (Status.WAITING, Status.ESCALATED)
    # Facilitators may still change what is asked in these (nothing has gone out yet).
    UNSENT = (Status.PROPOSED, Status.DRAFT, Status.CHECKING)
    FINISHED = (Status.CLOSED, Status.WITHDRAWN, Status.NOT_TAKEN_UP)

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="asks")
    title = models.CharField("what we ask, in a line", max_length=200)
    request = models.TextField(
        "what we ask",
        max_length=6000,
        help_text="Say plainly what you would like the organisation to do.",
    )
    reasons = models.TextField(
        "why we ask",
        max_length=6000,
        blank=True,
        help_text="What people told us, what we found, and why it matters. Add files and links as evidence below.",
    )
    organisation = models.CharField(
        "to which organisation", max_length=200, help_text="For example: South London and Maudsley NHS Trust."
    )
    responder_name = models.CharField("the person who will answer", max_length=120)
    responder_role = models.CharField("their role (optional)", max_length=120, blank=True)
    responder_email = models.EmailField("their email address", max_length=254)
    goal = models.ForeignKey("vision.Goal", on_delete=models.PROTECT, null=True, blank=True, related_name="asks")
    key_role = models.ForeignKey("vision.KeyRole", on_delete=models.PROTECT, null=True, blank=True, related_name="asks")
    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="asks"
    )
    decision = models.ForeignKey(
        "meetings.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="asks"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # The working days the responder has to point out factual errors before the ask is sent.
    fact_check_days = models.PositiveSmallIntegerField(
        "working days for a fact check",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    fact_check_due_on = models.DateField(null=True, blank=True)
    # The current sending's: copied here so the list filters and sorts without a join.
    sent_on = models.DateField(null=True, blank=True)
    due_on = models.DateField("due date", null=True, blank=True)
    answered_on = models.DateField(null=True, blank=True)
    # A follow-up action, when the Collaborative's response was to act on the answer itself.
    action = models.ForeignKey("actions.Action", on_delete=models.PROTECT, null=True, blank=True, related_name="asks")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="asks_proposed"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = AskQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["collaborative", "status", "due_on"], name="ask_status_due"),
            models.Index(fields=["collaborative", "-created_at", "-id"], name="ask_newest"),
            models.Index(fields=["collaborative", "organisation"], name="ask_organisation"),
            models.Index("collaborative", Lower("title"), "id", name="ask_title"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("asks:detail", kwargs={"slug": self.collaborative.slug, "pk": self.pk})

    @property
    def is_waiting(self) -> bool:
        return self.status in self.WAITING

    @property
    def is_unsent(self) -> bool:
        return self.status in self.UNSENT

    def is_overdue(self, today: date) -> bool:
        return self.is_waiting and self.due_on is not None and self.due_on < today


def ask_file_path(evidence: "AskEvidence", filename: str) -> str:
    # A random name: the original name is kept in the row, never trusted on disk.
    return f"asks/{evidence.ask.collaborative_id}/{evidence.ask_id}/{secrets.token_hex(16)}"


class AskEvidence(models.Model):
    """A file or a link that shows why the Collaborative asks, or comes with an answer."""

    ask = models.ForeignKey(Ask, on_delete=models.PROTECT, related_name="evidence")
    # Set when the file came with the responder's answer (or fact check), not from the Collaborative.
    answer = models.ForeignKey("Answer", on_delete=models.PROTECT, null=True, blank=True, related_name="files")
    description = models.CharField("what it is", max_length=200, blank=True)
    link = models.URLField("a link (optional)", max_length=500, blank=True)
    file = models.FileField(storage=evidence_storage, upload_to=ask_file_path, blank=True, max_length=200)
    file_name = models.CharField(max_length=200, blank=True)
    file_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(link="") | ~models.Q(file=""), name="ask_evidence_link_or_file")
        ]

    def __str__(self) -> str:
        return self.description or self.file_name or self.link


class Sending(models.Model):
    """One time the ask went to a responder: the first, asking again, or an escalation; each with its own clock."""

    class Kind(models.TextChoices):
        FIRST = "first", "Sent"
        AGAIN = "again", "Asked again"
        ESCALATION = "escalation", "Escalated"

    ask = models.ForeignKey(Ask, on_delete=models.PROTECT, related_name="sendings")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FIRST)
    organisation = models.CharField(max_length=200)
    responder_name = models.CharField(max_length=120)
    responder_role = models.CharField(max_length=120, blank=True)
    responder_email = models.EmailField(max_length=254)
    sent_on = models.DateField()
    # 20 working days from sent_on when sent; moved by a facilitator (with a reason) or, once, by the responder.
    due_on = models.DateField()
    first_due_on = models.DateField()
    responder_extended = models.BooleanField(default=False)
    answered_on = models.DateField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ask", "-created_at"], name="sending_latest")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.organisation} on {self.sent_on}"

    @property
    def answered_on_time(self) -> bool | None:
        """None while unanswered; answered by the due date counts as on time, even if the responder moved it."""
        if self.answered_on is None:
            return None
        return self.answered_on <= self.due_on


class ResponderLink(models.Model):
    """A link emailed to a responder, who needs no account: to fact-check the ask, or to answer it.

    The link in the email signs this row's id (asks/links.py). It stops working when it is used to answer,
    when it is replaced by a newer link (sent again), or after LINK_DAYS.
    """

    class Purpose(models.TextChoices):
        CHECK = "check", "Fact check"
        ANSWER = "answer", "Answer"

    ask = models.ForeignKey(Ask, on_delete=models.PROTECT, related_name="links")
    sending = models.ForeignKey(Sending, on_delete=models.PROTECT, null=True, blank=True, related_name="links")
    purpose = models.CharField(max_length=6, choices=Purpose.choices)
    email = models.EmailField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose="check") | models.Q(sending__isnull=False), name="answer_link_has_sending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} link for {self.ask}"

    def save(self, *args, **kwargs) -> None:
        if self.expires_at is None:
            self.expires_at = (self.created_at or timezone.now()) + timedelta(days=LINK_DAYS)
        super().save(*args, **kwargs)

    def problem(self, now=None) -> str:
        """Why the link no longer works ("" while it does): expired, used or replaced. Expired comes first: a link
        used to answer shows the ask, its files and the answer until it runs out, and nothing after."""
        now = now or timezone.now()
        if now >= self.expires_at:
            return "expired"
        if self.used_at is not None:
            return "used"
        if self.replaced_at is not None:
            return "replaced"
        return ""


class FactCheck(models.Model):
    """What the responder said about factual errors, before the ask was sent. Kept; the ask is not changed by it."""

    ask = models.ForeignKey(Ask, on_delete=models.PROTECT, related_name="fact_checks")
    link = models.ForeignKey(ResponderLink, on_delete=models.PROTECT, related_name="fact_checks")
    name = models.CharField("your name", max_length=120)
    text = models.TextField("what is not right", max_length=6000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class Answer(models.Model):
    """What the responder answered, through their link. A later answer is a follow-up, never an overwrite."""

    class Kind(models.TextChoices):
        WILL = "will", "We will do this"
        PART = "part", "We will do part of this"
        CANNOT = "cannot", "We cannot do this"
        MORE_TIME = "more_time", "We need more time"

    ask = models.ForeignKey(Ask, on_delete=models.PROTECT, related_name="answers")
    sending = models.ForeignKey(Sending, on_delete=models.PROTECT, related_name="answers")
    link = models.ForeignKey(ResponderLink, on_delete=models.PROTECT, related_name="answers")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField(max_length=8000)
    # "We need until …": the day the responder asked for; moves the due date once.
    until = models.DateField(null=True, blank=True)
    name = models.CharField("your name", max_length=120)
    role = models.CharField("your role (optional)", max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="more_time") | models.Q(until__isnull=False), name="answer_more_time_until"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.name})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("An answer is kept as it was given.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("An answer cannot be deleted.")


class AskEvent(models.Model):
    """One step in an ask's life, kept for good: the timeline."""

    class What(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        WRITTEN = "written", "Written"
        TAKEN_UP = "taken_up", "Taken up by the facilitators"
        NOT_TAKEN_UP = "not_taken_up", "Not taken up"
        CHANGED = "changed", "Changed"
        EVIDENCE = "evidence", "Evidence added"
        CHECK_SENT = "check_sent", "Sent for a fact check"
        CHECKED = "checked", "Fact check comments received"
        SENT = "sent", "Sent"
        RESENT = "resent", "Link sent again"
        REMINDED = "reminded", "Responder reminded"
        DUE_CHANGED = "due_changed", "Due date changed"
        ANSWERED = "answered", "Answered"
        MORE_TIME = "more_time", "Responder asked for more time"
        ACCEPTED = "accepted", "Answer accepted"
        FOLLOWED_UP = "followed_up", "Followed up with an action"
        ASKED_AGAIN = "asked_again", "Asked again"
        ESCALATED = "escalated", "Escalated"
        WITHDRAWN = "withdrawn", "Withdrawn"

    ask = models.ForeignKey(Ask, on_delete=models.PROTECT, related_name="events")
    what = models.CharField(max_length=12, choices=What.choices)
    # None with a name: the responder, who has no account; None without one: the application.
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    by_name = models.CharField(max_length=120, blank=True)
    note = models.TextField(max_length=6000, blank=True)
    sending = models.ForeignKey(Sending, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    answer = models.ForeignKey(Answer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ask", "at"], name="ask_event_when")]

    def __str__(self) -> str:
        return self.get_what_display()

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("The history of an ask cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The history of an ask cannot be deleted.")
