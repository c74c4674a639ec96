from django import forms
from django.db.models import Q
from django.utils import timezone

from meetings.models import AgendaItem, Format, Meeting, MeetingSeries, Rsvp, Venue
from meetings.services import FIRST, STAY


class VenueForm(forms.ModelForm):
    map_link = forms.URLField(
        label="Link to a map (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="For example a Google Maps or OpenStreetMap link, so people can find it.",
    )

    class Meta:
        model = Venue
        fields = [
            "name",
            "address",
            "map_link",
            "capacity",
            "step_free",
            "accessible_toilet",
            "hearing_loop",
            "quiet_space",
            "access_notes",
            "is_archived",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 3}), "access_notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "is_archived": "It stays on past meetings but is no longer offered for new ones.",
        }

    def clean_capacity(self) -> int | None:
        # The model's constraint refuses 0 too, but in words no one would understand.
        capacity = self.cleaned_data["capacity"]
        if capacity == 0:
            raise forms.ValidationError("Give a number above 0, or leave it empty for no limit.")
        return capacity


MAX_YEARS_AWAY = 5


class MeetingForm(forms.Form):
    """One meeting: the day, the times in the Collaborative's time zone, and how people take part."""

    title = forms.CharField(max_length=120, initial="Monthly meeting")
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start_time = forms.TimeField(label="Starts at", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(label="Ends at", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    format = forms.ChoiceField(
        label="How people take part", choices=Format.choices, initial=Format.IN_PERSON, widget=forms.RadioSelect
    )
    venue = forms.ModelChoiceField(
        label="Where (for meeting in person)",
        queryset=Venue.objects.none(),
        required=False,
        empty_label="Choose a venue",
    )
    online_link = forms.URLField(
        assume_scheme="https",
        label="Link to join online (for meeting online)",
        required=False,
        max_length=500,
        help_text="Only members see it.",
    )
    notes_for_members = forms.CharField(
        label="Anything members should know (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, collaborative, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.collaborative = collaborative
        # A meeting already at a venue no longer used can keep it; new meetings cannot choose it.
        offered = Q(is_archived=False) | Q(pk=self.initial.get("venue"))
        self.fields["venue"].queryset = Venue.objects.filter(offered, collaborative=collaborative)
        self.fields["start_time"].help_text = f"Times are {collaborative.time_zone.replace('_', ' ')} time."

    def clean_day(self):
        day = self.cleaned_data["day"]
        if abs(day.year - timezone.localdate().year) > MAX_YEARS_AWAY:
            raise forms.ValidationError(f"Choose a day within {MAX_YEARS_AWAY} years of today.")
        return day

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "The meeting must end after it starts.")
        fmt = data.get("format")
        if fmt in (Format.IN_PERSON, Format.HYBRID) and not data.get("venue"):
            self.add_error("venue", "Choose where people meet in person, or add a venue first.")
        if fmt in (Format.ONLINE, Format.HYBRID) and not data.get("online_link"):
            self.add_error("online_link", "Give the link people use to join online.")
        return data

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict:
        return {
            "title": meeting.title,
            "day": meeting.local_start.date(),
            "start_time": meeting.local_start.time(),
            "end_time": meeting.local_end.time(),
            "format": meeting.format,
            "venue": meeting.venue_id,
            "online_link": meeting.online_link,
            "notes_for_members": meeting.notes_for_members,
        }


class SeriesForm(MeetingForm):
    """A monthly series: the same weekday of the month, for a number of months."""

    week = forms.TypedChoiceField(
        label="Which week of the month", choices=MeetingSeries.Week.choices, coerce=int, initial=2
    )
    weekday = forms.TypedChoiceField(
        label="Day of the week", choices=MeetingSeries.Weekday.choices, coerce=int, initial=3
    )
    day = forms.DateField(
        label="Starting from the month of",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Any day in the first month. Days already past are left out.",
    )
    months = forms.IntegerField(label="For how many months", min_value=1, max_value=24, initial=12)
    field_order = ["title", "week", "weekday", "day", "months", "start_time", "end_time"]


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(choices=Rsvp.Answer.choices)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why it is cancelled (optional)",
        required=False,
        max_length=300,
        help_text="Members see this on the meeting page.",
    )


class AgendaItemForm(forms.ModelForm):
    """An agenda item; for facilitators (given the `agenda`), with where on the agenda it goes."""

    # Not given (a form from before there was a choice): a new item goes at the end, a changed one stays put.
    after = forms.TypedChoiceField(
        label="Where on the agenda",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={
            "invalid_choice": "The agenda has changed since this page was opened: choose again where it goes."
        },
    )

    class Meta:
        model = AgendaItem
        fields = ["title", "description", "presenter", "minutes"]
        labels = {"title": "What it is about"}
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, agenda=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        item = self.instance if self.instance.pk else None
        if item is not None:
            self.fields["after"].empty_value = STAY
        others = [each for each in agenda or [] if each != item]
        if not others:  # Nowhere to choose: the only item.
            del self.fields["after"]
            return
        self.fields["after"].choices = [(FIRST, "First, before the others")] + [
            (other.pk, f"After {number}. {other.title}") for number, other in enumerate(others, start=1)
        ]
        # Where it is now, or at the end for a new item.
        before = [
            other
            for other in others
            if item is None
            or other.position < item.position
            or (other.position == item.position and other.pk < item.pk)
        ]
        self.fields["after"].initial = before[-1].pk if before else FIRST


class RemoveForm(forms.Form):
    reason = forms.CharField(
        label="Why (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Whoever proposed it sees this on the meeting page.",
        error_messages={"max_length": "Keep it to 1,000 characters or fewer (it has %(show_value)d)."},
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why not this time",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The person who proposed it will see this.",
        error_messages={
            "required": "Say why, in a few words: the person who proposed it will see this.",
            "max_length": "Keep it to 1,000 characters or fewer (it has %(show_value)d).",
        },
    )


class NotesForm(forms.Form):
    """The notes of a meeting: one box per agenda item, and one for anything else."""

    general_notes = forms.CharField(
        label="Other notes",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Anything not under an agenda item.",
    )

    def __init__(self, *args, items, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for number, item in enumerate(self.items, start=1):
            self.fields[f"item_{item.pk}"] = forms.CharField(
                label=f"{number}. {item.title}",
                required=False,
                max_length=20000,
                initial=item.notes,
                widget=forms.Textarea(attrs={"rows": 5}),
            )
        self.order_fields([f"item_{item.pk}" for item in self.items] + ["general_notes"])

    def typed(self, meeting) -> dict:
        """The notes as typed, for notes_save: only the boxes that were on the page, so an item put on the
        agenda since the page was opened (or a post without the notes) leaves what is saved as it is."""
        general = self.cleaned_data["general_notes"] if "general_notes" in self.data else meeting.general_notes
        return {
            "general_notes": general,
            "item_notes": {
                item.pk: self.cleaned_data[f"item_{item.pk}"] for item in self.items if f"item_{item.pk}" in self.data
            },
        }

    def changed(self) -> bool:
        """Whether the notes typed differ from those saved (the form's initial values)."""
        return any(name in self.data for name in self.changed_data)


class DecisionForm(forms.Form):
    text = forms.CharField(
        label="What was decided",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Write what was decided.",
            "max_length": "Keep it to 2,000 characters or fewer (it has %(show_value)d).",
        },
    )
    agenda_item = forms.ModelChoiceField(
        label="Under which agenda item (optional)", queryset=AgendaItem.objects.none(), required=False
    )

    def __init__(self, *args, meeting, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = meeting.agenda_items.on_agenda()


class GuestsForm(forms.Form):
    guests = forms.IntegerField(label="Guests who came", min_value=0, max_value=1000)
