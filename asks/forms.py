from django import forms

# ---------------------------------------------------------------------------------------------------------------
# The responder's forms (issue 17): comments on factual errors, and the answer, through their signed link.
# ---------------------------------------------------------------------------------------------------------------
from asks.models import Answer

# A responder may send this many files with an answer.
ANSWER_FILES_AT_MOST = 5


class FactCheckForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=120)
    text = forms.CharField(
        label="Is anything in this not right?",
        max_length=6000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=(
            "Say what is not right and what is. Your comments are kept with the ask; the ask itself is not changed."
        ),
        error_messages={"required": "Say what is not right."},
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Say what is not right.")
        return text


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one box: each checked by what is inside it when the answer is saved."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > ANSWER_FILES_AT_MOST:
            raise forms.ValidationError(f"Add {ANSWER_FILES_AT_MOST} files at most.")
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


ANSWER_CHOICES = [
    (Answer.Kind.WILL, "We will do this"),
    (Answer.Kind.PART, "We will do part of this"),
    (Answer.Kind.CANNOT, "We cannot, because…"),
    (Answer.Kind.MORE_TIME, "We need until …"),
]


class AnswerForm(forms.Form):
    kind = forms.ChoiceField(
        label="Your answer",
        choices=ANSWER_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose one of the answers."},
    )
    until = forms.DateField(
        label="If you need more time: until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Only with “We need until …”. The due date can be moved this way once.",
    )
    text = forms.CharField(
        label="What you will do, or why not",
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Write your answer in the box."},
    )
    files = MultipleFileField(
        label="Files (optional)",
        required=False,
        help_text=f"Up to {ANSWER_FILES_AT_MOST} PDFs, pictures or office documents, up to 10 MB each.",
    )
    name = forms.CharField(label="Your name", max_length=120)
    role = forms.CharField(label="Your role (optional)", max_length=120, required=False)

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Write your answer in the box.")
        return text

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == Answer.Kind.MORE_TIME and not data.get("until"):
            self.add_error("until", "Say until when you need.")
        return data
