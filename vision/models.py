from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from members.models import Collaborative

LIVING_WELL_UK = "Living Well UK"
# A self-assessment round stays open at least this many days: it cannot be opened with an
# earlier last day, moved earlier, or closed early before then. Enough people then have time
# to answer, and no one can close a round just after one particular person has answered.
ROUND_SHORTEST_DAYS = 7


class VisionVersionQuerySet(models.QuerySet):
    def adopted(self):
        return self.filter(status=VisionVersion.Status.ADOPTED)

    def drafts(self):
        return self.filter(status=VisionVersion.Status.DRAFT)

    def current_for(self, collaborative: Collaborative):
        """The version adopted last: the Collaborative's vision now."""
        return self.filter(collaborative=collaborative).adopted().order_by("-adopted_at", "-number").first()


class VisionVersion(models.Model):
    """One version of a Collaborative's vision statement and values: a draft, then adopted, and kept for good."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ADOPTED = "adopted", "Adopted"
        SET_ASIDE = "set_aside", "Set aside"

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="vision_versions")
    number = models.PositiveIntegerField()
    statement = models.TextField(
        "vision statement",
        max_length=5000,
        help_text="What the Collaborative is working towards, in a few sentences of plain English.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(
        "what is changing and why (optional)",
        max_length=2000,
        blank=True,
        help_text="Members see this above the draft when they comment.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    adopted_at = models.DateTimeField(null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agreed_at_meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="vision_versions"
    )
    set_aside_at = models.DateTimeField(null=True, blank=True)
    # Whose voices shaped it, counted when it was adopted (vision.voices.voices_count); empty
    # for drafts, versions set aside, and versions adopted before the figures were kept.
    voices = models.JSONField(default=dict, blank=True)

    objects = VisionVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["collaborative", "number"], name="vision_version_number_unique"),
            models.CheckConstraint(
                condition=~models.Q(status="adopted") | models.Q(adopted_at__isnull=False),
                name="vision_version_adopted_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Version {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("vision:version", kwargs={"slug": self.collaborative.slug, "number": self.number})

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class Value(models.Model):
    """One of a version's values: a name and what it means in practice."""

    version = models.ForeignKey(VisionVersion, on_delete=models.CASCADE, related_name="values")
    name = models.CharField(max_length=120, help_text="For example: Equal voices.")
    meaning = models.TextField(
        "what it means in practice",
        max_length=1000,
        help_text="For example: a carer's view counts as much as a chief officer's.",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Contribution(models.Model):
    """A member's idea or comment on a draft of the vision."""

    class Status(models.TextChoices):
        SHOWN = "shown", "Shown"
        WITHDRAWN = "withdrawn", "Withdrawn by its author"

    version = models.ForeignKey(VisionVersion, on_delete=models.PROTECT, related_name="contributions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="vision_contributions"
    )
    text = models.TextField("your idea or comment", max_length=3000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SHOWN)
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class GoalQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Goal.Status.ACTIVE)

    def due_for_review(self, today: date):
        return self.active().filter(review_on__lte=today)


class Goal(models.Model):
    """Something the Collaborative means to achieve, with what success looks like and when to look again."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ACHIEVED = "achieved", "Achieved"
        RETIRED = "retired", "Retired"

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="goals")
    title = models.CharField(max_length=200, help_text="For example: Help is easy to get in every neighbourhood.")
    success = models.TextField(
        "what success looks like",
        max_length=3000,
        help_text="How will we know we got there? What will people notice?",
    )
    review_on = models.DateField("review date", help_text="When to look at this goal together again.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = GoalQuerySet.as_manager()

    class Meta:
        ordering = ["review_on", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("vision:goal", kwargs={"slug": self.collaborative.slug, "pk": self.pk})

    def is_due(self, today: date) -> bool:
        return self.status == self.Status.ACTIVE and self.review_on <= today


class GoalReview(models.Model):
    """A look at a goal together: when, how it is going, and what was said."""

    class Outcome(models.TextChoices):
        ON_TRACK = "on_track", "On track"
        SOME_PROGRESS = "some_progress", "Some progress"
        STUCK = "stuck", "Stuck"
        ACHIEVED = "achieved", "Achieved"
        RETIRED = "retired", "No longer a goal"

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField("date of the review")
    outcome = models.CharField("how is it going", max_length=14, choices=Outcome.choices)
    note = models.TextField("what was said (optional)", max_length=3000, blank=True)
    next_review_on = models.DateField("next review date", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reviewed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.goal}: {self.get_outcome_display()} on {self.reviewed_on}"


class KeyRole(models.Model):
    """One of the five key roles of a Collaborative, which its statements belong to."""

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="key_roles")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["collaborative", "number"], name="key_role_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Statement(models.Model):
    """Something a Collaborative holds itself to under a key role; reworded or retired without changing past rounds."""

    class Status(models.TextChoices):
        ACTIVE = "active", "In use"
        RETIRED = "retired", "Retired"

    key_role = models.ForeignKey(KeyRole, on_delete=models.PROTECT, related_name="statements")
    text = models.CharField("statement", max_length=300, help_text="Start with “We”, for example: We listen first.")
    source = models.CharField(max_length=120, blank=True, help_text="Who wrote it first, if not this Collaborative.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key_role__number", "position", "id"]

    def __str__(self) -> str:
        return self.text


class RoundQuerySet(models.QuerySet):
    def open_at(self, now: datetime):
        return self.filter(opened_at__lte=now, closes_at__gt=now)

    def closed_at(self, now: datetime):
        return self.filter(closes_at__lte=now)


class Round(models.Model):
    """A self-assessment round: every member rates every statement until the closing date.

    While it is open, each person's answers are linked to them (they can come back and change
    them). When it closes, the answers are counted once, by the rules in results.py, and the
    figures shown are kept in `results`; the answers themselves are then deleted, so nothing
    links anyone to what they said, in the database either.
    """

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="rounds")
    title = models.CharField(max_length=120, help_text="For example: Autumn 2026.")
    opened_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_early_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who was a member when it opened: only they count towards the minimum number of people
    # (results.py). The ids are needed only while it is open, and are cleared when it is counted;
    # the number stays. None: opened before this was recorded.
    eligible_ids = models.JSONField(default=list, blank=True)
    eligible_count = models.PositiveIntegerField(null=True, blank=True)
    # When it closed, its answers were counted into `results` (what the results page and the
    # CSV show) and then deleted.
    counted_at = models.DateTimeField(null=True, blank=True)
    results = models.JSONField(default=dict, blank=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opened_at")), name="round_closes_later"),
            models.CheckConstraint(
                condition=models.Q(counted_at__isnull=True) | models.Q(counted_at__gte=models.F("closes_at")),
                name="round_counted_once_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("vision:round", kwargs={"slug": self.collaborative.slug, "pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.opened_at <= timezone.now() < self.closes_at

    @property
    def local_closes_at(self) -> datetime:
        return self.closes_at.astimezone(self.collaborative.zone)

    @property
    def closing_day(self) -> date:
        """The last day to answer: rounds close at midnight at the end of it, local time."""
        return (self.local_closes_at - timedelta(microseconds=1)).date()

    @property
    def closes_early_from(self) -> datetime:
        """The first moment "Close the round now" may be used (ROUND_SHORTEST_DAYS after it opened)."""
        return self.opened_at + timedelta(days=ROUND_SHORTEST_DAYS)

    @property
    def can_close_early(self) -> bool:
        """Whether "Close the round now" may be used yet (it may not in the round's first ROUND_SHORTEST_DAYS)."""
        return timezone.now() >= self.closes_early_from

    @property
    def local_closes_early_from(self) -> datetime:
        return self.closes_early_from.astimezone(self.collaborative.zone)

    @property
    def closes_early_from_said(self) -> str:
        """When it can be closed early, in words: "Sunday 13 December 2026 at 5:22pm".

        The one place this moment is put into words: the round's page shows it, and so does the
        refusal to close early (services.close_early_refusal), which is a message, not a template.
        Django's date filters have no plain "am"/"pm" ("a" gives "a.m."), hence the format here.
        """
        when = self.local_closes_early_from
        return f"{when:%A} {when.day} {when:%B %Y} at {when:%-I:%M}{'am' if when.hour < 12 else 'pm'}"

    @property
    def earliest_closing_day(self) -> date:
        """The earliest last day it can be given: it closes at the end of that day, local time."""
        return self.local_closes_early_from.date()

    @property
    def respondents(self) -> int:
        """How many people answered, once it has been counted (nothing is counted while it is open)."""
        return self.results.get("respondents", 0)


class RoundStatement(models.Model):
    """A statement as it was worded when a round opened: results stay under the words people answered."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="statements")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="+")
    key_role = models.ForeignKey(KeyRole, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(max_length=300)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "statement"], name="round_statement_once"),
        ]

    def __str__(self) -> str:
        return self.text


class Rating(models.TextChoices):
    NOT_YET = "not_yet", "Not yet"
    STARTING = "starting", "Starting"
    GETTING_THERE = "getting_there", "Getting there"
    STRONG = "strong", "Strong"
    DONT_KNOW = "dont_know", "Don't know"


class Response(models.Model):
    """One member's answers in a round, while it is open. Never shown to anyone as one person's:
    only counted, and deleted with its answers once the round has been counted."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="round_responses"
    )
    # The perspectives the person shared with members when they last saved. Results by
    # perspective use these, so a closed round's figures never move when someone later
    # changes their profile: comparing the figures before and after would give them away.
    perspectives = models.JSONField(default=list, blank=True)
    # Whether the person was a member when the round opened (Round.eligible_ids), as answers_save
    # found it; kept here so that answers still count this way after an account is deleted.
    eligible = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="response_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"Answers to {self.round}"


class Answer(models.Model):
    """A rating of one statement, with an optional comment."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    statement = models.ForeignKey(RoundStatement, on_delete=models.CASCADE, related_name="answers")
    rating = models.CharField(max_length=14, choices=Rating.choices, blank=True)
    comment = models.TextField(max_length=2000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "statement"], name="answer_once_per_statement"),
        ]

    def __str__(self) -> str:
        return self.get_rating_display() or "No rating"
