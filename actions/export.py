"""The action log as a spreadsheet: CSV streamed row by row, or an Excel file, with every column.

Cells that a spreadsheet would read as a formula (starting =, +, -, @, a tab or a
carriage return) are written with a leading apostrophe, so a title such as
=HYPERLINK(...) typed into an action shows as text and never runs.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date

from django.urls import reverse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

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


def action_row(action, today) -> list[str]:
    """One action as the CSV writes it: every cell text, days as 2025-03-01, each made safe (inert)."""
    return [
        inert("" if value is None else value.isoformat() if isinstance(value, date) else value)
        for value in action_values(action, today)
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
    # A bold heading that stays in view, a filter on every column, and columns wide enough to read.
    sheet.freeze_panes = "A2"
    for number, heading in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = WIDTHS.get(heading, max(len(heading) + 2, 12))
    headings = []
    for heading in COLUMNS:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = Font(bold=True)
        headings.append(cell)
    sheet.append(headings)
    rows = 0
    for action in actions:
        # Numbers and dates as themselves, so that they sort and filter. Control characters (a bell, an escape)
        # cannot be stored in a worksheet: left out of the text rather than fail, which is then made safe.
        sheet.append(
            [
                inert(ILLEGAL_CHARACTERS_RE.sub("", value)) if isinstance(value, str) else value
                for value in action_values(action, today)
            ]
        )
        rows += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{rows + 1}"
    # Returned open for FileResponse to stream and close: a context manager would close it too soon.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(spool)
    spool.seek(0)
    return spool
