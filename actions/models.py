import os
import secrets
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from members.models import Collaborative


def person_name(person) -> str:
    """A person as the log, its exports and its reviews name them ("" for nobody)."""
    if person is None:
        return ""
    return person.display_name or "Former member"


class EvidenceStorage(FileSystemStorage):
    """Uploaded evidence lives outside the web root and is served only by a view that checks
    membership: no web server address reaches it. The place is read from settings.EVIDENCE_ROOT
    each time, so a deployment (or a test) can point it elsewhere."""

    @property
    def base_location(self) -> str:
        return str(settings.EVIDENCE_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


_evidence = EvidenceStorage(base_url=None)


def evidence_storage() -> EvidenceStorage:
    # A callable, so migrations name this function rather than a path on one machine.
    return _evidence


class PkAmong(models.Func):
    """True for the rows whose id a subquery returns. On PostgreSQL it is `id = ANY(ARRAY(subquery))`: the
    subquery runs first and each of its ids is looked up by primary key, so the cost follows how many ids there
    are, where `id IN (subquery)` lets the planner scan every row of a large table. Elsewhere it is `id IN`."""

    output_field = models.BooleanField()
    template = "%(expressions)s"
    arg_joiner = " IN "

    def __init__(self, ids: models.QuerySet):
        super().__init__(models.F("pk"), models.Subquery(ids))

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, arg_joiner=" = ANY(ARRAY", template="%(expressions)s)")


class ActionQuerySet(models.QuerySet):
    def live(self):
        """Not finished: open, in progress or blocked."""
        return self.filter(status__in=Action.LIVE)

    def overdue(self, today: date):
        return self.live().filter(due_on__lt=today)

    def for_member(self, user_id: int):
        """Actions the person owns or supports, found by the owner's index and among the person's supporter rows,
        so however many actions the Collaborative has, only theirs are read."""
        supported = Action.supporters.through.objects.filter(user=user_id).values("action_id")
        return self.filter(models.Q(owner=user_id) | PkAmong(supported))


class Action(models.Model):
    """Something the Collaborative agreed to do: who, by when, and what happened."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        BLOCKED = "blocked", "Blocked"
        DROPPED = "dropped", "Dropped"

    LIVE = (Status.OPEN, Status.IN_PROGRESS, Status.BLOCKED)
    NEEDS_REASON = (Status.BLOCKED, Status.DROPPED)

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="actions")
    title = models.CharField("what will be done", max_length=200)
    description = models.TextField("more about it (optional)", max_length=4000, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions_owned",
        help_text="The member who makes sure it happens.",
    )
    supporters = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="actions_supported", help_text="Members helping the owner."
    )
    organisation = models.CharField(
        "lead organisation (optional)",
        max_length=200,
        blank=True,
        help_text="The organisation that answers for it, for example the mental health trust.",
    )
    due_on = models.DateField("due date")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    status_reason = models.TextField(
        "why (needed for blocked or dropped)",
        max_length=1000,
        blank=True,
    )
    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    agenda_item = models.ForeignKey(
        "meetings.AgendaItem", on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    decision = models.ForeignKey(
        "meetings.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    goal = models.ForeignKey("vision.Goal", on_delete=models.PROTECT, null=True, blank=True, related_name="actions")
    key_role = models.ForeignKey(
        "vision.KeyRole", on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The last change or progress update: "matters arising" lists actions updated since the last meeting.
    updated_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=["blocked", "dropped"]) | ~models.Q(status_reason=""),
                name="action_reason_for_blocked_or_dropped",
            ),
        ]
        indexes = [
            models.Index(fields=["collaborative", "status", "due_on"], name="action_status_due"),
            models.Index(fields=["collaborative", "due_on"], name="action_due"),
            # A meeting's matters arising are counted from these two alone (actions.selectors.meeting_actions),
            # without reading thousands of actions: those not done by due date, and all by time of change.
            models.Index(
                fields=["collaborative", "due_on", "id"],
                include=["updated_at", "meeting"],
                condition=models.Q(status__in=("open", "in_progress", "blocked")),
                name="action_live_due",
            ),
            models.Index(
                fields=["collaborative", "updated_at"],
                include=["status", "due_on", "meeting", "id"],
                name="action_updated",
            ),
            # A meeting's first actions, in the order they were recorded.
            models.Index(fields=["meeting", "id"], name="action_meeting"),
            models.Index(fields=["collaborative", "organisation"], name="action_organisation"),
            # The log in title order (actions.forms.SORTS): a page found without sorting every action.
            models.Index("collaborative", Lower("title"), "id", name="action_title"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("actions:detail", kwargs={"slug": self.collaborative.slug, "pk": self.pk})

    def clean(self) -> None:
        if self.status in self.NEEDS_REASON and not self.status_reason.strip():
            raise ValidationError({"status_reason": f"Say why the action is {self.get_status_display().lower()}."})

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE

    def is_overdue(self, today: date) -> bool:
        return self.is_live and self.due_on < today


class ActionChange(models.Model):
    """One change to one field of an action: append-only, so the story of an action cannot be rewritten.

    People are stored by id, and shown by their name as it is now: after an erasure
    they read "Former member" without the history itself changing.
    """

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="changes")
    field = models.CharField(max_length=40)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="action_changes"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["action", "changed_at"], name="action_change_when")]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("The history of an action cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The history of an action cannot be deleted.")


def evidence_path(update: "ActionUpdate", filename: str) -> str:
    # A random name: the original name is kept in the row, never trusted on disk.
    return f"{update.action.collaborative_id}/{update.action_id}/{secrets.token_hex(16)}"


class ActionUpdate(models.Model):
    """Progress on an action, in words, with a link or a file as evidence if there is one."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="action_updates"
    )
    text = models.TextField("what has happened", max_length=4000)
    link = models.URLField("a link to evidence (optional)", max_length=500, blank=True)
    file = models.FileField(storage=evidence_storage, upload_to=evidence_path, blank=True, max_length=200)
    file_name = models.CharField(max_length=200, blank=True)
    file_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["action", "-created_at"], name="action_update_latest")]

    def __str__(self) -> str:
        return self.text[:60]


class ReviewRound(models.Model):
    """A commissioners' review of the action log: each action in scope marked reviewed, then signed off and frozen."""

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="review_rounds")
    title = models.CharField(max_length=120, help_text="For example: Board report, January 2027.")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    # The signer's name as it was at sign-off, so a frozen round does not change when they rename
    # themselves; erasure replaces it with "Former member".
    signed_off_by_name = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("actions:review", kwargs={"slug": self.collaborative.slug, "pk": self.pk})

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None


class ReviewItem(models.Model):
    """An action in a review round, with the action as it stood: frozen when the round is signed off.

    The snapshot keeps the owner's name (and, once marked, the reviewer's) as they were then.
    """

    round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="items")
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="review_items")
    snapshot = models.JSONField(default=dict)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    comment = models.TextField("comment (optional)", max_length=2000, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["round", "action"], name="review_item_once")]

    def __str__(self) -> str:
        return self.snapshot.get("title", "")
