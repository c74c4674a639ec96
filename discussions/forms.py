"""The forms of the discussions pages: they validate, discussions/services.py writes."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from actions.forms import MemberChoiceField
from actions.models import Action
from collaborative.permissions import agenda_items_seen
from discussions.models import Comment, Thread
from meetings.models import AgendaItem, Meeting
from members.models import Membership, User
from vision.forms import DayField
from vision.models import Goal

# An agenda item can be talked about from a while before its meeting until a while after.
AGENDA_DAYS_BEFORE, AGENDA_DAYS_AFTER = 60, 120
LINK_CHOICES = 200  # At most this many of each kind on offer: a list on a phone, not the whole archive.


class AgendaItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AgendaItem) -> str:
        return f"{obj.title} (meeting of {obj.meeting.local_start:%-d %B %Y})"


class ThreadForm(forms.ModelForm):
    """A discussion's title and opening text, and what it is about (at most one thing); the choices are what the
    person may see in their Collaborative."""

    agenda_item = AgendaItemChoiceField(
        label="An agenda item it is about (optional)",
        queryset=AgendaItem.objects.none(),
        required=False,
        empty_label="None",
    )
    goal = forms.ModelChoiceField(
        label="A goal it is about (optional)", queryset=Goal.objects.none(), required=False, empty_label="None"
    )
    action = forms.ModelChoiceField(
        label="An action it is about (optional)", queryset=Action.objects.none(), required=False, empty_label="None"
    )

    class Meta:
        model = Thread
        fields = ["title", "text", "agenda_item", "goal", "action"]
        labels = {"title": "Title", "text": "What it is about"}
        widgets = {"text": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "title": "A few words that say what you want to talk about.",
            "text": "You can use Markdown, as in notes: **bold**, *italics*, lists with - at the start of a line.",
        }
        error_messages = {
            "title": {"required": "Give the discussion a title.", "max_length": "Keep the title to 200 characters."},
            "text": {"required": "Say what you would like to talk about."},
        }

    def __init__(self, *args, membership: Membership, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        collaborative = membership.collaborative
        now = timezone.now()
        items = agenda_items_seen(
            membership,
            AgendaItem.objects.filter(
                meeting__collaborative=collaborative,
                meeting__starts_at__gte=now - timedelta(days=AGENDA_DAYS_AFTER),
                meeting__starts_at__lte=now + timedelta(days=AGENDA_DAYS_BEFORE),
            ),
        ).select_related("meeting__collaborative")
        goals = Goal.objects.filter(collaborative=collaborative)
        actions = Action.objects.filter(collaborative=collaborative)
        # What it is linked to now stays on offer, so that saving a change keeps it.
        kept = self.instance
        self.fields["agenda_item"].queryset = _with(
            items.order_by("-meeting__starts_at", "position", "id"), kept.agenda_item_id
        )
        self.fields["goal"].queryset = _with(goals.order_by("status", "title"), kept.goal_id)
        self.fields["action"].queryset = _with(
            actions.order_by("-created_at", "-id"), kept.action_id, live=Action.objects.live()
        )

    def clean(self) -> dict:
        data = super().clean()
        chosen = [name for name in ("agenda_item", "goal", "action") if data.get(name)]
        if len(chosen) > 1:
            raise forms.ValidationError(
                "Link the discussion to one thing at most: an agenda item, a goal or an action."
            )
        for name in ("title", "text"):
            if isinstance(data.get(name), str):
                data[name] = data[name].strip()
                if not data[name]:
                    self.add_error(name, self.fields[name].error_messages["required"])
        return data


def _with(queryset, kept_pk: int | None, *, live=None):
    """The first LINK_CHOICES of `queryset` (of `live` ones, if given), and the one chosen before."""
    if live is not None:
        queryset = queryset.filter(pk__in=live.values("pk"))
    pks = list(queryset.values_list("pk", flat=True)[:LINK_CHOICES])
    if kept_pk is not None:
        pks.append(kept_pk)
    return queryset.model.objects.filter(pk__in=pks).order_by(*queryset.query.order_by)


class CommentForm(forms.Form):
    """A comment, or a reply to one."""

    text = forms.CharField(
        label="Your comment",
        max_length=Comment._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Write your comment before sending it.",
            "max_length": "Keep a comment to %(limit_value)d characters.",
        },
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CommentEditForm(forms.Form):
    text = forms.CharField(
        label="Your comment",
        max_length=Comment._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "A comment cannot be empty. To take it back, withdraw it instead.",
            "max_length": "Keep a comment to %(limit_value)d characters.",
        },
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label="Why it is hidden",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Say which ground rule it breaks. Only its author and the facilitators read this.",
        error_messages={"required": "Say why the comment is hidden: its author will read this."},
    )


class CloseForm(forms.Form):
    """What came of a discussion; optionally a decision of a meeting, or an action."""

    outcome = forms.CharField(
        label="What came of it",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Every member is emailed this.",
        error_messages={"required": "Write what came of the discussion before closing it."},
    )
    meeting = forms.ModelChoiceField(
        label="Record it as a decision of a meeting (optional)",
        queryset=Meeting.objects.none(),
        required=False,
        empty_label="No",
    )
    make_action = forms.BooleanField(label="Make it an action", required=False)
    action_title = forms.CharField(label="What will be done (for the action)", max_length=200, required=False)
    action_owner = MemberChoiceField(
        label="Who makes sure it happens (for the action)", queryset=User.objects.none(), required=False
    )
    action_due_on = DayField(label="Due date (for the action)", required=False)

    def __init__(self, *args, membership: Membership, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        collaborative = membership.collaborative
        now = timezone.now()
        # Decisions go into a meeting's notes: meetings from a while ago to the next few, not cancelled.
        self.fields["meeting"].queryset = (
            Meeting.objects.scheduled()
            .filter(
                collaborative=collaborative,
                starts_at__gte=now - timedelta(days=AGENDA_DAYS_AFTER),
                starts_at__lte=now + timedelta(days=AGENDA_DAYS_BEFORE),
                minutes_approved_at__isnull=True,
            )
            .select_related("collaborative")
            .order_by("-starts_at")
        )
        self.fields["action_owner"].queryset = User.objects.filter(
            pk__in=Membership.objects.current_in(collaborative).values("user_id")
        ).order_by("display_name", "pk")

    def clean(self) -> dict:
        data = super().clean()
        if isinstance(data.get("outcome"), str) and not data["outcome"].strip():
            self.add_error("outcome", self.fields["outcome"].error_messages["required"])
        if data.get("make_action"):
            if not data.get("action_due_on"):
                self.add_error("action_due_on", "Give the action a due date.")
            elif data["action_due_on"] < timezone.localdate():
                self.add_error("action_due_on", "Choose a due date from today on.")
        return data


class FollowForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("following", "Follow"), ("muted", "Mute"), ("none", "Stop following")],
        error_messages={
            "required": "Choose to follow, mute or stop following.",
            "invalid_choice": "Choose to follow, mute or stop following.",
        },
    )


class ThreadFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Show",
        choices=[("", "All discussions"), ("open", "Open"), ("closed", "Closed")],
        required=False,
    )
