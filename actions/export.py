"""The action log as a spreadsheet: CSV streamed row by row, or an Excel file, with every column.

Cells that a spreadsheet would read as a formula (starting =, +, -, @, a tab or a
carriage return) are written with a leading apostrophe, so a title such as
=HYPERLINK(...) typed into an action shows as text and never runs.
"""

from collections.abc import Iterable, Iterator

from django.urls import reverse

from actions.models import person_name
from collaborative import spreadsheets
from notifications.links import site_url

COLUMNS = [
    "Action number",
    "Title",
    "Description",
    "Status",
    "Why blocked or dropped",
    "Owner",
    "Supporters",
    "Lead organisation",
    "Due date",
    "Overdue",
    "Done on",
    "Goal",
    "Key role",
    "From the meeting",
    "From the agenda item",
    "From the decision",
    "Latest update",
    "Latest update on",
    "Latest update link",
    "Latest update file",
    "Created on",
    "Last changed",
    "Address",
]


def _supporters(action):
    """The supporters as the export reads them with the rows, in a plain list (building a query set for each
    of 10,000 actions took a quarter of the time); or else from the database."""
    supporters = getattr(action, "supporters_by_name", None)
    return action.supporters.all() if supporters is None else supporters


# How wide each column of the Excel file is, in characters: the long texts wider, the rest to fit their heading.
WIDTHS = {"Title": 40, "Description": 50, "Why blocked or dropped": 30, "Latest update": 50, "Address": 40}
WIDTHS |= {"Goal": 30, "From the agenda item": 30, "From the decision": 40, "Latest update link": 30}


def action_values(action, today) -> list:
    """One action as a row of COLUMNS: its number a number, its days dates (None when it has none), the rest
    text (people by their names now: "Former member" after an erasure).

    Dates are the Collaborative's own: something done at 12.30am in a London summer is done that day,
    not the day before (when it was still 11.30pm by UTC).
    """
    collaborative = action.collaborative

    def day(moment):
        return collaborative.local_now(moment).date() if moment else None

    return [
        action.pk,
        action.title,
        action.description,
        action.get_status_display(),
        action.status_reason,
        person_name(action.owner),
        ", ".join(person_name(person) for person in _supporters(action)),
        action.organisation,
        action.due_on,
        "Yes" if action.is_overdue(today) else "No",
        day(action.done_at),
        action.goal.title if action.goal_id else "",
        str(action.key_role) if action.key_role_id else "",
        action.meeting.local_start.date() if action.meeting_id else None,
        action.agenda_item.title if action.agenda_item_id else "",
        action.decision.text if action.decision_id else "",
        action.latest_update_text or "",
        day(action.latest_update_at),
        action.latest_update_link or "",
        site_url(reverse("actions:evidence", kwargs={"slug": action.collaborative.slug, "pk": action.latest_update_id}))
        if action.latest_update_file
        else "",
        day(action.created_at),
        day(action.updated_at),
        site_url(getattr(action, "address", None) or action.get_absolute_url()),
    ]


def csv_stream(actions: Iterable, today) -> Iterator[str]:
    """The actions as CSV, streamed row by row: every cell text, days as 2025-03-01, each made safe."""
    return spreadsheets.csv_stream(COLUMNS, (action_values(item, today) for item in actions))


def xlsx_file(actions: Iterable, today):
    """The actions as an Excel file, written row by row to a temporary file, ready to stream."""
    return spreadsheets.xlsx_file("Actions", COLUMNS, (action_values(item, today) for item in actions), WIDTHS)
