import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from collaborative.markdown import render_markdown
from members.models import Collaborative


class Venue(models.Model):
    """A place where a Collaborative meets, usually a local cafe, with what people need to know to get in."""

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="venues")
    name = models.CharField(max_length=120, help_text="For example: the Cafe on the Green.")
    address = models.TextField(max_length=400)
    map_link = models.URLField("link to a map (optional)", blank=True, max_length=500)
    capacity = models.PositiveIntegerField(
        "how many people fit (optional)",
        null=True,
        blank=True,
        help_text="When this many say they are coming, others go on a waiting list. Leave empty for no limit.",
    )
    step_free = models.BooleanField("step-free access", default=False)
    accessible_toilet = models.BooleanField("accessible toilet", default=False)
    hearing_loop = models.BooleanField("hearing loop", default=False)
    quiet_space = models.BooleanField("quiet space", default=False)
    access_notes = models.TextField(
        "anything else about getting in and around (optional)",
        max_length=1000,
        blank=True,
        help_text="For example: the nearest bus stop, where the ramp is, or how busy it gets.",
    )
    is_archived = models.BooleanField("no longer used", default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gt=0), name="venue_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_access_display(self) -> list[str]:
        """The accessibility features the venue has, in words."""
        features = [
            (self.step_free, "Step-free access"),
            (self.accessible_toilet, "Accessible toilet"),
            (self.hearing_loop, "Hearing loop"),
            (self.quiet_space, "Quiet space"),
        ]
        return [label for present, label in features if present]


class Format(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"
    HYBRID = "hybrid", "In person and online"


class MeetingSeries(models.Model):
    """A run of monthly meetings on the same day of the month ("the second Thursday, 10:00 to 12:30")."""

    class Week(models.IntegerChoices):
        FIRST = 1, "First"
        SECOND = 2, "Second"
        THIRD = 3, "Third"
        FOURTH = 4, "Fourth"
        LAST = -1, "Last"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="meeting_series")
    week = models.SmallIntegerField(choices=Week.choices)
    weekday = models.SmallIntegerField(choices=Weekday.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "meeting series"

    def __str__(self) -> str:
        return f"The {self.get_week_display().lower()} {self.get_weekday_display()} of each month"


class MeetingQuerySet(models.QuerySet):
    def for_collaborative(self, collaborative):
        return self.filter(collaborative=collaborative)

    def upcoming(self, now=None):
        """Meetings that have not ended yet, soonest first (cancelled ones too: people need to know)."""
        return self.filter(ends_at__gt=now or timezone.now()).order_by("starts_at", "id")

    def past(self, now=None):
        return self.filter(ends_at__lte=now or timezone.now()).order_by("-starts_at", "-id")

    def scheduled(self):
        return self.filter(status=Meeting.Status.SCHEDULED)


class Meeting(models.Model):
    """One meeting of a Collaborative, on its own or one of a monthly series."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Going ahead"
        CANCELLED = "cancelled", "Cancelled"

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="meetings")
    series = models.ForeignKey(MeetingSeries, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings")
    title = models.CharField(max_length=120, default="Monthly meeting")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    format = models.CharField("how people take part", max_length=10, choices=Format.choices, default=Format.IN_PERSON)
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings")
    # Shown only to members: a public link would let anyone into the room.
    online_link = models.URLField("link to join online", blank=True, max_length=500)
    notes_for_members = models.TextField("anything members should know (optional)", max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    cancelled_reason = models.CharField("why it is cancelled (optional)", max_length=300, blank=True)
    agenda_published_at = models.DateTimeField(null=True, blank=True)
    # Raised on every change to what is on the agenda (an item added, changed, moved or taken off); publishing
    # keeps the number it published, so "publish the changes" is offered only when there is something new.
    agenda_version = models.PositiveIntegerField(default=0)
    agenda_published_version = models.PositiveIntegerField(default=0)
    guests = models.PositiveSmallIntegerField(
        "guests who came", default=0, help_text="People who came but are not members, e.g. a visiting speaker."
    )
    general_notes = models.TextField("other notes", max_length=20000, blank=True)
    notes_published_at = models.DateTimeField(null=True, blank=True)
    # The minutes (notes and decisions) are approved at a later meeting, as is the custom.
    minutes_approved_at = models.DateTimeField(null=True, blank=True)
    minutes_approved_at_meeting = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="approved_minutes_of"
    )
    minutes_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Raised on every change people's calendars should follow (RFC 5545 SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=models.Q(format="online") | models.Q(venue__isnull=False), name="meeting_in_person_has_venue"
            ),
            models.CheckConstraint(
                condition=models.Q(format="in_person") | ~models.Q(online_link=""), name="meeting_online_has_link"
            ),
        ]
        indexes = [models.Index(fields=["collaborative", "starts_at"], name="meeting_by_start")]

    def __str__(self) -> str:
        return f"{self.title}, {self.local_start:%-d %B %Y}"

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", kwargs={"slug": self.collaborative.slug, "pk": self.pk})

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.collaborative.time_zone)

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(self.zone)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def check_in_open(self) -> bool:
        """Whether someone who came can ask for a check-in now: from the end until CHECK_IN_DAYS after."""
        now = timezone.now()
        return not self.is_cancelled and self.ends_at <= now <= self.ends_at + timedelta(days=CHECK_IN_DAYS)

    @property
    def in_person(self) -> bool:
        return self.format in (Format.IN_PERSON, Format.HYBRID)

    @property
    def online(self) -> bool:
        return self.format in (Format.ONLINE, Format.HYBRID)

    @property
    def general_notes_html(self):
        return render_markdown(self.general_notes)

    @property
    def agenda_changed_since_published(self) -> bool:
        """Whether the agenda has changed since it was last published (False if it never was)."""
        return self.agenda_published_at is not None and self.agenda_version != self.agenda_published_version

    @property
    def length_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def register_open(self) -> bool:
        """The register can be taken from the day of the meeting."""
        return not self.is_cancelled and timezone.localdate(timezone.now(), self.zone) >= self.local_start.date()

    @property
    def capacity(self) -> int | None:
        """How many can come in person; None for no limit (or an online meeting)."""
        return self.venue.capacity if self.in_person and self.venue_id else None


class Rsvp(models.Model):
    """A member's answer to "are you coming?", which they can change until the meeting starts."""

    class Answer(models.TextChoices):
        COMING = "coming", "Coming"
        MAYBE = "maybe", "Maybe"
        NOT_COMING = "not_coming", "Can't come"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps")
    answer = models.CharField(max_length=12, choices=Answer.choices)
    # "Coming" when the venue was full: waiting for a place, first come first served.
    waiting = models.BooleanField(default=False)
    waiting_since = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["updated_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="rsvp_once_per_person"),
            models.CheckConstraint(
                condition=models.Q(waiting=False) | models.Q(answer="coming", waiting_since__isnull=False),
                name="rsvp_only_coming_can_wait",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} to {self.meeting}: {self.get_answer_display()}"

    def get_state_display(self) -> str:
        return "On the waiting list" if self.waiting else self.get_answer_display()

    def confirmation(self) -> str:
        """What the person is told once they have answered."""
        if self.waiting:
            return "The meeting is full, so you are on the waiting list. We will email you if a place comes free."
        return {
            self.Answer.COMING: "Thank you. You said you are coming.",
            self.Answer.MAYBE: "Thank you. You said maybe.",
            self.Answer.NOT_COMING: "Thank you. You said you can't come.",
        }[self.answer]


class RsvpChange(models.Model):
    """Every answer a member gave, in order: the history behind their current RSVP."""

    rsvp = models.ForeignKey(Rsvp, on_delete=models.CASCADE, related_name="changes")
    answer = models.CharField(max_length=12, choices=Rsvp.Answer.choices)
    waiting = models.BooleanField(default=False)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.rsvp_id}: {self.answer}{' (waiting)' if self.waiting else ''}"


class AgendaItemQuerySet(models.QuerySet):
    def on_agenda(self):
        return self.filter(status=AgendaItem.Status.ACCEPTED).order_by("position", "id")

    def published(self):
        """Items every member sees: on the agenda, once the agenda or the notes are published."""
        return self.filter(_published_item()).order_by("position", "id")

    def published_or_proposed_by(self, user):
        """Items every member sees, and the ones the person proposed (whatever became of them)."""
        return self.filter(_published_item() | models.Q(proposed_by_id=user.pk))


def _published_item() -> models.Q:
    shown = models.Q(meeting__agenda_published_at__isnull=False) | models.Q(meeting__notes_published_at__isnull=False)
    return models.Q(status=AgendaItem.Status.ACCEPTED) & shown


class AgendaItem(models.Model):
    """Something to talk about at a meeting: proposed by any member, accepted or declined by facilitators."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for the facilitators"
        ACCEPTED = "accepted", "On the agenda"
        DECLINED = "declined", "Not this time"
        WITHDRAWN = "withdrawn", "Withdrawn"
        # Taken off the agenda by the facilitators after it was on it: kept, with the reason if they gave one.
        REMOVED = "removed", "Taken off the agenda"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    title = models.CharField(max_length=200)
    description = models.TextField("more about it (optional)", max_length=2000, blank=True)
    presenter = models.CharField(
        "who will introduce it (optional)",
        max_length=120,
        blank=True,
        help_text="A member, or a guest. Leave empty if no one in particular.",
    )
    minutes = models.PositiveSmallIntegerField(
        "how many minutes (optional)",
        null=True,
        blank=True,
        help_text="About how long it needs.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    # Why not this time, or why it was taken off the agenda.
    decline_reason = models.TextField("why not this time", max_length=1000, blank=True)
    notes = models.TextField(max_length=20000, blank=True, help_text="What was said, in Markdown.")
    position = models.PositiveIntegerField(default=0)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="agenda_items"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__isnull=True) | models.Q(minutes__gt=0, minutes__lte=600),
                name="agenda_item_minutes_sensible",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def notes_html(self):
        return render_markdown(self.notes)


class AgendaItemChange(models.Model):
    """Each change facilitators made to an item on the agenda, with its wording as it was before: nothing said
    on an agenda is lost when it is corrected."""

    class What(models.TextChoices):
        ADDED = "added", "Put on the agenda"
        CHANGED = "changed", "Changed"
        MOVED = "moved", "Moved"
        REMOVED = "removed", "Taken off the agenda"

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="changes")
    what = models.CharField(max_length=10, choices=What.choices)
    # The item as it was before the change.
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=2000, blank=True)
    presenter = models.CharField(max_length=120, blank=True)
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.what} at {self.changed_at:%Y-%m-%d %H:%M}"


class NotesRevision(models.Model):
    """Each saved version of a meeting's notes, so no one's words are lost when notes are corrected."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="notes_revisions")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, null=True, blank=True, related_name="notes_revisions"
    )
    text = models.TextField(max_length=20000, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["edited_at", "id"]

    def __str__(self) -> str:
        return f"Notes of {self.meeting_id} at {self.edited_at:%Y-%m-%d %H:%M}"


class DecisionQuerySet(models.QuerySet):
    def published(self):
        """Decisions every member sees: in published notes, and not withdrawn."""
        return self.filter(meeting__notes_published_at__isnull=False, withdrawn_at__isnull=True)


class Decision(models.Model):
    """Something the meeting decided, recorded on its own so it can be found and followed up."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    text = models.TextField("what was decided", max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # Nothing is deleted: a decision recorded by mistake is withdrawn, and stays on record.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class Attendance(models.Model):
    """Whether a member came to a meeting, as a facilitator marked it on the register."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendances")
    attended = models.BooleanField(default=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="attendance_once_per_person")]

    def __str__(self) -> str:
        return f"{self.user} {'came to' if self.attended else 'missed'} {self.meeting}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A member's private calendar address: calendar programs subscribe to it to see every meeting.

    The token in the address is the only key, so anyone holding it sees the meetings
    (including online links); the member can change it at any time, which stops the old one.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar of {self.user}"


# How long after a meeting ends someone who came can ask for a check-in.
CHECK_IN_DAYS = 7


class CheckInRequest(models.Model):
    """Someone who came to a meeting asked, privately, for someone to check in with them afterwards. Only
    they and the facilitators ever see it; nothing else is recorded beyond who asked and who answered."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="check_in_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_in_requests")
    asked_at = models.DateTimeField(default=timezone.now)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="check_in_once_per_meeting"),
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True) | models.Q(answered_at__gte=models.F("asked_at")),
                name="check_in_answered_after_asked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} asked for a check-in after {self.meeting}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
