from django import forms

from notifications.kinds import Frequency, listed_kind_choices, member_kinds
from notifications.models import Message


class PreferencesForm(forms.Form):
    """One "send me this" box per kind of email, and how often for digests."""

    def __init__(self, *args, preferences: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = member_kinds()
        for kind in self.kinds:
            self.fields[f"{kind.key}_enabled"] = forms.BooleanField(
                label=kind.label,
                help_text=kind.description,
                required=False,
                initial=preferences[kind].enabled,
            )
            if kind.digest:
                self.fields[f"{kind.key}_frequency"] = forms.ChoiceField(
                    label=f"How often: {kind.label.lower()}",
                    choices=Frequency.CHOICES,
                    initial=preferences[kind].frequency,
                )

    def choices(self) -> dict:
        """{kind: {"enabled": bool, "frequency": str}} for notifications.services.preferences_save."""
        result = {}
        for kind in self.kinds:
            result[kind] = {"enabled": self.cleaned_data[f"{kind.key}_enabled"]}
            if kind.digest:
                result[kind]["frequency"] = self.cleaned_data[f"{kind.key}_frequency"]
        return result


class MessageFilterForm(forms.Form):
    """Filters for the list of emails a Collaborative has sent; bad values are ignored."""

    q = forms.CharField(label="Name or email", required=False, max_length=100)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *Message.Status.choices])
    kind = forms.ChoiceField(
        label="Kind of email", required=False, choices=lambda: [("", "Any kind"), *listed_kind_choices()]
    )
