import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone


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

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

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
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("members:collaborative_home", kwargs={"slug": self.slug})


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Membership.Status.ACTIVE)

    def for_user(self, user):
        return self.active().filter(user=user).select_related("collaborative")

    def current_in(self, collaborative):
        """The Collaborative's members now: active memberships of active accounts, with the person."""
        return self.active().filter(collaborative=collaborative, user__is_active=True).select_related("user")


class Membership(models.Model):
    """A person's place in one Collaborative, with the role they hold there."""

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        FACILITATOR = "facilitator", "Facilitator"
        COMMISSIONER = "commissioner", "Commissioner"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        LEFT = "left", "Left"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    # Leaving is a status; a Collaborative with members cannot be deleted.
    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

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
                condition=models.Q(status="active", left_at__isnull=True) | models.Q(status="left"),
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
