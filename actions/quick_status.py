"""The quick status change of each of "My actions": on the home page, which is one form, and in place with htmx."""

from functools import cache

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from actions.forms import StatusForm
from actions.models import Action
from actions.services import action_change
from collaborative.views import addresses
from members.models import Collaborative, User


def quick_status_form(action: Action, data=None) -> StatusForm:
    """The home page is one form, so each action's fields are named after it: action-<id>-status and
    action-<id>-status_reason."""
    return StatusForm(data, prefix=f"action-{action.pk}")


def quick_status_save(action: Action, data: QueryDict, *, by: User) -> str:
    """Save the quick status change posted for one action: "" when saved, else what is wrong (nothing changed)."""
    form = quick_status_form(action, data)
    if not form.is_valid():
        return next(iter(form.errors.values()))[0]
    try:
        action_change(
            action=action,
            by=by,
            changes={"status": form.cleaned_data["status"], "status_reason": form.cleaned_data["status_reason"]},
        )
    except ValidationError as problem:
        return problem.messages[0]
    return ""


def quick_status_addresses(actions: list[Action], collaborative: Collaborative) -> None:
    """Give each action shown with its quick status its address and the quick status's (`url`, `status_url`):
    one reverse() each for the list, not two for each action, which cost more than the rest of its row."""
    detail = addresses("actions:detail", slug=collaborative.slug)
    status = addresses("actions:status", slug=collaborative.slug)
    for action in actions:
        action.url, action.status_url = detail(action.pk), status(action.pk)


@cache
def _status_options() -> dict[str | None, SafeString]:
    """The status list's <option>s, made once for each status chosen (and for none), rather than for each action."""
    return {
        chosen: format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (value, mark_safe(" selected") if value == chosen else "", label)
                for value, label in Action.Status.choices
            ),
        )
        for chosen in [*Action.Status.values, None]
    }


def quick_status_shown(action: Action, typed=None, error: str = "") -> None:
    """What an action's quick status shows: what was posted for it (`typed`, the home page's form) if it differs
    from what is saved, marked as not saved yet; otherwise what is saved."""
    status = reason = None
    if typed is not None:
        form = quick_status_form(action)
        status, reason = typed.get(form.add_prefix("status")), typed.get(form.add_prefix("status_reason"), "")
    action.unsaved = status is not None and (status, reason.strip()) != (action.status, action.status_reason)
    if not action.unsaved:
        status, reason = action.status, action.status_reason
    action.typed_status, action.typed_reason = status, reason
    options = _status_options()
    action.status_options = options.get(status, options[None])
    action.error = error
