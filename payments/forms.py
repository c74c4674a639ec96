from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from payments.models import RATE_FIELDS, Activity, Choice, ExpenseType, PaymentChoice, PaymentSettings, PayMethod
from payments.money import pence_from_pounds, pounds_plain

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
