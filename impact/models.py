"""What changed, in the open: the items a Collaborative chooses to publish on its public page.

Nothing is public by default. A facilitator publishes item by item: the adopted vision and values (with the
frozen figures of the voices that shaped them), a goal and its status, a "you said, we did" entry (an
action's outcome with a short summary the facilitator writes), an ask with the answers received (refusals
included), or headline figures for a period. Unpublishing hides an item; nothing is deleted, and every
publish and unpublish is a `PublicationEvent`. No one is named unless they agreed to be for that item
(`Credit`), and every figure about people keeps to the small-number rule (members.models.count_shown).
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from asks.models import Ask
from members.models import Collaborative


class PublicationQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Publication.Status.PUBLISHED)

    def public(self):
        """What the public page, each item's page and the feed show: the published items, less those of an
        ask withdrawn since it was published."""
        withdrawn = Ask.objects.filter(pk=models.OuterRef("ask_id"), status=Ask.Status.WITHDRAWN)
        return self.published().exclude(models.Exists(withdrawn))


class Publication(models.Model):
    """One item on a Collaborative's public "What changed" page."""

    class Kind(models.TextChoices):
        VISION = "vision", "Our vision and values"
        GOAL = "goal", "A goal and how it is going"
        YOU_SAID = "you_said", "You said, we did"
        ASK = "ask", "What we asked, and the answer"
        FIGURES = "figures", "Figures for a period"

    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        HIDDEN = "hidden", "Not published"

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="publications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    vision_version = models.ForeignKey(
        "vision.VisionVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    goal = models.ForeignKey("vision.Goal", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.ForeignKey("actions.Action", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ask = models.ForeignKey("asks.Ask", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # For headline figures: the period they cover.
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    # For an ask: the public page shows the answers given up to this moment (when it was published, or when a
    # facilitator last chose to show the latest answers), so that no later answer shows before they read it.
    answers_until = models.DateTimeField(null=True, blank=True)
    title = models.CharField("title on the public page", max_length=200)
    summary = models.TextField(
        "a short summary for the public",
        max_length=2000,
        blank=True,
        help_text="In plain words, for someone who has never been to a meeting.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    # The first time it was published: the feed's date. Never moved by unpublishing and publishing again.
    first_published_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["-first_published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="vision", vision_version__isnull=False)
                    | models.Q(kind="goal", goal__isnull=False)
                    | models.Q(kind="you_said", action__isnull=False)
                    | models.Q(kind="ask", ask__isnull=False)
                    | models.Q(kind="figures", period_start__isnull=False, period_end__isnull=False)
                ),
                name="publication_names_its_item",
            ),
            models.UniqueConstraint(fields=["collaborative", "vision_version"], name="publication_vision_once"),
            models.UniqueConstraint(fields=["collaborative", "goal"], name="publication_goal_once"),
            models.UniqueConstraint(fields=["collaborative", "action"], name="publication_action_once"),
            models.UniqueConstraint(fields=["collaborative", "ask"], name="publication_ask_once"),
            models.UniqueConstraint(
                fields=["collaborative", "period_start", "period_end"], name="publication_figures_once"
            ),
        ]
        indexes = [
            models.Index(fields=["collaborative", "status", "-first_published_at"], name="publication_public"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("impact:item", kwargs={"slug": self.collaborative.slug, "pk": self.pk})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def clean(self) -> None:
        if self.kind == self.Kind.YOU_SAID and not self.summary.strip():
            raise ValidationError({"summary": "Write a short summary of what changed, for the public."})
        if self.period_start and self.period_end:
            problem = period_problem(self.period_start, self.period_end)
            if problem:
                raise ValidationError({f"period_{problem[0]}": problem[1]})


class Credit(models.Model):
    """A person the facilitator would like to name on a published item. Named only once they agree."""

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="credits")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credits")
    asked_at = models.DateTimeField(default=timezone.now)
    agreed_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]
        constraints = [models.UniqueConstraint(fields=["publication", "user"], name="credit_once")]

    def __str__(self) -> str:
        return f"{self.user} on {self.publication}"

    @property
    def is_agreed(self) -> bool:
        return self.agreed_at is not None and self.declined_at is None


class PublicationEvent(models.Model):
    """Published, changed or unpublished: who and when, kept for good."""

    class What(models.TextChoices):
        PUBLISHED = "published", "Published"
        CHANGED = "changed", "Changed"
        HIDDEN = "hidden", "Unpublished"

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="events")
    what = models.CharField(max_length=10, choices=What.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_what_display()} {self.at:%Y-%m-%d}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("The history of a published item cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The history of a published item cannot be deleted.")


# The days a period of figures may cover: dates outside these are typing slips (and the day after 31 December
# 9999 does not exist), and a period is a few years, not a lifetime.
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
LONGEST_YEARS = 5


def years_after(day: date, years: int) -> date:
    """The same day `years` later (29 February becomes 1 March)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def period_problem(start: date, end: date) -> tuple[str, str] | None:
    """(the field, what is wrong) when the period from `start` to `end` is not one figures can be given for;
    None when it is. The fields are "start" and "end"."""
    for name, day in (("start", start), ("end", end)):
        if not EARLIEST <= day <= LATEST:
            return name, f"Choose a date between {EARLIEST.year} and {LATEST.year}."
    if end < start:
        return "end", "The end of the period must be on or after its start."
    if end >= years_after(start, LONGEST_YEARS):
        return "end", f"Choose a period of {LONGEST_YEARS} years or less."
    return None


def april_to_march(today: date) -> tuple[date, date]:
    """The UK financial year that `today` falls in: 1 April to 31 March, the default period of a report."""
    start_year = today.year if today.month >= 4 else today.year - 1
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)
