import zoneinfo
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Lower
from django.db.models.lookups import Contains
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac


class Perspective(models.TextChoices):
    LIVED_EXPERIENCE = "lived_experience", "Lived experience of services"
    CARER = "carer", "Carer"
    PRACTITIONER = "practitioner", "Practitioner"
    MANAGER = "manager", "Manager or leader"
    COMMISSIONER = "commissioner", "Commissioner"
    VOLUNTARY = "voluntary", "Voluntary or community sector"
    OTHER = "other", "Other"


def validate_choice_list(value, choices: type[models.TextChoices], what: str) -> None:
    """A JSON list whose items all come from `choices`."""
    if not isinstance(value, list) or not set(value) <= set(choices.values):
        raise ValidationError(f"Choose {what} from the list.")


def validate_perspectives(value: list) -> None:
    validate_choice_list(value, Perspective, "perspectives")


class OrganisationType(models.TextChoices):
    MENTAL_HEALTH_TRUST = "mental_health_trust", "Mental health trust"
    PRIMARY_CARE = "primary_care", "Primary care"
    PUBLIC_HEALTH = "public_health", "Public health"
    SOCIAL_CARE = "social_care", "Social care"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    COMMISSIONER = "commissioner", "Commissioner or ICB"
    VOLUNTARY = "voluntary", "Voluntary or community organisation"
    CARER_USER_LED = "carer_user_led", "Carer or user-led organisation"
    OTHER = "other", "Other"


# Counts of people below this are shown as "fewer than 3", so no one can be picked out.
SMALL_GROUP = 3


def count_shown(count: int) -> str:
    """How many people, as a page shows it: "none" for nobody (which picks no one out), "fewer than 3" for one
    or two, else the number."""
    if count == 0:
        return "none"
    return str(count) if count >= SMALL_GROUP else f"fewer than {SMALL_GROUP}"


class Visibility(models.TextChoices):
    MEMBERS = "members", "Members of my Collaboratives"
    FACILITATORS = "facilitators", "Facilitators only"
    NOBODY = "nobody", "Nobody"


class AccessNeed(models.TextChoices):
    STEP_FREE = "step_free", "Step-free access"
    HEARING_LOOP = "hearing_loop", "Hearing loop"
    BSL = "bsl", "BSL interpreter"
    LARGE_PRINT = "large_print", "Large print"
    QUIET_SPACE = "quiet_space", "Quiet space"
    DIETARY = "dietary", "Dietary needs"


def validate_access_needs(value: list) -> None:
    validate_choice_list(value, AccessNeed, "access needs")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account; they log in with their email address."""

    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(
        "name to show",
        max_length=80,
        help_text="The name other members will see. It does not have to be your legal name.",
    )
    perspectives = models.JSONField(
        "perspectives you bring",
        default=list,
        blank=True,
        validators=[validate_perspectives],
    )
    perspectives_visibility = models.CharField(
        "who sees your perspectives", max_length=12, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    pronouns = models.CharField(max_length=40, blank=True, help_text="For example: she/her, he/him, they/them.")
    about = models.TextField("about me", max_length=600, blank=True)
    organisation = models.CharField(max_length=120, blank=True)
    organisation_type = models.CharField(
        "type of organisation", max_length=24, choices=OrganisationType.choices, blank=True
    )
    organisation_visibility = models.CharField(
        "who sees your organisation", max_length=12, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    job_title = models.CharField(max_length=120, blank=True)
    job_title_visibility = models.CharField(
        "who sees your job title", max_length=12, choices=Visibility.choices, default=Visibility.NOBODY
    )
    # Seen only by the person and the facilitators of their Collaboratives.
    access_needs = models.JSONField(default=list, blank=True, validators=[validate_access_needs])
    access_needs_other = models.TextField("anything else we should know", max_length=600, blank=True)
    is_staff = models.BooleanField(
        "site administrator", default=False, help_text="Can use the site administration pages."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Raised to end every session the person has open (see get_session_auth_hash and members.sessions).
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]
        # The directory lists people by name, a page at a time: read in this order, not sorted each time.
        indexes = [models.Index(Lower("display_name"), name="user_display_name_lower")]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_session_auth_hash(self) -> str:
        """What each session stores to stay valid: a hash of the password and the session generation.

        Raising the generation (members.sessions.sessions_end) ends every session made before,
        as changing the password does; the session that raised it is given the new hash.
        """
        if not self.session_generation:
            return super().get_session_auth_hash()  # Sessions made before generations existed stay valid.
        return self._session_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        if not self.session_generation:
            yield from super().get_session_auth_fallback_hash()
            return
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=secret)

    def _session_hash(self, *, secret: str | None) -> str:
        return salted_hmac(
            "members.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    def get_perspectives_display(self) -> list[str]:
        labels = dict(Perspective.choices)
        return [labels[value] for value in self.perspectives if value in labels]

    def get_access_needs_display(self) -> list[str]:
        labels = dict(AccessNeed.choices)
        return [labels[value] for value in self.access_needs if value in labels]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("%(value)s is not a time zone we know.", params={"value": value})


class Collaborative(models.Model):
    """A local Living Well Collaborative: a standing forum that meets monthly."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True, help_text="Used in addresses, e.g. /c/lambeth/.")
    area = models.CharField(max_length=120, help_text="The place it covers, e.g. Lambeth, south London.")
    description = models.TextField(
        "short description", max_length=600, blank=True, help_text="What the Collaborative is for, in a few sentences."
    )
    time_zone = models.CharField(max_length=60, default="Europe/London", validators=[validate_time_zone])
    usual_meeting = models.CharField(
        "when and where you usually meet",
        max_length=200,
        blank=True,
        help_text="For example: the second Thursday of each month, 10am to 12:30pm, at the Cafe on the Green.",
    )
    first_reminder_days = models.PositiveSmallIntegerField(
        "first reminder, days before a meeting",
        default=7,
        validators=[MaxValueValidator(30)],
        help_text="0 for none.",
    )
    second_reminder_days = models.PositiveSmallIntegerField(
        "second reminder, days before a meeting",
        default=1,
        validators=[MaxValueValidator(30)],
        help_text="0 for none.",
    )
    is_public = models.BooleanField(
        "show a public page",
        default=False,
        help_text="Anyone can then read the name, area, description and when you meet, and ask to join.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("home:collaborative_home", kwargs={"slug": self.slug})

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def local_now(self, now: datetime | None = None) -> datetime:
        """The time now (or `now`) on the Collaborative's clocks."""
        return timezone.localtime(now or timezone.now(), self.zone)

    def local_today(self, now: datetime | None = None) -> date:
        """Today's date (or `now`'s) where the Collaborative meets."""
        return self.local_now(now).date()

    def get_public_url(self) -> str:
        return reverse("members:public_page", kwargs={"slug": self.slug})

    @property
    def reminder_days(self) -> list[int]:
        """Days before a meeting that members are reminded, e.g. [7, 1]."""
        return sorted({d for d in (self.first_reminder_days, self.second_reminder_days) if d}, reverse=True)


def brings_perspective(value: str) -> Q:
    """Membership rows whose person lists the perspective `value`, as a condition for any database.

    SQLite has no lookup for "this JSON list holds", so the list is read as its JSON text and
    searched for the value in quotes: a whole item, as values are plain words.
    """
    return Q(Contains(Cast("user__perspectives", models.TextField()), f'"{value}"'))


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Membership.Status.ACTIVE)

    def for_user(self, user):
        return self.active().filter(user=user).select_related("collaborative")

    def current_in(self, collaborative):
        """The Collaborative's members now: active memberships of active accounts, with the person."""
        return self.active().filter(collaborative=collaborative, user__is_active=True).select_related("user")

    def perspective_counts(self, shown: Q) -> tuple[int, dict[str, int]]:
        """(how many of these members there are, how many of them bring each perspective), the
        perspectives counting a person only where `shown` holds (what the viewer sees:
        permissions.profile_field_shown).

        The database counts the people with each list of perspectives, in one query; the few
        dozen lists there are, however many people, are added up here.
        """
        everyone, counts = 0, dict.fromkeys(Perspective.values, 0)
        lists = (
            self.order_by()
            .values_list("user__perspectives")
            .annotate(people=models.Count("pk"), seen=models.Count("pk", filter=shown))
        )
        for perspectives, people, seen in lists:
            everyone += people
            for value in perspectives:
                if value in counts:
                    counts[value] += seen
        return everyone, counts


class Membership(models.Model):
    """A person's place in one Collaborative, with the role they hold there."""

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        FACILITATOR = "facilitator", "Facilitator"
        COMMISSIONER = "commissioner", "Commissioner"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        LEFT = "left", "Left"
        DEACTIVATED = "deactivated", "Deactivated by a facilitator"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    # Leaving is a status; a Collaborative with members cannot be deleted.
    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    # A responsibility a facilitator gives alongside the role (a treasurer, a finance contact): they
    # approve and pay involvement payments and expenses, so they need two-step sign-in too.
    handles_payments = models.BooleanField("payments contact", default=False)
    # Taking a break: until this day (in the Collaborative's time zone) the person gets no emails or
    # reminders from the Collaborative, and stays a member. Nobody is asked why.
    break_until = models.DateField("taking a break until", null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["collaborative__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "collaborative"], name="membership_unique_per_person"),
            models.CheckConstraint(
                condition=models.Q(role__in=["member", "facilitator", "commissioner"]),
                name="membership_role_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", left_at__isnull=True)
                | models.Q(status__in=["left", "deactivated"], left_at__isnull=False),
                name="membership_left_at_only_when_left",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.collaborative} ({self.get_role_display()})"

    @property
    def is_facilitator(self) -> bool:
        return self.role == self.Role.FACILITATOR

    @property
    def is_commissioner(self) -> bool:
        return self.role == self.Role.COMMISSIONER

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def needs_two_step(self) -> bool:
        """Whether what this membership may see and do needs a session that passed two-step sign-in."""
        return self.role in TWO_STEP_ROLES or self.handles_payments

    def on_break(self, today: date) -> bool:
        return self.break_until is not None and today <= self.break_until


# Roles whose pages need a session that passed two-step sign-in (collaborative/permissions.py); the
# payments contact's responsibility needs it too (Membership.needs_two_step).
TWO_STEP_ROLES = {Membership.Role.FACILITATOR, Membership.Role.COMMISSIONER}


class MembershipChange(models.Model):
    """One change to a membership (its role or status), kept for good: who, when, from what to what."""

    class Field(models.TextChoices):
        ROLE = "role", "Role"
        STATUS = "status", "Status"
        PAYMENTS = "payments", "Payments contact"

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=10, choices=Field.choices)
    old_value = models.CharField(max_length=20)
    new_value = models.CharField(max_length=20)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.membership}: {self.field} {self.old_value} to {self.new_value}"

    def describe(self) -> str:
        """The change in words, e.g. "Role: Member to Facilitator"."""
        if self.field == self.Field.PAYMENTS:
            return "Made payments contact" if self.new_value == "yes" else "No longer payments contact"
        labels = dict(Membership.Role.choices if self.field == self.Field.ROLE else Membership.Status.choices)
        old, new = labels.get(self.old_value, self.old_value), labels.get(self.new_value, self.new_value)
        return f"{self.get_field_display()}: {old} to {new}"


INVITATION_DAYS = 14


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        """Waiting for an answer and not run out."""
        return self.filter(status=Invitation.Status.PENDING, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An invitation to join a Collaborative, emailed with a single-use link valid for 14 days."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Withdrawn"

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField("email address")
    # As pasted ("Priya Desai <priya@example.org>"): it greets them in the email and fills in
    # their name when they make an account.
    name = models.CharField(max_length=80, blank=True)
    role = models.CharField(max_length=20, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    message = models.TextField("personal message", max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    send_count = models.PositiveSmallIntegerField(default=1)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "collaborative",
                Lower("email"),
                condition=models.Q(status="pending"),
                name="invitation_one_pending_per_address",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["member", "facilitator", "commissioner"]), name="invitation_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation to {self.email} for {self.collaborative}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.PENDING and not self.is_expired

    def get_state_display(self) -> str:
        if self.status == self.Status.PENDING and self.is_expired:
            return "Run out"
        return self.get_status_display()

    def why_not_send(self) -> str:
        """A reason the email should not go out after all (checked by the worker), or ""."""
        if self.status == self.Status.REVOKED:
            return "The invitation was withdrawn before the email went out."
        if self.status == self.Status.ACCEPTED:
            return "The invitation had already been accepted."
        if self.is_expired:
            return "The invitation had run out before the email went out."
        return ""


class JoinRequest(models.Model):
    """Someone asking, through a Collaborative's public page, to join it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a reply"
        APPROVED = "approved", "Accepted"
        DECLINED = "declined", "Declined"

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="join_requests")
    name = models.CharField("your name", max_length=80, help_text="The name you would like to be called.")
    email = models.EmailField("your email address", help_text="We will reply to this address.")
    message = models.TextField(
        "why you would like to join (optional)",
        max_length=1000,
        blank=True,
        help_text="For example, what brings you here. Share only what you are happy for the facilitators to read.",
    )
    # Set when the person was signed in when they asked.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="join_requests"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField("message to the person (optional)", max_length=1000, blank=True)
    invitation = models.OneToOneField(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="join_request"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "collaborative",
                Lower("email"),
                condition=models.Q(status="pending"),
                name="join_request_one_pending_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} asks to join {self.collaborative}"


DEFAULT_GROUND_RULES = """We meet as equals. Job titles stay at the door: everyone's experience counts the same.

Listen to understand. One person speaks at a time.

What people share about their own lives stays in the room, unless they say it can be shared.

Challenge ideas, not people. Be kind and be honest.

Use plain words, and explain any jargon or initials.

Look after yourself: take a break or step out whenever you need to.

We hold each other to account for what we said we would do."""


class GroundRules(models.Model):
    """One version of a Collaborative's ground rules; changing them adds a version, none is lost."""

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="ground_rules")
    text = models.TextField("ground rules", max_length=5000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ground rules"

    def __str__(self) -> str:
        return f"Ground rules of {self.collaborative} ({self.created_at:%d %b %Y})"


class GroundRulesAcceptance(models.Model):
    """A member's agreement to one version of the ground rules, kept for good."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="acceptances")
    ground_rules = models.ForeignKey(GroundRules, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "ground_rules"], name="acceptance_once_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.membership} agreed on {self.accepted_at:%d %b %Y}"


class DataChange(models.Model):
    """One statement that changed the site's data, written by the database itself (a trigger on every
    table but a few: collaborative.freshness), so that no way of writing (a bulk update, the admin, raw
    SQL) can change data without cached parts of pages noticing."""

    table_name = models.CharField(max_length=128)

    def __str__(self) -> str:
        return f"A change to {self.table_name}"


class DataVersion(models.Model):
    """How many DataChange rows have been folded away (one row): the data's version is this plus the
    rows still there, a number that only grows and moves whenever data does."""

    folded = models.BigIntegerField(default=0)
    # Made afresh whenever the row is (a new database, or one emptied by the tests' flush), so that a count
    # that starts again from nought never meets what was cached under the same count before.
    epoch = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.folded} changes folded ({self.epoch})"
