from django import forms

from notifications.kinds import Frequency, kinds_for_roles, listed_kind_choices
from notifications.models import Message


class PreferencesForm(forms.Form):
    """One "send me this" box per kind of email, and how often for digests."""

    def __init__(self, *args, preferences: dict, roles: set[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the kinds the person's roles can bring them, by topic; the others keep what was chosen before.
        self.topics = kinds_for_roles(roles)
        self.kinds = [kind for _, kinds in self.topics for kind in kinds]
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

    def grouped(self) -> list[tuple[str, list]]:
        """(topic, the fields of its kinds) for the page to show under a heading each."""
        return [
            (
                topic,
                [
                    self[name]
                    for kind in kinds
                    for name in (f"{kind.key}_enabled", f"{kind.key}_frequency")
                    if name in self.fields
                ],
            )
            for topic, kinds in self.topics
        ]

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
