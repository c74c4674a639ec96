"""Involvement payments and expenses: what a Collaborative pays, each person's choice, and the lines owed.

Money is whole pence in integers, never a float; pages and exports show pounds (payments/money.py).
Nothing here is edited or deleted once made: settings and choices are new rows from a day on, a
line's amount never changes (a correction is a reversal line plus a new one), and every step a
line takes is a LineEvent saying who did it and when.
"""

import secrets
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from actions.models import evidence_storage
from meetings.models import Meeting
from members.models import Collaborative, validate_choice_list


class Activity(models.TextChoices):
    """What the Collaborative pays people's time for, each at its own rate."""

    MEETING = "meeting", "A meeting"
    ONLINE = "online", "An online session"
    HOUR = "hour", "An hour"
    HALF_DAY = "half_day", "Half a day"
    DAY = "day", "A whole day"


class ExpenseType(models.TextChoices):
    PUBLIC_TRANSPORT = "public_transport", "Bus, train or tram fares"
    MILEAGE = "mileage", "Driving your own car (paid by the mile)"
    PARKING = "parking", "Parking"
    CARE_COVER = "care_cover", "Cover for someone you care for, or childcare"
    SUBSISTENCE = "subsistence", "Food and drink"
    OTHER = "other", "Something else"


class PayMethod(models.TextChoices):
    PAYROLL = "payroll", "Through payroll"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    VOUCHER = "voucher", "Shopping voucher"


def validate_expense_types(value: list) -> None:
    validate_choice_list(value, ExpenseType, "kinds of expense")


def validate_methods(value: list) -> None:
    validate_choice_list(value, PayMethod, "ways of paying")


RATE_FIELDS = {
    Activity.MEETING: "rate_meeting_pence",
    Activity.ONLINE: "rate_online_pence",
    Activity.HOUR: "rate_hour_pence",
    Activity.HALF_DAY: "rate_half_day_pence",
    Activity.DAY: "rate_day_pence",
}
# No single rate or expense above this (£10,000): a typing slip, not a payment.
MAX_PENCE = 1_000_000


def _rate(label: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        label, null=True, blank=True, validators=[MaxValueValidator(MAX_PENCE)], help_text="In pence; empty: not paid."
    )


class InForceQuerySet(models.QuerySet):
    def in_force(self, on: date):
        """The row in force on the day `on`: the latest that started by then (filter to one Collaborative,
        or one person in one, first)."""
        return self.filter(valid_from__lte=on).order_by("-valid_from", "-id").first()


class PaymentSettings(models.Model):
    """How a Collaborative pays for time and expenses, from a day on. A change is a new row, so the
    rate in force on any day can always be found again (PaymentSettings.objects.in_force)."""

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="payment_settings")
    pays = models.BooleanField("we pay people for their time and expenses", default=False)
    rate_meeting_pence = _rate("a meeting")
    rate_online_pence = _rate("an online session")
    rate_hour_pence = _rate("an hour")
    rate_half_day_pence = _rate("half a day")
    rate_day_pence = _rate("a whole day")
    expense_types = models.JSONField(default=list, blank=True, validators=[validate_expense_types])
    mileage_pence = models.PositiveIntegerField(
        "pence a mile", default=45, validators=[MaxValueValidator(1000)], help_text="HMRC's rate is 45p a mile."
    )
    methods = models.JSONField("ways we pay", default=list, blank=True, validators=[validate_methods])
    claim_within_days = models.PositiveSmallIntegerField(
        "claims must be made within (days)", default=90, validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    benefits_advice = models.TextField(
        "where to get free benefits advice",
        max_length=1000,
        blank=True,
        help_text="For example: Lambeth Welfare Rights, 020 7926 0000, Monday to Friday 10am to 4pm.",
    )
    valid_from = models.DateField(default=date.today)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    objects = InForceQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name_plural = "payment settings"
        indexes = [models.Index(fields=["collaborative", "-valid_from", "-id"], name="payment_settings_in_force")]
        constraints = [
            models.CheckConstraint(condition=models.Q(claim_within_days__gte=1), name="payment_settings_claim_days"),
        ]

    def __str__(self) -> str:
        return f"Payments for {self.collaborative} from {self.valid_from}"

    def rate_pence(self, activity: str) -> int | None:
        """The rate for `activity`, or None when it is not paid for."""
        if not self.pays:
            return None
        return getattr(self, RATE_FIELDS[activity])

    def rates(self) -> list[tuple[str, int]]:
        """The activities paid for, with their rates, in the order of Activity."""
        return [(label, pence) for value, label in Activity.choices if (pence := self.rate_pence(value)) is not None]

    def get_expense_types_display(self) -> list[str]:
        labels = dict(ExpenseType.choices)
        return [labels[value] for value in self.expense_types if value in labels]

    def get_methods_display(self) -> list[str]:
        labels = dict(PayMethod.choices)
        return [labels[value] for value in self.methods if value in labels]


class Choice(models.TextChoices):
    FULL = "full", "Paid in full"
    LOWER = "lower", "Paid a lower amount"
    CHARITY = "charity", "Paid to a charity instead"
    EXPENSES_ONLY = "expenses_only", "Expenses only, no payment for my time"
    NOTHING = "nothing", "Nothing, not even expenses"


class PaymentChoice(models.Model):
    """A person's choice of how a Collaborative pays them, from a day on. A change is a new row."""

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="payment_choices")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payment_choices")
    choice = models.CharField("how you would like to be paid", max_length=16, choices=Choice.choices)
    lower_amount_pence = models.PositiveIntegerField(
        "the most you would like for each activity, in pence",
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_PENCE)],
    )
    charity = models.CharField("the charity", max_length=200, blank=True)
    as_part_of_job = models.BooleanField("I take part as part of my paid job", default=False)
    employer_pays_expenses = models.BooleanField("my employer pays my expenses", default=False)
    method = models.CharField("how you would like the money", max_length=16, choices=PayMethod.choices, blank=True)
    valid_from = models.DateField(default=date.today)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)

    objects = InForceQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from", "-id"]
        indexes = [models.Index(fields=["collaborative", "user", "-valid_from", "-id"], name="payment_choice_in_force")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(choice="lower") | models.Q(lower_amount_pence__isnull=False),
                name="payment_choice_lower_has_amount",
            ),
            models.CheckConstraint(
                condition=~models.Q(choice="charity") | ~models.Q(charity=""), name="payment_choice_charity_named"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.collaborative}: {self.get_choice_display()} from {self.valid_from}"

    def clean(self) -> None:
        if self.choice == Choice.LOWER and not self.lower_amount_pence:
            raise ValidationError({"lower_amount_pence": "Say the most you would like for each activity."})
        if self.choice == Choice.CHARITY and not self.charity.strip():
            raise ValidationError({"charity": "Say which charity to pay."})

    @property
    def paid_for_time(self) -> bool:
        """Whether the person is paid (or their charity is) for their time."""
        return not self.as_part_of_job and self.choice in (Choice.FULL, Choice.LOWER, Choice.CHARITY)

    @property
    def paid_expenses(self) -> bool:
        if self.choice == Choice.NOTHING:
            return False
        return not (self.as_part_of_job and self.employer_pays_expenses)

    def time_pence(self, rate_pence: int) -> int:
        """What the person is paid for an activity at `rate_pence`, by their choice."""
        if not self.paid_for_time:
            return 0
        if self.choice == Choice.LOWER:
            return min(rate_pence, self.lower_amount_pence or 0)
        return rate_pence


class LineQuerySet(models.QuerySet):
    def live(self):
        """Lines that still stand: not refused or cancelled, not corrected, and not a correction."""
        return self.exclude(status__in=Line.ENDED).filter(corrected=False, reverses__isnull=True)

    def waiting(self):
        return self.filter(status__in=[Line.Status.WAITING, Line.Status.APPROVED])


def receipt_path(line: "Line", filename: str) -> str:
    # A random name: the original name is kept in the row, never trusted on disk.
    return f"receipts/{line.collaborative_id}/{secrets.token_hex(16)}"


class Line(models.Model):
    """One amount owed to a person: for their time, or an expense they claimed. Its amount never
    changes; what happens to it (approved, refused, paid) is its status, and each step a LineEvent."""

    class Kind(models.TextChoices):
        TIME = "time", "Time"
        EXPENSE = "expense", "Expense"
        BOOKING = "booking", "Ticket booked for you"

    # A ticket booked for someone (Kind.BOOKING) is never approved nor paid to them: the payments contact
    # says "Booked" (what was booked, its reference), and the line goes from WAITING to PAID at once, on the
    # day it was booked, the reference being the booking's: the Collaborative paid for it directly, so it is
    # never in what finance pays ("Booked for you" on its page).
    class Status(models.TextChoices):
        # Said of the person to others (facilitators, finance, statements, letters); their own page says it
        # to them ("Waiting for you to say…", payments/statements.py).
        NEEDS_CHOICE = "needs_choice", "Waiting for their choice of how to be paid"
        WAITING = "waiting", "Waiting for approval"
        APPROVED = "approved", "Approved, to be paid"
        PAID = "paid", "Paid"
        REFUSED = "refused", "Not approved"
        CANCELLED = "cancelled", "Cancelled"

    ENDED = (Status.REFUSED, Status.CANCELLED)

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="payment_lines")
    # Financial records are kept six years (HMRC): deleting an account keeps the line, and the
    # account's name becomes "Former member" (payments/personal_data.py).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payment_lines")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    activity = models.CharField(max_length=10, choices=Activity.choices, blank=True)
    expense_type = models.CharField(max_length=20, choices=ExpenseType.choices, blank=True)
    description = models.CharField("what it was for", max_length=200)
    activity_on = models.DateField("the day")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Hours or miles, when the amount is a rate times them; 1 otherwise.
    quantity = models.DecimalField(max_digits=7, decimal_places=2, default=1)
    unit_pence = models.IntegerField(default=0)
    amount_pence = models.IntegerField()
    # Who the money goes to when it is not the person: the charity they chose.
    payee = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=16, choices=PayMethod.choices, blank=True)
    receipt = models.FileField(storage=evidence_storage, upload_to=receipt_path, blank=True, max_length=200)
    receipt_name = models.CharField(max_length=200, blank=True)
    receipt_type = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.WAITING)
    # Since when the line has been in its status. (The 20 working days a line may wait count from created_at.)
    status_since = models.DateTimeField(default=timezone.now)
    reverses = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals")
    # Set when a reversal line has corrected this one; nothing else about the line changes.
    corrected = models.BooleanField(default=False)
    paid_on = models.DateField(null=True, blank=True)
    paid_reference = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = LineQuerySet.as_manager()

    class Meta:
        ordering = ["-activity_on", "-id"]
        indexes = [
            models.Index(fields=["collaborative", "status", "created_at"], name="payment_line_queue"),
            models.Index(fields=["user", "collaborative", "-activity_on"], name="payment_line_person"),
        ]
        constraints = [
            # One payment for coming to a meeting, however often the register is marked.
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=models.Q(kind="time", reverses__isnull=True, corrected=False, meeting__isnull=False)
                & ~models.Q(status__in=["refused", "cancelled"]),
                name="payment_line_once_per_meeting",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_pence__gte=0) | models.Q(reverses__isnull=False),
                name="payment_line_negative_only_reversal",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="paid") | models.Q(paid_on__isnull=False), name="payment_line_paid_on"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.description} ({self.amount_pence}p)"

    def delete(self, *args, **kwargs):
        raise ValidationError("Payment records cannot be deleted. Correct a line with a reversal.")


class LineEvent(models.Model):
    """One step in a line's life, kept for good: who did what, when, and why."""

    class What(models.TextChoices):
        CREATED = "created", "Added"
        CHOICE = "choice", "Choice of payment applied"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Not approved"
        PAID = "paid", "Marked paid"
        CANCELLED = "cancelled", "Cancelled"
        REVERSED = "reversed", "Corrected"

    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="events")
    what = models.CharField(max_length=10, choices=What.choices)
    # None: the application did it (a line made by the register is made by whoever marked it).
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_what_display()} by {self.by or 'the application'}"

    def delete(self, *args, **kwargs):
        raise ValidationError("The history of a payment cannot be deleted.")


class Letter(models.Model):
    """A letter a member asked for: for a benefits adviser or Jobcentre Plus, or to their employer
    asking for time to take part. A facilitator (or the payments contact) signs it; then the
    member prints it or downloads it as a PDF."""

    class Kind(models.TextChoices):
        BENEFITS = "benefits", "For a benefits adviser or Jobcentre Plus"
        EMPLOYER = "employer", "To my employer, asking for time to take part"

    class Status(models.TextChoices):
        ASKED = "asked", "Waiting to be signed"
        SIGNED = "signed", "Signed"

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="payment_letters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payment_letters")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    period_from = models.DateField("from")
    period_to = models.DateField("to")
    employer = models.CharField("your employer", max_length=200, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ASKED)
    asked_at = models.DateTimeField(default=timezone.now)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    # What the letter says, fixed when it is signed (payments/statements.py letter_snapshot): its days,
    # figures and meetings, and the signer's name and role then. A draft is worked out afresh each time.
    content = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-asked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_to__gte=models.F("period_from")), name="payment_letter_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user}"

    def may_be_signed_by(self, membership) -> bool:
        """Whether `membership` may sign the letter (collaborative/permissions.py payment_letter_for enforces
        it): never the person's own; a facilitator signs a letter to an employer, and a facilitator or the
        payments contact a benefits letter."""
        if membership.user_id == self.user_id:
            return False
        if self.kind == self.Kind.EMPLOYER:
            return membership.is_facilitator
        return membership.is_facilitator or membership.handles_payments
