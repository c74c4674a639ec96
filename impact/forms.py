"""The "What changed" page's forms: they check what was typed; the services make the change."""

from django import forms

from impact.models import Publication, period_problem
from members.models import Membership, User

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class PublicationForm(forms.ModelForm):
    """The words the public reads: a title and a short summary. A "you said, we did" item needs its summary."""

    class Meta:
        model = Publication
        fields = ["title", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 5})}
        error_messages = {"title": {"required": "Give the item a title for the public page."}}

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.kind = kind
        if kind == Publication.Kind.YOU_SAID:
            self.fields["summary"].required = True
            self.fields["summary"].label = "What changed, in a few sentences"
            self.fields["summary"].help_text = (
                "What members said and what was done about it, in plain words, for someone who has never been to "
                "a meeting. Name no one here: people are named only if they agree (below, once it is published)."
            )
            self.fields["summary"].error_messages["required"] = "Write a short summary of what changed, for the public."


class FiguresForm(PublicationForm):
    """Headline figures: the title, the summary and the period they cover."""

    period_start = forms.DateField(label="From", **DATE)
    period_end = forms.DateField(label="To (this day included)", **DATE)

    class Meta(PublicationForm.Meta):
        fields = ["title", "summary", "period_start", "period_end"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end:
            problem = period_problem(start, end)
            if problem:
                self.add_error(f"period_{problem[0]}", problem[1])
        return cleaned


class CreditAskForm(forms.Form):
    """Which member to ask whether they would like to be named on the item."""

    user = forms.ModelChoiceField(
        label="Ask a member whether they would like to be named",
        queryset=None,
        empty_label="Choose a member",
        error_messages={
            "required": "Choose the member to ask.",
            "invalid_choice": "Choose one of the Collaborative's members.",
        },
    )

    def __init__(self, *args, collaborative, **kwargs):
        super().__init__(*args, **kwargs)
        members = Membership.objects.current_in(collaborative).values("user_id")
        self.fields["user"].queryset = User.objects.filter(pk__in=members).order_by("display_name", "pk")
        self.fields["user"].label_from_instance = lambda user: user.display_name


class CreditAnswerForm(forms.Form):
    """The person's answer: may their name show on the item?"""

    answer = forms.ChoiceField(
        choices=[("yes", "Yes, name me"), ("no", "No, do not name me")],
        widget=forms.HiddenInput,  # Two buttons give it, not a box.
        error_messages={
            "required": "Choose “Yes, name me” or “No, do not name me”.",
            "invalid_choice": "Choose “Yes, name me” or “No, do not name me”.",
        },
    )
