"""The forms of polls: opening or changing one, voting, and its outcome. They check what was typed; the rules
(a closing time in the future, what a ballot may hold) are discussions/polls.py's, which says why in the same
plain words."""

from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError

from discussions.models import Poll
from discussions.polls import MOST_DOTS, MOST_SCORE, NAMES_HIDDEN, NAMES_SHOWN, TIME_ANSWERS
from meetings.services import local_moment
from members.models import Collaborative

TIMES_OFFERED = 6  # Boxes for times to choose from, in a time poll.
DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CLOCK = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
NAMES = [
    ("shown", f"Named. {NAMES_SHOWN}"),
    ("anonymous", f"Anonymous. {NAMES_HIDDEN}"),
]
RESULTS = [
    ("live", "As the votes come in"),
    ("after", "Only once it has closed"),
]


def _moment(collaborative: Collaborative, day, at, field: str) -> datetime:
    try:
        return local_moment(day, at, collaborative.time_zone)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


class PollSettingsForm(forms.Form):
    """What a poll asks, until when, and whether names are shown: opening a poll, and changing one."""

    question = forms.CharField(max_length=200, label="The question, or what is proposed")
    details = forms.CharField(
        label="More about it (optional)", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    closes_day = forms.DateField(label="Closes on", widget=DAY)
    closes_time = forms.TimeField(label="At", widget=CLOCK)
    names = forms.ChoiceField(
        label="Will names be shown with votes?", choices=NAMES, initial="shown", widget=forms.RadioSelect
    )
    results = forms.ChoiceField(
        label="For a named poll: when are results shown?",
        choices=RESULTS,
        initial="after",
        widget=forms.RadioSelect,
        help_text="An anonymous poll shows its results only once it has closed.",
    )

    def __init__(self, *args, collaborative: Collaborative, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.collaborative = collaborative
        self.fields["closes_time"].help_text = f"{collaborative.time_zone.replace('_', ' ')} time."

    def clean(self) -> dict:
        data = super().clean()
        if data.get("closes_day") and data.get("closes_time"):
            data["closes_at"] = _moment(self.collaborative, data["closes_day"], data["closes_time"], "closes_time")
        data["anonymous"] = data.get("names") == "anonymous"
        data["results_while_open"] = data.get("results") == "live" and not data["anonymous"]
        return data

    @classmethod
    def initial_for(cls, poll: Poll) -> dict:
        closes = poll.closes_at.astimezone(poll.collaborative.zone)
        return {
            "question": poll.question,
            "details": poll.details,
            "closes_day": closes.date(),
            "closes_time": closes.time(),
            "names": "anonymous" if poll.anonymous else "shown",
            "results": "live" if poll.results_while_open else "after",
        }


class PollForm(PollSettingsForm):
    """Opening a poll: its type and what it offers, then the settings."""

    type = forms.ChoiceField(label="What kind of poll", choices=Poll.Type.choices, widget=forms.RadioSelect)
    options = forms.CharField(
        label="Options to choose from, one on each line",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Not needed for a proposal (agree, abstain, disagree, block) or a time poll.",
    )
    max_score = forms.IntegerField(
        label="Highest score (for scores)", min_value=1, max_value=MOST_SCORE, initial=5, required=False
    )
    dots = forms.IntegerField(
        label="Dots each person shares out (for a dot vote)",
        min_value=1,
        max_value=MOST_DOTS,
        initial=10,
        required=False,
    )
    field_order = ["type", "question", "details", "options", "max_score", "dots"]

    def __init__(self, *args, collaborative: Collaborative, **kwargs) -> None:
        super().__init__(*args, collaborative=collaborative, **kwargs)
        for number in range(1, TIMES_OFFERED + 1):
            self.fields[f"time_{number}"] = forms.DateTimeField(
                label=f"Time {number}",
                required=False,
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
            )

    @property
    def time_fields(self) -> list:
        return [self[f"time_{number}"] for number in range(1, TIMES_OFFERED + 1)]

    @property
    def other_fields(self) -> list:
        return [field for field in self.visible_fields() if not field.name.startswith("time_")]

    def clean(self) -> dict:
        data = super().clean()
        data["option_lines"] = (data.get("options") or "").splitlines()
        times = []
        for number in range(1, TIMES_OFFERED + 1):
            moment = data.get(f"time_{number}")
            if moment is not None:
                # Typed on the Collaborative's clocks, whatever the server's.
                naive = moment.replace(tzinfo=None)
                times.append(_moment(self.collaborative, naive.date(), naive.time(), f"time_{number}"))
        data["times"] = times
        return data

    @classmethod
    def initial_when(cls, collaborative: Collaborative, *, quick: bool) -> dict:
        """A quick poll closes in ten minutes; any other a week from now, on the hour."""
        now = collaborative.local_now()
        closes = now + timedelta(minutes=10) if quick else (now + timedelta(days=7)).replace(minute=0)
        return {"closes_day": closes.date(), "closes_time": closes.time().replace(second=0, microsecond=0)}


class VoteForm(forms.Form):
    """A ballot: radio buttons (a proposal, choose one), checkboxes (choose several), a number for each option
    (scores, dots), or yes / if I must / no for each time."""

    def __init__(self, *args, poll: Poll, options: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.poll, self.options = poll, options
        choices = [(str(option.pk), option.text) for option in options]
        if poll.type in (Poll.Type.PROPOSAL, Poll.Type.ONE):
            label = "Your position" if poll.type == Poll.Type.PROPOSAL else "Your choice"
            self.fields["choice"] = forms.ChoiceField(label=label, choices=choices, widget=forms.RadioSelect)
            self.fields["choice"].error_messages["required"] = (
                "Choose agree, abstain, disagree or block." if poll.type == Poll.Type.PROPOSAL else "Choose one."
            )
        if poll.type == Poll.Type.PROPOSAL:
            self.fields["reason"] = forms.CharField(
                label="Why",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="Needed if you disagree or block.",
            )
        elif poll.type == Poll.Type.SEVERAL:
            self.fields["chosen"] = forms.MultipleChoiceField(
                label="Your choices (as many as you like)", choices=choices, widget=forms.CheckboxSelectMultiple
            )
            self.fields["chosen"].error_messages["required"] = "Choose at least one."
        elif poll.type in (Poll.Type.SCORE, Poll.Type.DOTS):
            most = poll.max_score if poll.type == Poll.Type.SCORE else poll.dots
            for option in options:
                self.fields[f"option_{option.pk}"] = forms.IntegerField(
                    label=option.text, min_value=0, max_value=most, initial=0
                )
        elif poll.type == Poll.Type.TIME:
            for option in options:
                field = forms.TypedChoiceField(
                    label=option.text, choices=TIME_ANSWERS, coerce=int, widget=forms.RadioSelect
                )
                field.error_messages["required"] = "Answer yes, if I must, or no for every time."
                self.fields[f"option_{option.pk}"] = field

    @property
    def option_fields(self) -> list:
        return [self[name] for name in self.fields if name.startswith("option_")]

    def ballot(self) -> dict[int, int]:
        """{option id: value}, for polls.poll_vote."""
        data = self.cleaned_data
        if "choice" in data:
            return {int(data["choice"]): 1}
        if "chosen" in data:
            return {int(pk): 1 for pk in data["chosen"]}
        return {int(name.removeprefix("option_")): value for name, value in data.items() if name.startswith("option_")}

    @classmethod
    def initial_for(cls, poll: Poll, vote) -> dict:
        """What the person voted, to change it."""
        if vote is None:
            return {}
        given = {choice.option_id: choice.value for choice in vote.choices.all()}
        if poll.type in (Poll.Type.PROPOSAL, Poll.Type.ONE):
            return {"choice": str(next(iter(given), "")), "reason": vote.reason}
        if poll.type == Poll.Type.SEVERAL:
            return {"chosen": [str(pk) for pk in given]}
        return {f"option_{pk}": value for pk, value in given.items()}


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label="What came of it",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Every member is emailed this.",
    )
    outcome.error_messages["required"] = "Say what came of it."
