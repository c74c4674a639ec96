from django import forms
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils.functional import cached_property

from actions.evidence import MAX_EVIDENCE_BYTES
from actions.models import Action, ActionUpdate, person_name
from collaborative.views import number_from
from meetings.models import AgendaItem, Decision, Meeting
from members.models import Collaborative, Membership, User
from vision.forms import DayField
from vision.models import Goal, KeyRole


def person_label(person: User) -> str:
    """A person as a choice: their name, and whether they have left (people from _members only)."""
    name = person_name(person)
    if getattr(person, "is_current", True) or name == "Former member":
        return name
    return f"{name} (has left)"


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return person_label(obj)


class MembersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return person_label(obj)


def _members(collaborative: Collaborative, *, also=None):
    """The current members, by name; then the people in `also` (ids, or a query of them) who have left."""
    current = Membership.objects.current_in(collaborative)
    people = Q(pk__in=current.values("user_id"))
    if also is not None:
        people |= Q(pk__in=also)
    return (
        User.objects.filter(people)
        .annotate(is_current=Exists(current.filter(user_id=OuterRef("pk"))))
        .order_by("-is_current", Lower("display_name"), "pk")
    )


# Every member sees an action, and with it where it came from: so an action links only to what
# every member may see (or, for an agenda item, the person's own proposal).
DECISION_REFUSED = (
    "An action can come only from a decision in published notes that has not been withdrawn. "
    "Record the action without it, or publish the notes first."
)
AGENDA_ITEM_REFUSED = (
    "An action can come only from an item on the agenda once it is published, or from an item you proposed. "
    "Record the action without it."
)


def linkable_agenda_items(collaborative: Collaborative, user: User):
    """The agenda items an action recorded by `user` may come from."""
    return AgendaItem.objects.filter(meeting__collaborative=collaborative).published_or_proposed_by(user)


def linkable_decisions(collaborative: Collaborative):
    """The decisions an action may come from: the same for everyone, facilitators included."""
    return Decision.objects.filter(meeting__collaborative=collaborative).published()


class ActionForm(forms.ModelForm):
    """Everything about an action; where it came from is set by the page it was started from."""

    owner = MemberChoiceField(
        label="Owner",
        queryset=User.objects.none(),
        help_text="The member who makes sure it happens.",
        error_messages={
            "required": "Choose the member who owns this action.",
            "invalid_choice": "Choose a current member as the owner.",
        },
    )
    supporters = MembersChoiceField(
        label="Supporters (optional)",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Members helping the owner. They can add updates too.",
        error_messages={"invalid_choice": "Choose current members as supporters."},
    )
    due_on = DayField(label="Due date")
    goal = forms.ModelChoiceField(
        label="Which goal it helps (optional)", queryset=Goal.objects.none(), required=False, empty_label="None"
    )
    key_role = forms.ModelChoiceField(
        label="Which key role it helps (optional)",
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
    # Set by "Record an action" beside an agenda item or a decision in a meeting's notes.
    agenda_item = forms.ModelChoiceField(
        queryset=AgendaItem.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": AGENDA_ITEM_REFUSED},
    )
    decision = forms.ModelChoiceField(
        queryset=Decision.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": DECISION_REFUSED},
    )

    class Meta:
        model = Action
        fields = [
            "title",
            "description",
            "owner",
            "supporters",
            "organisation",
            "due_on",
            "status",
            "status_reason",
            "goal",
            "key_role",
            "meeting",
            "agenda_item",
            "decision",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "status": forms.RadioSelect,
            "status_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, collaborative: Collaborative, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # An owner or supporters who have since left stay on offer, so saving the form keeps them;
        # they cannot be given a new part in the action (actions.services._check_links).
        supporter_ids = list(self.instance.supporters.values_list("pk", flat=True)) if self.instance.pk else []
        owner_ids = [self.instance.owner_id] if self.instance.owner_id else []
        self.fields["owner"].queryset = _members(collaborative, also=owner_ids)
        self.fields["supporters"].queryset = _members(collaborative, also=supporter_ids)
        self.fields["goal"].queryset = Goal.objects.filter(collaborative=collaborative).order_by("status", "title")
        self.fields["key_role"].queryset = KeyRole.objects.filter(collaborative=collaborative)
        # The choices name each meeting by its local date, which needs the Collaborative's time zone.
        self.fields["meeting"].queryset = (
            Meeting.objects.filter(collaborative=collaborative).select_related("collaborative").order_by("-starts_at")
        )
        # What the action already came from stays on offer, so saving a change keeps it (as with people
        # who have left); anything new must pass the rule above.
        items = linkable_agenda_items(collaborative, user)
        decisions = linkable_decisions(collaborative)
        if self.instance.agenda_item_id:
            items = AgendaItem.objects.filter(Q(pk__in=items) | Q(pk=self.instance.agenda_item_id))
        if self.instance.decision_id:
            decisions = Decision.objects.filter(Q(pk__in=decisions) | Q(pk=self.instance.decision_id))
        self.fields["agenda_item"].queryset = items
        self.fields["decision"].queryset = decisions
        if self.instance.pk:
            self.initial["supporters"] = supporter_ids

    def clean(self) -> dict:
        data = super().clean()
        owner, supporters = data.get("owner"), data.get("supporters")
        if owner and supporters and owner in supporters:
            data["supporters"] = [person for person in supporters if person != owner]
        # An agenda item or a decision belongs to its meeting: the action came from that meeting too.
        decision, item = data.get("decision"), data.get("agenda_item")
        if decision and item and decision.meeting_id != item.meeting_id:
            raise forms.ValidationError("The decision and the agenda item are from different meetings.")
        for origin in (decision, item):
            if origin is not None:
                data["meeting"] = origin.meeting
        return data


class StatusForm(forms.Form):
    """A quick change of status, from the home page or the action's page."""

    status = forms.ChoiceField(label="Status", choices=Action.Status.choices)
    status_reason = forms.CharField(
        label="Why (needed for blocked or dropped)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict:
        data = super().clean()
        status = data.get("status")
        if status in Action.NEEDS_REASON and not data.get("status_reason", "").strip():
            label = dict(Action.Status.choices)[status].lower()
            self.add_error("status_reason", f"Say why the action is {label}.")
        return data


class UpdateForm(forms.ModelForm):
    file = forms.FileField(
        label="A file as evidence (optional)",
        required=False,
        help_text="A PDF, a picture or an office document, up to 10 MB. Only members can open it.",
    )
    link = forms.URLField(
        label="A link to evidence (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="For example a report or a news story online.",
    )

    class Meta:
        model = ActionUpdate
        fields = ["text", "link"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"text": {"required": "Say what has happened."}}

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Say what has happened.")
        return text

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > MAX_EVIDENCE_BYTES:
            raise forms.ValidationError("The file is bigger than 10 MB. Add a smaller file, or a link to it instead.")
        return upload


SORTS = {
    "due": ("due_on", "id"),
    "-due": ("-due_on", "-id"),
    "updated": ("-updated_at", "-id"),
    "status": ("status", "due_on", "id"),
    "title": (Lower("title"), "id"),
}
SORT_CHOICES = [
    ("due", "Due date, soonest first"),
    ("-due", "Due date, latest first"),
    ("updated", "Last changed"),
    ("status", "Status"),
    ("title", "Title, A to Z"),
]


# The log's filter of the meeting an action came from offers only the latest meetings with actions (and the
# one chosen), so that it does not grow with years of meetings; any meeting is still a filter in the address.
MEETINGS_OFFERED = 12


class LogFilterForm(forms.Form):
    """The action log's filters: every one in the address, so a filtered view can be bookmarked and shared.

    Owners and lead organisations are typed (part of a name), so the page does not list every member or
    organisation; `owner` (an id) and `organisation` (a whole name) filter exactly, as links give them.
    """

    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.MultipleChoiceField(
        label="Status", choices=Action.Status.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    overdue = forms.BooleanField(label="Overdue only", required=False)
    # With no status chosen the log shows the live actions; "Include done and dropped actions" (a link, see
    # log_statuses) shows every one.
    finished = forms.BooleanField(label="Include done and dropped actions", required=False)
    owner_name = forms.CharField(label="Owner", required=False, max_length=200)
    owner = MemberChoiceField(label="Owner", queryset=User.objects.none(), required=False)
    organisation_name = forms.CharField(label="Lead organisation", required=False, max_length=200)
    organisation = forms.CharField(label="Lead organisation", required=False, max_length=200)
    goal = forms.ModelChoiceField(label="Goal", queryset=Goal.objects.none(), required=False, empty_label="Any")
    key_role = forms.ModelChoiceField(
        label="Key role", queryset=KeyRole.objects.none(), required=False, empty_label="Any"
    )
    meeting = forms.ModelChoiceField(
        label="From the meeting", queryset=Meeting.objects.none(), required=False, empty_label="Any"
    )
    due_from = DayField(label="Due from", required=False)
    due_to = DayField(label="Due by", required=False)
    # Done on or after this day, as it is where the Collaborative is ("done this month" on the home page).
    done_from = DayField(label="Done since", required=False)
    sort = forms.ChoiceField(label="Order", choices=SORT_CHOICES, required=False)
    # A meeting's "matters arising" (actions.selectors.arising_filter), from "See all" on its page: shown only
    # when set, as a box to untick, so the filter is plain to see and easy to take off.
    arising = forms.ModelChoiceField(
        label="Matters arising for the meeting",
        queryset=Meeting.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": "That meeting is not one of this Collaborative's, so that filter is left out."
        },
    )

    def __init__(self, *args, collaborative: Collaborative, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.collaborative = collaborative
        self.fields["goal"].queryset = Goal.objects.filter(collaborative=collaborative).order_by("title")
        self.fields["key_role"].queryset = KeyRole.objects.filter(collaborative=collaborative)
        # The choices name each meeting by its local date, which needs the Collaborative's time zone.
        self.meetings = Meeting.objects.filter(collaborative=collaborative).select_related("collaborative")
        # What an exact owner or a meeting is checked against only when one is asked for: most visits ask for
        # none, and making these queries cost more than the rest of the form.
        if self.data.get("owner"):
            # People who own actions here but have left are filters too, so their actions can be found and
            # handed on.
            self.fields["owner"].queryset = log_owners(collaborative)
        if self.data.get("meeting"):
            self.fields["meeting"].queryset = self.meetings
        if self.data.get("arising"):
            self.fields["arising"].queryset = self.meetings

    @cached_property
    def options(self) -> dict[str, list[tuple[str, str, bool]]]:
        """Each list's choices as (value, label, chosen), for the page to write in one plain loop: Django's
        widgets render a template for every option, which cost more than the rest of the page. Read only when
        the filters are shown (not for the table alone, nor for the export)."""
        latest = self.meetings.filter(Exists(Action.objects.filter(meeting=OuterRef("pk")))).order_by("-starts_at")
        offered = latest[:MEETINGS_OFFERED]
        if (chosen := number_from(self.data.get("meeting"))) is not None:
            offered = self.meetings.filter(Q(pk__in=offered.values("pk")) | Q(pk=chosen)).order_by("-starts_at")
        any_ = [("", "Any")]
        choices = {
            "status": Action.Status.choices,
            "goal": any_ + [(goal.pk, str(goal)) for goal in self.fields["goal"].queryset],
            "key_role": any_ + [(role.pk, str(role)) for role in self.fields["key_role"].queryset],
            "meeting": any_ + [(meeting.pk, str(meeting)) for meeting in offered],
            "sort": SORT_CHOICES,
        }
        options = {}
        for name, pairs in choices.items():
            value = self[name].value()  # As typed in the address; a list for the statuses.
            values = value if isinstance(value, list | tuple) else [value]
            if name == "status" and not value:
                # None chosen: the statuses the log shows, ticked, so that what is shown is plain to see.
                values = log_statuses(getattr(self, "cleaned_data", {}))
            chosen = {"" if v is None else str(v) for v in values}
            options[name] = [(str(v), label, str(v) in chosen) for v, label in pairs]
        return options

    def clean_organisation(self) -> str:
        name = self.cleaned_data["organisation"]
        if name and not Action.objects.filter(collaborative=self.collaborative, organisation=name).exists():
            raise forms.ValidationError("Select a valid choice. No action here has that lead organisation.")
        return name

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("due_from"), data.get("due_to")
        if start and end and end < start:
            self.add_error("due_to", "The end of the range must be after its start.")
        return data

    @property
    def live_only(self) -> bool:
        """Whether the log shows only live actions because no status was chosen (its default)."""
        data = getattr(self, "cleaned_data", {})
        return not (data.get("status") or data.get("finished") or data.get("done_from"))

    def summary(self) -> list[str]:
        """The filters that apply, in words, for a log that finds nothing and for the "Filter" control:
        "status open or blocked", "overdue"; with no status chosen, "not done or dropped" (the default)."""
        data = getattr(self, "cleaned_data", {})
        said = []
        if data.get("q"):
            said.append(f"“{data['q']}” in the title, description or organisation")
        if data.get("status"):
            labels = dict(Action.Status.choices)
            said.append("status " + " or ".join(str(labels[value]).lower() for value in data["status"]))
        elif self.live_only:
            said.append("not done or dropped")
        if data.get("done_from"):
            said.append(f"done since {data['done_from']:%-d %B %Y}")
        if data.get("overdue"):
            said.append("overdue")
        if data.get("owner"):
            said.append(f"owned by {data['owner'].display_name or 'a former member'}")
        elif data.get("owner_name"):
            said.append(f"an owner whose name holds “{data['owner_name']}”")
        if data.get("organisation"):
            said.append(f"led by {data['organisation']}")
        elif data.get("organisation_name"):
            said.append(f"a lead organisation whose name holds “{data['organisation_name']}”")
        for name, words in (
            ("goal", "for the goal"),
            ("key_role", "for the key role"),
            ("meeting", "from the meeting"),
        ):
            if data.get(name):
                said.append(f"{words} “{data[name]}”")
        if data.get("due_from"):
            said.append(f"due from {data['due_from']:%-d %B %Y}")
        if data.get("due_to"):
            said.append(f"due by {data['due_to']:%-d %B %Y}")
        if data.get("arising"):
            said.append(f"matters arising for the meeting on {data['arising'].local_start:%-d %B %Y}")
        return said


def log_statuses(filters: dict) -> list[str]:
    """The statuses of the actions the log shows for its filters (cleaned): those chosen; with none chosen, the
    live ones (open, in progress, blocked), or every one with "Include done and dropped actions" (`finished`),
    or those done with "Done since"."""
    if filters.get("status"):
        return list(filters["status"])
    if filters.get("done_from"):
        return [Action.Status.DONE]
    if filters.get("finished"):
        return list(Action.Status.values)
    return list(Action.LIVE)


def log_owners(collaborative: Collaborative):
    """The people the log can be filtered by: its members, and those who have left but own actions here."""
    owners = Action.objects.filter(collaborative=collaborative, owner__isnull=False).values("owner_id")
    return _members(collaborative, also=owners)


class ReviewRoundForm(forms.Form):
    title = forms.CharField(
        label="Name of the review",
        max_length=120,
        help_text="For example: Board report, January.",
        error_messages={
            "required": "Give the review a name.",
            "max_length": "The name is too long: keep it to 120 characters or fewer.",
        },
    )


class ReviewItemForm(forms.Form):
    comment = forms.CharField(
        label="Comment (optional)", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
