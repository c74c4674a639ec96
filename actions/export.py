"""The action log as a spreadsheet: CSV streamed row by row, or an Excel file, with every column.

Cells that a spreadsheet would read as a formula (starting =, +, -, @, a tab or a
carriage return) are written with a leading apostrophe, so a title such as
=HYPERLINK(...) typed into an action shows as text and never runs.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator

from django.urls import reverse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from actions.models import person_name
from collaborative.spreadsheets import BYTE_ORDER_MARK, inert
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


def action_row(action, today) -> list[str]:
    """One action as a row of COLUMNS (people by their names now: "Former member" after an erasure).

    Dates are the Collaborative's own: something done at 12.30am in a London summer is done that day,
    not the day before (when it was still 11.30pm by UTC).
    """
    collaborative = action.collaborative

    def day(moment) -> str:
        return collaborative.local_now(moment).date().isoformat() if moment else ""

    return [
        inert(value)
        for value in [
            action.pk,
            action.title,
            action.description,
            action.get_status_display(),
            action.status_reason,
            person_name(action.owner),
            ", ".join(person_name(person) for person in _supporters(action)),
            action.organisation,
            action.due_on.isoformat(),
            "Yes" if action.is_overdue(today) else "No",
            day(action.done_at),
            action.goal.title if action.goal_id else "",
            str(action.key_role) if action.key_role_id else "",
            action.meeting.local_start.date().isoformat() if action.meeting_id else "",
            action.agenda_item.title if action.agenda_item_id else "",
            action.decision.text if action.decision_id else "",
            action.latest_update_text or "",
            day(action.latest_update_at),
            action.latest_update_link or "",
            site_url(
                reverse("actions:evidence", kwargs={"slug": action.collaborative.slug, "pk": action.latest_update_id})
            )
            if action.latest_update_file
            else "",
            day(action.created_at),
            day(action.updated_at),
            site_url(getattr(action, "address", None) or action.get_absolute_url()),
        ]
    ]


class _Echo:
    """A file-like object that hands back what is written, for streaming CSV."""

    def write(self, value: str) -> str:
        return value


def csv_stream(actions: Iterable, today) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BYTE_ORDER_MARK + writer.writerow(COLUMNS)
    for action in actions:
        yield writer.writerow(action_row(action, today))


def xlsx_file(actions: Iterable, today):
    """An Excel file of the actions, written row by row to a temporary file, ready to stream."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Actions")
    sheet.append(COLUMNS)
    for action in actions:
        # Control characters (a bell, an escape) cannot be stored in a worksheet: left out rather than fail,
        # then checked again, as what they hid may now start like a formula.
        sheet.append([inert(ILLEGAL_CHARACTERS_RE.sub("", cell)) for cell in action_row(action, today)])
    # Returned open for FileResponse to stream and close: a context manager would close it too soon.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(spool)
    spool.seek(0)
    return spool
