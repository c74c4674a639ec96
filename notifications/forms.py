from django import forms

from notifications.kinds import Frequency, Kind, kinds_for_roles, listed_kind_choices
from notifications.models import DigestSchedule, Message

EACH_TIME, IN_DIGEST, OFF = "each_time", "in_digest", "off"
# For kinds that can wait for the digest (Kind.digestible): the three ways to get them.
WAYS = [(EACH_TIME, "Each time"), (IN_DIGEST, "In my digest"), (OFF, "Off")]


def way_chosen(kind: Kind, preference) -> str:
    """The person's way of getting a digestible kind, as the preferences page shows it."""
    if not preference.enabled:
        return OFF
    in_digest = kind.digest_default if preference.in_digest is None else preference.in_digest
    return IN_DIGEST if in_digest else EACH_TIME


class PreferencesForm(forms.Form):
    """One "send me this" box per kind of email, how often for kinds that summarise, and for kinds that can
    wait for the digest a choice of "each time", "in my digest" or "off"."""

    def __init__(self, *args, preferences: dict, roles: set[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the kinds the person's roles can bring them, by topic; the others keep what was chosen before.
        self.topics = kinds_for_roles(roles)
        self.kinds = [kind for _, kinds in self.topics for kind in kinds]
        for kind in self.kinds:
            if kind.digestible:
                self.fields[f"{kind.key}_way"] = forms.ChoiceField(
                    label=kind.label,
                    help_text=kind.description,
                    choices=WAYS,
                    # A form posted without it (a page from before the choice existed) leaves it as it was.
                    required=False,
                    widget=forms.RadioSelect,
                    initial=way_chosen(kind, preferences[kind]),
                    error_messages={
                        "invalid_choice": f"Choose “Each time”, “In my digest” or “Off” for “{kind.label}”.",
                    },
                )
                continue
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
                    for name in (f"{kind.key}_way", f"{kind.key}_enabled", f"{kind.key}_frequency")
                    if name in self.fields
                ],
            )
            for topic, kinds in self.topics
        ]

    def choices(self) -> dict:
        """{kind: {"enabled": bool, "frequency": str, "in_digest": bool}} for notifications.services.preferences_save.
        "Off" keeps whether the kind was in the digest, for when it is turned on again."""
        result = {}
        for kind in self.kinds:
            if kind.digestible:
                way = self.cleaned_data[f"{kind.key}_way"]
                if not way:
                    continue
                result[kind] = {"enabled": way != OFF}
                if way != OFF:
                    result[kind]["in_digest"] = way == IN_DIGEST
                continue
            result[kind] = {"enabled": self.cleaned_data[f"{kind.key}_enabled"]}
            if kind.digest:
                result[kind]["frequency"] = self.cleaned_data[f"{kind.key}_frequency"]
        return result


class DigestScheduleForm(forms.ModelForm):
    """When the person's digest goes: every day or every week (on which day), at what time."""

    class Meta:
        model = DigestSchedule
        fields = ["frequency", "weekday", "send_at"]
        widgets = {"frequency": forms.RadioSelect, "send_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
        help_texts = {
            "weekday": "Used only if it comes every week.",
            "send_at": "In each Collaborative's own time (UK time for most), for example 08:00.",
        }
        error_messages = {
            "send_at": {"invalid": "Enter a time of day such as 08:00 or 18:30.", "required": "Enter a time of day."},
            "frequency": {"invalid_choice": "Choose every day or every week.", "required": "Choose how often."},
            "weekday": {"invalid_choice": "Choose a day of the week."},
        }


class MessageFilterForm(forms.Form):
    """Filters for the list of emails a Collaborative has sent; bad values are ignored."""

    q = forms.CharField(label="Name or email", required=False, max_length=100)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        # Facilitators see others' messages: one kept for a digest is "in their digest".
        choices=[
            ("", "Any status"),
            *[
                (value, "In their digest" if value == Message.Status.HELD else label)
                for value, label in Message.Status.choices
            ],
        ],
    )
    kind = forms.ChoiceField(
        label="Kind of email", required=False, choices=lambda: [("", "Any kind"), *listed_kind_choices()]
    )
