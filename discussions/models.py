"""Between meetings: discussions and their comments, polls and proposals, following and muting, what each
person has read, and replies that came in by email.

A discussion (`Thread`) belongs to one Collaborative and may be linked to an agenda item, a goal or an action,
where it is shown. Comments reply to the discussion or, one level deep, to another comment; an edit keeps the
earlier words (`CommentVersion`), withdrawing takes the words away and leaves a marker, and a facilitator hides
a comment that breaks the ground rules with a reason its author sees. Nothing is deleted.

A poll (`Poll`) stands on its own, in a discussion, or in a meeting (a quick poll). Whether names are shown is
said before anyone votes and never changes once someone has. An anonymous poll keeps each person's ballot only
while it is open (they can change it); when it closes the ballots are counted into `Poll.results` and deleted,
the same rule as self-assessment rounds, so nothing links anyone to their vote.
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from meetings.models import AgendaItem, Decision, Meeting
from members.models import Collaborative
from vision.models import Goal


class ThreadQuerySet(models.QuerySet):
    def for_collaborative(self, collaborative):
        return self.filter(collaborative=collaborative)

    def open(self):
        return self.filter(status=Thread.Status.OPEN)


class Thread(models.Model):
    """A discussion between meetings: a title, an opening text, and the comments on it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="threads")
    title = models.CharField(max_length=200)
    text = models.TextField("what it is about", max_length=20000, help_text="You can use Markdown, as in notes.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="threads_started"
    )
    # What it is about, if anything: it is listed there too.
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="threads"
    )
    goal = models.ForeignKey(Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="threads")
    action = models.ForeignKey(Action, on_delete=models.SET_NULL, null=True, blank=True, related_name="threads")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Closing: a facilitator writes what came of it, which can become a meeting's decision or an action.
    outcome = models.TextField("what came of it", max_length=5000, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome_decision = models.ForeignKey(
        Decision, on_delete=models.SET_NULL, null=True, blank=True, related_name="from_threads"
    )
    outcome_action = models.ForeignKey(
        Action, on_delete=models.SET_NULL, null=True, blank=True, related_name="from_threads"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Kept up to date by the services that add comments: what lists sort by and unread counts compare with.
    last_activity_at = models.DateTimeField(default=timezone.now)
    comment_count = models.PositiveIntegerField(default=0)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        indexes = [
            models.Index(fields=["collaborative", "-last_activity_at"], name="thread_latest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True)
                | models.Q(status="closed", closed_at__isnull=False),
                name="thread_closed_has_closed_at",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("discussions:thread", kwargs={"slug": self.collaborative.slug, "pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class ThreadVersion(models.Model):
    """The title and text of a discussion as they were before an edit: edits never lose words."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="versions")
    title = models.CharField(max_length=200)
    text = models.TextField(max_length=20000)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-saved_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title} (before {self.saved_at:%Y-%m-%d %H:%M})"


class Comment(models.Model):
    """A comment in a discussion, or a reply to one (one level deep)."""

    class Status(models.TextChoices):
        SHOWN = "shown", "Shown"
        # Its author took it back: the words are gone (earlier versions too), a marker stays.
        WITHDRAWN = "withdrawn", "Withdrawn by its author"
        # A facilitator hid it for breaking the ground rules: the words are kept, shown only to its author.
        HIDDEN = "hidden", "Hidden by a facilitator"

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    text = models.TextField("your comment", max_length=10000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SHOWN)
    # Written by replying to an email (discussions/inbound.py), rather than on the site.
    by_email = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.TextField("why it is hidden", max_length=1000, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at"], name="comment_in_order")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="hidden") | models.Q(hidden_at__isnull=False),
                name="comment_hidden_has_hidden_at",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="withdrawn") | models.Q(withdrawn_at__isnull=False),
                name="comment_withdrawn_has_withdrawn_at",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80] if self.status == self.Status.SHOWN else self.get_status_display()

    def get_absolute_url(self) -> str:
        return f"{self.thread.get_absolute_url()}#comment-{self.pk}"

    @property
    def is_shown(self) -> bool:
        return self.status == self.Status.SHOWN


class CommentVersion(models.Model):
    """A comment's words as they were before an edit; "edited" on the comment links to them."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="versions")
    text = models.TextField(max_length=10000)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-saved_at", "-id"]

    def __str__(self) -> str:
        return self.text[:80]


class Following(models.Model):
    """A person following or muting one discussion. Muting wins over every other choice: nothing more about it."""

    class State(models.TextChoices):
        FOLLOWING = "following", "Following"
        MUTED = "muted", "Muted"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followings")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="followings")
    state = models.CharField(max_length=10, choices=State.choices)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="following_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.state} {self.thread_id}"


class Seen(models.Model):
    """When a person last looked at a discussion: what is newer is unread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="threads_seen")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="seen_by")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="seen_once")]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.thread_id} at {self.seen_at}"


class AllRead(models.Model):
    """ "Mark all as read": nothing in the Collaborative before this moment is unread for the person."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="all_read")
    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "collaborative"], name="all_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} read all before {self.at}"


class PollQuerySet(models.QuerySet):
    def for_collaborative(self, collaborative):
        return self.filter(collaborative=collaborative)

    def open(self, now: datetime | None = None):
        return self.filter(closed_at__isnull=True, closes_at__gt=now or timezone.now())


class Poll(models.Model):
    """A question members answer by a closing time: a proposal, a choice, scores, dots, or times for a meeting."""

    class Type(models.TextChoices):
        PROPOSAL = "proposal", "Proposal (agree, abstain, disagree or block)"
        ONE = "one", "Choose one"
        SEVERAL = "several", "Choose one or more"
        SCORE = "score", "Give each a score"
        DOTS = "dots", "Share out dots"
        TIME = "time", "Find a time to meet"

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="polls")
    # Where it was opened, if anywhere: in a discussion, or during a meeting (a quick poll).
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, null=True, blank=True, related_name="polls")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="polls")
    type = models.CharField(max_length=10, choices=Type.choices)
    question = models.CharField(max_length=200)
    details = models.TextField("more about it (optional)", max_length=5000, blank=True)
    # Said plainly before anyone votes, and fixed once someone has.
    anonymous = models.BooleanField("nobody's name is shown with their vote", default=False)
    # Named polls only: results as the votes come in, or only once it has closed.
    results_while_open = models.BooleanField("show results while it is open", default=False)
    # Score: each option from 0 up to this. Dots: how many dots each person shares out.
    max_score = models.PositiveSmallIntegerField(default=5)
    dots = models.PositiveSmallIntegerField(default=10)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="polls_opened"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField()
    # Set when it is closed (at its closing time by beat's scan, or early by whoever opened it or a
    # facilitator), together with the counted `results` and `voters`.
    closed_at = models.DateTimeField(null=True, blank=True)
    results = models.JSONField(default=dict, blank=True)
    voters = models.PositiveIntegerField(default=0)
    outcome = models.TextField("what was decided", max_length=5000, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Withdrawn by whoever opened it or a facilitator before it closed: kept, not counted.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # A time poll that became a meeting.
    meeting_made = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="from_polls"
    )

    objects = PollQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["collaborative", "closed_at", "closes_at"], name="poll_open")]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opened_at")), name="poll_closes_later"),
            models.CheckConstraint(
                condition=models.Q(anonymous=False) | models.Q(results_while_open=False),
                name="poll_anonymous_results_after_closing",
            ),
        ]

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("discussions:poll", kwargs={"slug": self.collaborative.slug, "pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.closed_at is None and self.withdrawn_at is None and timezone.now() < self.closes_at


class PollOption(models.Model):
    """One of the answers a poll offers: a proposal's four positions, a choice, or a time to meet."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(max_length=200)
    # Time polls: when the meeting would start (and end).
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Vote(models.Model):
    """One person's ballot in a poll. Changing it keeps the earlier one (`replaced_at` set) while the poll is
    named; an anonymous poll's ballots are counted and deleted when it closes."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="votes"
    )
    # Proposals: why, needed for Disagree and Block.
    reason = models.TextField("why (optional)", max_length=2000, blank=True)
    cast_at = models.DateTimeField(default=timezone.now)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cast_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "user"], condition=models.Q(replaced_at__isnull=True), name="vote_once_per_poll"
            ),
        ]

    def __str__(self) -> str:
        return f"Vote in {self.poll_id}"


class VoteChoice(models.Model):
    """What a ballot gives one option: 1 for chosen, a score, a number of dots, or for a time 2 "yes",
    1 "if I must", 0 "no"."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="choices")
    value = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "option"], name="vote_choice_once")]

    def __str__(self) -> str:
        return f"{self.option_id}: {self.value}"


class InboundEmail(models.Model):
    """An email that came in to a reply address, and what became of it: never acted on twice (its Message-ID)."""

    class Result(models.TextChoices):
        COMMENTED = "commented", "Added as a comment"
        REFUSED = "refused", "Not added"

    # A SHA-256 of the Message-ID header (which can be long): the same email arriving twice is ignored.
    message_id_hash = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(default=timezone.now)
    sender = models.EmailField(blank=True)
    recipient = models.CharField(max_length=320, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    thread = models.ForeignKey(Thread, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    result = models.CharField(max_length=10, choices=Result.choices)
    # Why it was not added, in the plain words the answer to the sender uses.
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_result_display()}: {self.recipient}"
