from datetime import date, timedelta

from django import forms
from django.utils import timezone

from meetings.forms import MAX_YEARS_AWAY
from meetings.models import Meeting
from vision.models import (
    ROUND_SHORTEST_DAYS,
    Contribution,
    Goal,
    GoalReview,
    KeyRole,
    Rating,
    RoundStatement,
    Statement,
    VisionVersion,
)

MAX_VALUES = 20


class DayField(forms.DateField):
    """A date picker that refuses days too far from today to be meant."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def validate(self, value) -> None:
        super().validate(value)
        if value and abs(value.year - timezone.localdate().year) > MAX_YEARS_AWAY:
            raise forms.ValidationError(f"Choose a day within {MAX_YEARS_AWAY} years of today.")


# A line of a text box holds about this many characters at its widest (32rem of 18px text).
BOX_WIDTH = 60
MOST_ROWS = 30


def rows_for(text: str | None, fewest: int) -> int:
    """How many rows a text box needs to show `text` whole, with a line to spare: at least `fewest` and at most
    MOST_ROWS. Browsers that can (CSS `field-sizing: content`, class "fits-text") also grow the box as it is typed
    in; the rest keep these rows."""
    lines = (text or "").splitlines() or [""]
    needed = sum(max(1, -(-len(line) // BOX_WIDTH)) for line in lines) + 1
    return max(fewest, min(MOST_ROWS, needed))


def _fit_to_text(form: forms.BaseForm, fewest: dict[str, int]) -> None:
    """Size each of the form's text boxes named in `fewest` to the text it holds (as posted, or as saved)."""
    for name, rows in fewest.items():
        form.fields[name].widget.attrs["rows"] = rows_for(form[name].value(), rows)


class VersionForm(forms.ModelForm):
    ask_members = forms.BooleanField(
        label="Email members to ask for their ideas and comments",
        required=False,
        help_text="Each member gets one email for this draft, however often you save it.",
    )

    class Meta:
        model = VisionVersion
        fields = ["statement", "note"]
        widgets = {
            "statement": forms.Textarea(attrs={"class": "fits-text fits-text--long"}),
            "note": forms.Textarea(attrs={"class": "fits-text"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _fit_to_text(self, {"statement": 6, "note": 3})


class ValueForm(forms.Form):
    # The row is a group named "Value 1", "Value 2"…: its boxes say only what each holds, so that no value is
    # labelled twice.
    name = forms.CharField(label="Name", max_length=120, required=False, help_text="For example: Equal voices.")
    meaning = forms.CharField(
        label="What it means in practice",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"class": "fits-text"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _fit_to_text(self, {"meaning": 3})

    def clean(self) -> dict:
        data = super().clean()
        name, meaning = data.get("name", "").strip(), data.get("meaning", "").strip()
        if name and not meaning:
            self.add_error("meaning", "Say what this value means in practice.")
        if meaning and not name:
            self.add_error("name", "Give this value a name.")
        return data


class BaseValueFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        names = [form.cleaned_data.get("name", "").strip().casefold() for form in self.forms]
        names = [name for name in names if name]
        if len(names) != len(set(names)):
            raise forms.ValidationError("Two values have the same name. Give each value its own name.")

    def values(self) -> list[tuple[str, str]]:
        return [
            (form.cleaned_data["name"].strip(), form.cleaned_data["meaning"].strip())
            for form in self.forms
            if form.cleaned_data.get("name", "").strip()
        ]


# One empty row below the values so far; "Add another value" adds another, without saving.
ValueFormSet = forms.formset_factory(
    ValueForm, formset=BaseValueFormSet, extra=1, max_num=MAX_VALUES, absolute_max=MAX_VALUES + 3
)


def value_formset(data=None, *, values=()) -> BaseValueFormSet:
    return ValueFormSet(data, initial=[{"name": v.name, "meaning": v.meaning} for v in values], prefix="values")


def value_formset_with_a_row_more(data) -> BaseValueFormSet | None:
    """The values as typed (`data`, the posted form), not checked and not saved, with an empty row below them for
    "Add another value" (none once there are MAX_VALUES rows); None if the post is not the values form."""
    posted = value_formset(data)
    if not posted.management_form.is_valid():
        return None
    typed = [{"name": form["name"].value() or "", "meaning": form["meaning"].value() or ""} for form in posted]
    # Unbound, so that nothing is checked yet: what is typed is kept as it is, without errors.
    return ValueFormSet(initial=typed[:MAX_VALUES], prefix="values")


class ContributionForm(forms.ModelForm):
    class Meta:
        model = Contribution
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"text": "An idea for the vision or values, or a comment on this draft. Other members see it."}
        error_messages = {"text": {"required": "Write your idea or comment first."}}

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Write your idea or comment first.")
        return text


class AdoptForm(forms.Form):
    meeting = forms.ModelChoiceField(
        label="The meeting where it was agreed (optional)",
        queryset=Meeting.objects.none(),
        required=False,
        empty_label="Not at a meeting",
    )

    def __init__(self, *args, collaborative, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        recent = Meeting.objects.for_collaborative(collaborative).exclude(status=Meeting.Status.CANCELLED)
        recent = recent.filter(starts_at__lte=timezone.now() + timedelta(days=1)).order_by("-starts_at")
        # The last 24, as a subquery: a sliced queryset cannot be filtered, so no choice would be valid.
        self.fields["meeting"].queryset = (
            Meeting.objects.filter(pk__in=recent.values("pk")[:24])
            .select_related("collaborative")
            .order_by("-starts_at")
        )


class GoalForm(forms.ModelForm):
    review_on = DayField(label="Review date", help_text="When to look at this goal together again.")

    class Meta:
        model = Goal
        fields = ["title", "success", "review_on"]
        widgets = {"success": forms.Textarea(attrs={"rows": 4})}


class GoalReviewForm(forms.ModelForm):
    reviewed_on = DayField(label="Date of the review")
    # Declared here so that the radio buttons are only the real answers, none ticked to start with.
    outcome = forms.ChoiceField(
        label="How is it going",
        choices=GoalReview.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the goal is going."},
    )
    next_review_on = DayField(
        label="Next review date",
        required=False,
        help_text="Needed unless the goal was achieved or is no longer a goal.",
    )

    class Meta:
        model = GoalReview
        fields = ["reviewed_on", "outcome", "note", "next_review_on"]
        widgets = {"note": forms.Textarea(attrs={"rows": 4})}

    def clean(self) -> dict:
        data = super().clean()
        outcome, reviewed_on, next_on = data.get("outcome"), data.get("reviewed_on"), data.get("next_review_on")
        if outcome and outcome not in (GoalReview.Outcome.ACHIEVED, GoalReview.Outcome.RETIRED):
            if next_on is None and "next_review_on" not in self.errors:
                self.add_error("next_review_on", "Choose when to look at this goal again.")
            elif next_on and reviewed_on and next_on <= reviewed_on:
                self.add_error("next_review_on", "The next review must be after this one.")
        return data


class StatementForm(forms.ModelForm):
    key_role = forms.ModelChoiceField(
        label="Key role",
        queryset=KeyRole.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Choose a key role from the list."},
    )

    class Meta:
        model = Statement
        fields = ["key_role", "text"]

    def __init__(self, *args, collaborative, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key_role"].queryset = collaborative.key_roles.all()
        if self.instance.pk:
            del self.fields["key_role"]

    def clean_text(self) -> str:
        text = " ".join(self.cleaned_data["text"].split())
        if not text:
            raise forms.ValidationError("Write the statement.")
        return text


def _in_two_weeks() -> date:
    return timezone.localdate() + timedelta(days=14)


class RoundForm(forms.Form):
    title = forms.CharField(label="Name of the round", max_length=120, help_text="For example: Autumn 2026.")
    closing_day = DayField(
        label="Last day to answer",
        initial=_in_two_weeks,
        help_text=(
            f"At least {ROUND_SHORTEST_DAYS} days from today: the round closes at midnight at the end of this day. "
            "Members get a reminder the day before."
        ),
    )


class RoundDatesForm(forms.Form):
    closing_day = DayField(
        label="Last day to answer",
        help_text=(
            f"The round closes at midnight at the end of this day. It stays open at least {ROUND_SHORTEST_DAYS} days "
            "in all."
        ),
    )


class AnswersForm(forms.Form):
    """A rating and an optional comment for every statement of a round."""

    def __init__(self, *args, statements: list[RoundStatement], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.statements = statements
        for statement in statements:
            self.fields[f"rating-{statement.pk}"] = forms.ChoiceField(
                label=statement.text, choices=Rating.choices, required=False, widget=forms.RadioSelect
            )
            self.fields[f"comment-{statement.pk}"] = forms.CharField(
                label="Comment (optional)",
                help_text="A comment goes with your answer, so choose an answer above too.",
                max_length=2000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean(self) -> dict:
        data = super().clean()
        # The results leave out comments without an answer (anonymity: vision/results.py), so
        # one saved on its own would never be read.
        for statement in self.statements:
            rating, comment = f"rating-{statement.pk}", f"comment-{statement.pk}"
            if data.get(comment) and not data.get(rating) and rating not in self.errors:
                self.add_error(rating, "Choose an answer (or Don't know) so that your comment can be counted.")
        return data

    def answers(self) -> dict[int, tuple[str, str]]:
        return {
            s.pk: (self.cleaned_data[f"rating-{s.pk}"], self.cleaned_data[f"comment-{s.pk}"]) for s in self.statements
        }

    def rows(self):
        """(statement, rating field, comment field) in order, for the template."""
        return [(s, self[f"rating-{s.pk}"], self[f"comment-{s.pk}"]) for s in self.statements]
