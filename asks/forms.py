"""The forms of the asks pages for members and facilitators: they validate, the services write."""

from datetime import date

from django import forms
from django.db.models.functions import Lower
from django.utils.functional import cached_property

from actions.evidence import MAX_EVIDENCE_BYTES
from actions.forms import MemberChoiceField

# ---------------------------------------------------------------------------------------------------------------
# The responder's forms (issue 17): comments on factual errors, and the answer, through their signed link.
# ---------------------------------------------------------------------------------------------------------------
from asks.models import Answer, Ask
from collaborative.uploads import TooBigUpload
from meetings.models import Decision, Meeting
from members.models import Collaborative, Membership, User
from vision.forms import DayField
from vision.models import Goal, KeyRole

# The fields of an ask a facilitator (or a member proposing one) writes, in the order the form shows them.
ASK_FIELDS = [
    "title",
    "request",
    "reasons",
    "organisation",
    "responder_name",
    "responder_role",
    "responder_email",
    "goal",
    "key_role",
    "meeting",
    "decision",
    "fact_check_days",
]


class AskForm(forms.ModelForm):
    """What is asked, why, of whom, and where it came from; the choices are this Collaborative's only."""

    goal = forms.ModelChoiceField(
        label="Which goal it helps (optional)", queryset=Goal.objects.none(), required=False, empty_label="None"
    )
    key_role = forms.ModelChoiceField(
        label="Which key role it comes under (optional)",
        queryset=KeyRole.objects.none(),
        required=False,
        empty_label="None",
    )
    meeting = forms.ModelChoiceField(
        label="The meeting it came from (optional)",
        queryset=Meeting.objects.none(),
        required=False,
        empty_label="Not from a meeting",
    )
    decision = forms.ModelChoiceField(
        label="The decision it came from (optional)",
        queryset=Decision.objects.none(),
        required=False,
        empty_label="Not from a decision",
        error_messages={"invalid_choice": "Choose a decision from this Collaborative's published notes."},
    )

    class Meta:
        model = Ask
        fields = ASK_FIELDS
        widgets = {
            "request": forms.Textarea(attrs={"rows": 5}),
            "reasons": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            # Not the model's "add them below": evidence is added on the ask's page once this is saved.
            "reasons": "What people told us, what we found, and why it matters. Once this is saved, facilitators can "
            "add files and links as evidence on the ask's page.",
            "responder_name": "They need no account: the ask is emailed to them with a link to answer.",
            "fact_check_days": "Before it is sent, the responder can point out factual errors within this many "
            "working days.",
        }
        error_messages = {
            "title": {"required": "Say in a line what we ask."},
            "request": {"required": "Say what we ask the organisation to do."},
            "organisation": {"required": "Name the organisation we ask."},
            "responder_name": {"required": "Name the person who will answer."},
            "responder_email": {
                "required": "Give the email address of the person who will answer.",
                "invalid": "Give an email address such as name@example.org.",
            },
            "fact_check_days": {
                "min_value": "Give at least 1 working day for a fact check.",
                "max_value": "Give at most 20 working days for a fact check.",
            },
        }

    def __init__(self, *args, collaborative: Collaborative, decisions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = Goal.objects.filter(collaborative=collaborative).order_by("status", "title")
        self.fields["key_role"].queryset = KeyRole.objects.filter(collaborative=collaborative)
        # The choices name each meeting by its local date, which needs the Collaborative's time zone.
        self.fields["meeting"].queryset = (
            Meeting.objects.filter(collaborative=collaborative).select_related("collaborative").order_by("-starts_at")
        )
        # Only the decisions the viewer may see (collaborative.permissions.decisions_seen); one the ask came from
        # stays on offer, so saving a change keeps it.
        if self.instance.decision_id:
            decisions = Decision.objects.filter(pk__in=decisions.values("pk")) | Decision.objects.filter(
                pk=self.instance.decision_id
            )
        self.fields["decision"].queryset = decisions.filter(meeting__collaborative=collaborative).order_by(
            "-recorded_at"
        )

    def clean(self) -> dict:
        data = super().clean()
        # A decision belongs to its meeting: the ask came from that meeting too.
        if decision := data.get("decision"):
            data["meeting"] = decision.meeting
        for name in ("title", "request", "organisation", "responder_name"):
            if isinstance(data.get(name), str):
                data[name] = data[name].strip()
        return data


class TakeUpForm(forms.Form):
    """A facilitator takes up a member's proposal, or says why not."""

    take_up = forms.ChoiceField(
        label="Take it up?",
        choices=[("yes", "Yes: write it up and send it"), ("no", "No, not this time")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to take it up."},
    )
    reason = forms.CharField(
        label="Why not (needed if not)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The member who proposed it sees this.",
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("take_up") == "no" and not data.get("reason", "").strip():
            self.add_error("reason", "Say why the ask is not taken up.")
        return data


class EvidenceForm(forms.Form):
    """A file or a link that shows why we ask, with a few words about it."""

    description = forms.CharField(
        label="What it is",
        max_length=200,
        help_text="For example: survey of 40 carers, March 2026.",
        error_messages={"required": "Say in a few words what the evidence is."},
    )
    file = forms.FileField(
        label="A file (optional)",
        required=False,
        help_text="A PDF, a picture or an office document, up to 10 MB. Members can open it, and so can the person "
        "who answers when the ask goes to them; it is never public.",
    )
    link = forms.URLField(
        label="Or a link (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="For example a report online.",
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > MAX_EVIDENCE_BYTES:
            raise forms.ValidationError("The file is bigger than 10 MB. Add a smaller file, or a link to it instead.")
        return upload

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not data.get("file") and not data.get("link"):
            raise forms.ValidationError("Add a file or a link.")
        return data


class DueDateForm(forms.Form):
    """A new due date for the answer, and why."""

    due_on = DayField(
        label="New due date", error_messages={"required": "Choose the new due date.", "invalid": "Enter a valid date."}
    )
    due_reason = forms.CharField(
        label="Why it changes",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why the due date changes."},
    )

    def __init__(self, *args, sent_on: date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sent_on = sent_on

    def clean_due_on(self) -> date:
        day = self.cleaned_data["due_on"]
        if self.sent_on and day <= self.sent_on:
            raise forms.ValidationError(f"Choose a day after the ask was sent ({self.sent_on:%-d %B %Y}).")
        return day

    def clean_due_reason(self) -> str:
        reason = self.cleaned_data["due_reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the due date changes.")
        return reason


class Response:
    """The Collaborative's response to an answer (or to no answer)."""

    ACCEPT = "accept"
    FOLLOW_UP = "follow_up"
    AGAIN = "again"
    ESCALATE = "escalate"
    CHOICES = [
        (ACCEPT, "Accept the answer and close the ask"),
        (FOLLOW_UP, "Follow up with an action in our action log"),
        (AGAIN, "Ask again, with a new clock of 20 working days"),
        (ESCALATE, "Escalate to someone else, with a new clock of 20 working days"),
    ]


class ResponseForm(forms.Form):
    """What the Collaborative does next: accept, follow up with an action, ask again, or escalate.

    Only the fields of the chosen response are needed; the rest are left as typed and not used.
    """

    response = forms.ChoiceField(
        label="What we do next",
        widget=forms.RadioSelect,
        choices=Response.CHOICES,
        error_messages={"required": "Choose what we do next.", "invalid_choice": "Choose one of the responses shown."},
    )
    note = forms.CharField(
        label="A note for the timeline (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Follow up with an action.
    action_title = forms.CharField(label="The action: what will be done", max_length=200, required=False)
    action_owner = MemberChoiceField(label="Who owns the action", queryset=User.objects.none(), required=False)
    action_due_on = DayField(label="The action's due date", required=False)
    # Escalate.
    organisation = forms.CharField(label="Escalate to which organisation", max_length=200, required=False)
    responder_name = forms.CharField(label="The person who will answer", max_length=120, required=False)
    responder_role = forms.CharField(label="Their role (optional)", max_length=120, required=False)
    responder_email = forms.EmailField(
        label="Their email address",
        max_length=254,
        required=False,
        error_messages={"invalid": "Give an email address such as name@example.org."},
    )

    def __init__(self, *args, collaborative: Collaborative, choices: list[str], today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["response"].choices = [pair for pair in Response.CHOICES if pair[0] in choices]
        current = Membership.objects.current_in(collaborative).values("user_id")
        self.fields["action_owner"].queryset = User.objects.filter(pk__in=current).order_by(Lower("display_name"), "pk")

    def clean(self) -> dict:
        data = super().clean()
        response = data.get("response")
        if response == Response.FOLLOW_UP:
            if not (data.get("action_title") or "").strip():
                self.add_error("action_title", "Say what the action will do.")
            if not data.get("action_owner") and "action_owner" not in self.errors:
                self.add_error("action_owner", "Choose the member who owns the action.")
            if not data.get("action_due_on") and "action_due_on" not in self.errors:
                self.add_error("action_due_on", "Choose the action's due date.")
        elif response == Response.ESCALATE:
            for name, message in (
                ("organisation", "Name the organisation we escalate to."),
                ("responder_name", "Name the person who will answer."),
                ("responder_email", "Give the email address of the person who will answer."),
            ):
                if not (data.get(name) or "").strip() and name not in self.errors:
                    self.add_error(name, message)
        return data


class WithdrawForm(forms.Form):
    withdraw_reason = forms.CharField(
        label="Why we withdraw it",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why the ask is withdrawn."},
    )

    def clean_withdraw_reason(self) -> str:
        reason = self.cleaned_data["withdraw_reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the ask is withdrawn.")
        return reason


# The asks page's filters and orders.
SORTS = {
    "newest": ("-created_at", "-id"),
    "due": ("due_on", "id"),
    "updated": ("-updated_at", "-id"),
    "organisation": (Lower("organisation"), "id"),
    "title": (Lower("title"), "id"),
}
SORT_CHOICES = [
    ("newest", "Newest first"),
    ("due", "Due date, soonest first"),
    ("updated", "Last changed"),
    ("organisation", "Organisation, A to Z"),
    ("title", "What we ask, A to Z"),
]
# The organisations offered in the filter: the first this many, A to Z, and the one chosen.
ORGANISATIONS_OFFERED = 30


class AskFilterForm(forms.Form):
    """The asks page's filters, all in the address so a filtered view can be bookmarked and shared."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.MultipleChoiceField(
        label="Status", choices=Ask.Status.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    overdue = forms.BooleanField(label="Overdue only", required=False)
    organisation = forms.CharField(label="Organisation", required=False, max_length=200)
    goal = forms.ModelChoiceField(label="Goal", queryset=Goal.objects.none(), required=False, empty_label="Any")
    sort = forms.ChoiceField(label="Order", choices=SORT_CHOICES, required=False)

    def __init__(self, *args, collaborative: Collaborative, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.collaborative = collaborative
        self.fields["goal"].queryset = Goal.objects.filter(collaborative=collaborative).order_by("title")

    @cached_property
    def options(self) -> dict[str, list[tuple[str, str, bool]]]:
        """Each list's choices as (value, label, chosen): read only when the filters are shown."""
        asks = Ask.objects.filter(collaborative=self.collaborative)
        names = list(
            asks.values_list("organisation", flat=True).distinct().order_by("organisation")[:ORGANISATIONS_OFFERED]
        )
        chosen_name = self.data.get("organisation", "")
        if chosen_name and chosen_name not in names:
            names.append(chosen_name)
        any_ = [("", "Any")]
        choices = {
            "status": Ask.Status.choices,
            "organisation": any_ + [(name, name) for name in names],
            "goal": any_ + [(goal.pk, str(goal)) for goal in self.fields["goal"].queryset],
            "sort": SORT_CHOICES,
        }
        options = {}
        for name, pairs in choices.items():
            value = self[name].value()
            values = value if isinstance(value, list | tuple) else [value]
            chosen = {"" if v is None else str(v) for v in values}
            options[name] = [(str(v), label, str(v) in chosen) for v, label in pairs]
        return options

    def summary(self) -> list[str]:
        """The filters that apply, in words."""
        data = getattr(self, "cleaned_data", {})
        said = []
        if data.get("q"):
            said.append(f"“{data['q']}” in what we ask, why or the organisation")
        if data.get("status"):
            labels = dict(Ask.Status.choices)
            said.append("status " + " or ".join(str(labels[value]).lower() for value in data["status"]))
        if data.get("overdue"):
            said.append("overdue")
        if data.get("organisation"):
            said.append(f"to {data['organisation']}")
        if data.get("goal"):
            said.append(f"for the goal “{data['goal']}”")
        return said


# A responder may send this many files with an answer, within the limit of one upload (collaborative/uploads.py).
ANSWER_FILES_AT_MOST = 5
FILES_TOGETHER = f"All the files together can be up to {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB."


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
        help_text=f"Up to {ANSWER_FILES_AT_MOST} PDFs, pictures or office documents. {FILES_TOGETHER}",
    )
    name = forms.CharField(label="Your name", max_length=120)
    role = forms.CharField(label="Your role (optional)", max_length=120, required=False)

    def clean_files(self) -> list:
        # The limit is on the whole answer as it is sent (collaborative/uploads.py): over it, every file comes as a
        # TooBigUpload, however small each one is.
        files = self.cleaned_data["files"]
        if any(isinstance(upload, TooBigUpload) for upload in files) or sum(upload.size for upload in files) > (
            MAX_EVIDENCE_BYTES
        ):
            raise forms.ValidationError(f"The files are too big. {FILES_TOGETHER} Send fewer files, or smaller ones.")
        return files

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
