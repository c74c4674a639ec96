"""The payments app's forms: they check what people typed; payments/services.py makes the changes."""

from datetime import date

from django import forms

from payments.models import Letter
from payments.statements import LONGEST

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
