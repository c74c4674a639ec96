"""The payments app's forms: they check what was typed; the services make the change."""

from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from actions.evidence import MAX_EVIDENCE_BYTES
from meetings.models import Meeting, Rsvp
from members.models import Membership
from payments.models import (
    RATE_FIELDS,
    Activity,
    Choice,
    ExpenseType,
    Letter,
    Line,
    PaymentChoice,
    PaymentSettings,
    PayMethod,
)
from payments.money import pence_from_pounds, pounds_plain
from payments.statements import LONGEST

# Settings and choices


def _pounds_field(label: str, help_text: str = "") -> forms.CharField:
    # Typed as text, not as a number: "30", "30.00" and "£30" are all the same £30, read exactly
    # (payments.money), never through a float.
    return forms.CharField(
        label=label,
        required=False,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def _pence_or_none(text: str) -> int | None:
    """Pence from what was typed in pounds, None for nothing typed; a clear error otherwise."""
    return pence_from_pounds(text) if text.strip() else None


class PaymentSettingsForm(forms.Form):
    """What the Collaborative pays, from a day on. Saving makes new settings; the earlier ones stay."""

    pays = forms.BooleanField(label="We pay people for their time and their expenses", required=False)
    rate_meeting = _pounds_field(
        "A meeting, in pounds", "For example 30 or 30.00. Leave it empty if you do not pay for this."
    )
    rate_online = _pounds_field("An online session, in pounds", "Leave it empty to pay the rate for a meeting.")
    rate_hour = _pounds_field("An hour, in pounds", "For other activities paid by the hour.")
    rate_half_day = _pounds_field("Half a day, in pounds")
    rate_day = _pounds_field("A whole day, in pounds")
    expense_types = forms.MultipleChoiceField(
        label="Expenses we pay back",
        choices=ExpenseType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    mileage_pence = forms.IntegerField(
        label="For driving, pence a mile",
        min_value=0,
        max_value=1000,
        initial=45,
        help_text="HMRC's rate is 45p a mile.",
    )
    methods = forms.MultipleChoiceField(
        label="How we pay", choices=PayMethod.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    claim_within_days = forms.IntegerField(
        label="Expenses must be claimed within (days)", min_value=1, max_value=366, initial=90
    )
    benefits_advice = forms.CharField(
        label="Where to get free benefits advice",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Everyone sees this, whether they are paid or not. For example: Lambeth Welfare Rights, "
            "020 7926 0000, Monday to Friday 10am to 4pm."
        ),
    )
    valid_from = forms.DateField(
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Today or later. Payments for earlier days keep the settings of their day.",
    )

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["valid_from"].initial = today

    @classmethod
    def initial_from(cls, row: PaymentSettings | None) -> dict:
        """The form filled in with `row` (the latest settings), so a change starts from what is there."""
        if row is None:
            return {}
        initial = {
            name: getattr(row, name)
            for name in ("pays", "expense_types", "mileage_pence", "methods", "claim_within_days", "benefits_advice")
        }
        for activity, field in RATE_FIELDS.items():
            pence = getattr(row, field)
            initial[f"rate_{activity}"] = "" if pence is None else pounds_plain(pence)
        return initial

    def _clean_rate(self, name: str) -> int | None:
        pence = _pence_or_none(self.cleaned_data[name])
        if pence == 0:
            raise ValidationError("Give an amount above £0, or leave it empty if you do not pay for this.")
        return pence

    def clean_rate_meeting(self) -> int | None:
        return self._clean_rate("rate_meeting")

    def clean_rate_online(self) -> int | None:
        return self._clean_rate("rate_online")

    def clean_rate_hour(self) -> int | None:
        return self._clean_rate("rate_hour")

    def clean_rate_half_day(self) -> int | None:
        return self._clean_rate("rate_half_day")

    def clean_rate_day(self) -> int | None:
        return self._clean_rate("rate_day")

    def clean_valid_from(self) -> date:
        day = self.cleaned_data["valid_from"]
        if day < self.today:
            raise ValidationError(
                "Choose today or a later day: payments for earlier days keep the settings of their day."
            )
        return day

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("pays"):
            return data
        rates = [data.get(f"rate_{activity}") for activity in Activity.values]
        if all(pence is None for pence in rates) and not data.get("expense_types"):
            raise ValidationError("Give at least one rate, or tick the expenses you pay back.")
        if "methods" in data and not data["methods"]:
            self.add_error("methods", "Tick at least one way you pay people.")
        return data

    def settings_fields(self) -> dict:
        """The cleaned form as the fields of PaymentSettings (for payments.services.settings_save)."""
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in ("pays", "expense_types", "mileage_pence", "methods", "claim_within_days", "benefits_advice")
        }
        fields |= {field: data[f"rate_{activity}"] for activity, field in RATE_FIELDS.items()}
        return fields | {"valid_from": data["valid_from"]}


class PaymentChoiceForm(forms.Form):
    """A person's choice of how they are paid, from today on. Nothing here asks about benefits."""

    choice = forms.ChoiceField(
        label="For your time, would you like to be",
        choices=[
            (Choice.FULL, "Paid in full"),
            (Choice.LOWER, "Paid a lower amount"),
            (Choice.CHARITY, "Paid to a charity instead of to me"),
            (Choice.EXPENSES_ONLY, "Not paid for my time, but paid back my expenses"),
            (Choice.NOTHING, "Not paid at all, not even expenses"),
        ],
        widget=forms.RadioSelect,
    )
    lower_amount = _pounds_field(
        "If a lower amount: the most you would like for each activity, in pounds", "For example 10 or 12.50."
    )
    charity = forms.CharField(label="If to a charity: which charity", required=False, max_length=200)
    as_part_of_job = forms.BooleanField(
        label="I take part as part of my paid job",
        required=False,
        help_text="Then you are not paid for your time here: your employer pays you already.",
    )
    employer_pays_expenses = forms.BooleanField(
        label="My employer pays my expenses", required=False, help_text="Only if you take part as part of your job."
    )
    method = forms.ChoiceField(label="How would you like the money?", required=False, widget=forms.RadioSelect)

    def __init__(self, *args, methods: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(PayMethod.choices)
        self.methods = [value for value in methods if value in labels]
        self.fields["method"].choices = [(value, labels[value]) for value in self.methods]
        if len(self.methods) == 1:
            self.fields["method"].initial = self.methods[0]
        if not self.methods:
            del self.fields["method"]

    @classmethod
    def initial_from(cls, row: PaymentChoice | None) -> dict:
        """The form filled in with the person's current choice, so a change starts from it."""
        if row is None:
            return {}
        return {
            "choice": row.choice,
            "lower_amount": pounds_plain(row.lower_amount_pence) if row.lower_amount_pence else "",
            "charity": row.charity,
            "as_part_of_job": row.as_part_of_job,
            "employer_pays_expenses": row.employer_pays_expenses,
            "method": row.method,
        }

    def clean_lower_amount(self) -> int | None:
        return _pence_or_none(self.cleaned_data["lower_amount"])

    def clean(self) -> dict:
        data = super().clean()
        choice = data.get("choice")
        if choice == Choice.LOWER:
            if data.get("lower_amount") is None and "lower_amount" not in self.errors:
                self.add_error("lower_amount", "Say the most you would like for each activity, for example 10.")
            elif data.get("lower_amount") == 0:
                self.add_error("lower_amount", "Give an amount above £0, or choose to be paid back your expenses only.")
        if choice == Choice.CHARITY and not data.get("charity", "").strip():
            self.add_error("charity", "Say which charity to pay.")
        if data.get("employer_pays_expenses") and not data.get("as_part_of_job"):
            self.add_error(
                "employer_pays_expenses", 'Tick "I take part as part of my paid job" too, or untick this one.'
            )
        paid = choice not in (None, Choice.NOTHING) and not (
            data.get("as_part_of_job") and data.get("employer_pays_expenses")
        )
        if paid and "method" in self.fields and not data.get("method") and "method" not in self.errors:
            self.add_error("method", "Choose how you would like the money.")
        return data

    def choice_fields(self) -> dict:
        """The cleaned form as the fields of PaymentChoice (for payments.services.choice_make)."""
        data = self.cleaned_data
        choice = data["choice"]
        return {
            "choice": choice,
            "lower_amount_pence": data["lower_amount"] if choice == Choice.LOWER else None,
            "charity": data["charity"].strip() if choice == Choice.CHARITY else "",
            "as_part_of_job": data["as_part_of_job"],
            "employer_pays_expenses": data["employer_pays_expenses"],
            "method": "" if choice == Choice.NOTHING else data.get("method", ""),
        }


# Claims, approval and paying

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
# The meetings a claim can be for: those of the last few months the person came to or was coming to.
CLAIM_MEETINGS_DAYS = 120


def claimable_meetings(collaborative, user, today):
    """Meetings of the last four months (and the next month, for a ticket booked ahead) that the person came
    to or said they were coming to, cancelled ones too: expenses already paid for them are still paid."""
    return (
        Meeting.objects.filter(
            collaborative=collaborative,
            starts_at__date__gte=today - timedelta(days=CLAIM_MEETINGS_DAYS),
            starts_at__date__lte=today + timedelta(days=31),
        )
        .filter(
            Q(attendances__user=user, attendances__attended=True)
            | Q(rsvps__user=user, rsvps__answer=Rsvp.Answer.COMING)
        )
        .distinct()
        .select_related("collaborative")
        .order_by("-starts_at")
    )


class MeetingChoice(forms.ModelChoiceField):
    def label_from_instance(self, meeting) -> str:
        cancelled = " (cancelled)" if meeting.is_cancelled else ""
        return f"{meeting.title}, {meeting.local_start:%-d %B %Y}{cancelled}"


# What the file picker offers: pictures (a phone offers its camera), PDFs and the office documents the
# evidence check accepts.
RECEIPT_ACCEPT = "image/*,application/pdf,.pdf,.docx,.xlsx,.pptx,.odt,.ods,.odp"


class ClaimForm(forms.Form):
    WAYS = [("claim", "I have paid, and would like the money back"), ("book", "Please book the ticket for me")]

    way = forms.ChoiceField(label="What would you like?", choices=WAYS, initial="claim", widget=forms.RadioSelect)
    day = forms.DateField(label="The day", help_text="The day of the journey or the expense.", **DATE)
    meeting = MeetingChoice(
        label="Which meeting it was for (optional)",
        queryset=Meeting.objects.none(),
        required=False,
        empty_label="Not a meeting, or not listed",
    )
    description = forms.CharField(
        label="What it was for",
        max_length=200,
        required=False,
        help_text="For example: bus to the meeting and back. You can leave this empty if you chose a meeting.",
    )
    expense_type = forms.ChoiceField(label="Kind of expense", choices=())
    amount = forms.CharField(
        label="Amount in pounds",
        required=False,
        max_length=20,
        help_text="For example 12.50. For a ticket to book, what you think it costs. Not needed for miles.",
    )
    miles = forms.DecimalField(
        label="Miles driven (driving only)",
        required=False,
        min_value=Decimal("0.1"),
        max_value=Decimal("2000"),
        max_digits=6,
        decimal_places=1,
    )
    receipt = forms.FileField(
        label="Receipt or ticket",
        required=False,
        # A phone offers its camera for a picture; the check is on what is in the file (actions.evidence).
        widget=forms.ClearableFileInput(attrs={"accept": RECEIPT_ACCEPT}),
        help_text="A photo or scan (a picture or a PDF), up to 10 MB. Not needed for miles, or food and drink.",
    )

    def __init__(self, *args, rules, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ExpenseType.choices)
        self.fields["expense_type"].choices = [(value, labels[value]) for value in rules.expense_types]
        self.fields["meeting"].queryset = meetings
        if ExpenseType.MILEAGE not in rules.expense_types:
            del self.fields["miles"]
        else:
            self.fields["miles"].help_text = f"Paid at {rules.mileage_pence}p a mile."
        self.rules = rules

    def clean_amount(self) -> int | None:
        text = self.cleaned_data["amount"].strip()
        return pence_from_pounds(text) if text else None

    def clean_receipt(self):
        upload = self.cleaned_data.get("receipt")
        if upload and upload.size > MAX_EVIDENCE_BYTES:
            raise ValidationError("The file is bigger than 10 MB. Add a smaller file.")
        return upload

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("description", "").strip() and not data.get("meeting"):
            self.add_error("description", "Say what it was for, or choose the meeting.")
        mileage = data.get("expense_type") == ExpenseType.MILEAGE and data.get("way") == "claim"
        if mileage and not data.get("miles") and "miles" not in self.errors:
            self.add_error("miles", "Say how many miles you drove.")
        if not mileage and not data.get("amount") and "amount" not in self.errors:
            self.add_error("amount", "Give the amount in pounds, for example 12.50.")
        return data

    def what_for(self) -> str:
        meeting = self.cleaned_data.get("meeting")
        text = self.cleaned_data.get("description", "").strip()
        if text or meeting is None:
            return text
        return f"{meeting.title}, {meeting.local_start:%-d %B %Y}"


class ActivityForm(forms.Form):
    ACTIVITIES = [(Activity.HOUR, "Hours"), (Activity.HALF_DAY, "Half a day"), (Activity.DAY, "A whole day")]
    ACTIVITIES += [(Activity.MEETING, "A meeting"), (Activity.ONLINE, "An online session")]

    people = forms.ModelMultipleChoiceField(
        label="Who took part", queryset=Membership.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(
        label="What it was", max_length=200, help_text="For example: interview panel for the new crisis service."
    )
    day = forms.DateField(label="The day", **DATE)
    activity = forms.ChoiceField(label="Paid as", choices=ACTIVITIES, widget=forms.RadioSelect)
    hours = forms.DecimalField(
        label="Hours (when paid by the hour)",
        required=False,
        min_value=Decimal("0.25"),
        max_value=Decimal("24"),
        max_digits=4,
        decimal_places=2,
    )

    def __init__(self, *args, collaborative, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["people"]
        field.queryset = Membership.objects.current_in(collaborative).order_by("user__display_name", "pk")
        field.label_from_instance = lambda membership: membership.user.display_name

    def clean(self) -> dict:
        data = super().clean()
        if data.get("activity") == Activity.HOUR and not data.get("hours") and "hours" not in self.errors:
            self.add_error("hours", "Say how many hours.")
        return data


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label="Why it is not approved",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The person will be told.",
        error_messages={"required": "Say why it is not approved: the person will be told."},
    )


class BookForm(forms.Form):
    note = forms.CharField(
        label="What was booked",
        max_length=300,
        help_text="For example: return train to Leeds, 9:05 on 3 March. The person is told this.",
        error_messages={"required": "Say what was booked, for example: return train to Leeds, 9:05."},
    )
    reference = forms.CharField(
        label="Booking reference",
        max_length=100,
        error_messages={"required": "Give the booking's reference, so the ticket can be found."},
    )


class CorrectForm(forms.Form):
    reason = forms.CharField(
        label="Why it is corrected",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why the line is corrected."},
    )
    amount = forms.CharField(
        label="The right amount in pounds (optional)",
        required=False,
        max_length=20,
        help_text="Leave empty if nothing is owed. A new line at this amount is added, approved.",
    )

    def clean_amount(self) -> int | None:
        text = self.cleaned_data["amount"].strip()
        return pence_from_pounds(text) if text else None


class PaidForm(forms.Form):
    lines = forms.ModelMultipleChoiceField(
        label="Lines paid",
        queryset=Line.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick the approved lines that have been paid."},
    )
    paid_on = forms.DateField(label="Paid on", **DATE)
    reference = forms.CharField(
        label="Payment reference", max_length=100, help_text="For example the payroll run or the bank reference."
    )

    def __init__(self, *args, collaborative, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        # What finance pays: approved lines, not tickets (the Collaborative books them), never the viewer's own;
        # a facilitator who is not the payments contact marks paid only the payments contacts' own lines.
        lines = (
            Line.objects.filter(collaborative=collaborative, status=Line.Status.APPROVED)
            .exclude(kind=Line.Kind.BOOKING)
            .exclude(user_id=membership.user_id)
        )
        if not membership.handles_payments:
            lines = lines.filter(
                user__memberships__collaborative=collaborative, user__memberships__handles_payments=True
            )
        self.fields["lines"].queryset = lines
        self.fields["lines"].error_messages["invalid_choice"] = (
            "Only approved lines can be marked paid. Someone else marks your own payments paid."
        )
        self.today = collaborative.local_today()

    def clean_paid_on(self):
        paid_on = self.cleaned_data["paid_on"]
        if paid_on > self.today:
            raise ValidationError("Give the day it was paid: today or before.")
        return paid_on


# Statements, letters and totals


def _day_field(label: str, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def check_period(form: forms.Form, start: date | None, end: date | None, end_field: str) -> None:
    """A period runs forwards, and for six years at most (as long as financial records are kept)."""
    if start and end:
        if end < start:
            form.add_error(end_field, "The end of the period must be on or after its start.")
        elif end - start > LONGEST:
            form.add_error(end_field, "Choose a period of six years or less.")


class PeriodForm(forms.Form):
    """The period of a statement, from the address (?start=…&end=…), so that it can be bookmarked."""

    start = _day_field("From", required=False)
    end = _day_field("To", required=False)

    def clean(self):
        cleaned = super().clean()
        check_period(self, cleaned.get("start"), cleaned.get("end"), "end")
        return cleaned


class LetterAskForm(forms.ModelForm):
    """Asking for a letter: which one, for which period, and for the employer's letter who the employer is."""

    kind = forms.ChoiceField(label="Which letter", choices=Letter.Kind.choices, widget=forms.RadioSelect)
    period_from = _day_field(
        "From",
        help_text="For a benefits adviser: the days you took part and your payments in this period. "
        "For your employer: the meetings in this period.",
    )
    period_to = _day_field("To")

    class Meta:
        model = Letter
        fields = ["kind", "period_from", "period_to", "employer"]
        labels = {"employer": "Your employer's name (for the letter to your employer)"}
        help_texts = {
            "employer": "For example: Lambeth Council, or the name of the person you report to.",
        }

    def clean(self):
        cleaned = super().clean()
        check_period(self, cleaned.get("period_from"), cleaned.get("period_to"), "period_to")
        if cleaned.get("kind") == Letter.Kind.EMPLOYER and not (cleaned.get("employer") or "").strip():
            self.add_error("employer", "Say who your employer is, so the letter can be addressed to them.")
        return cleaned
