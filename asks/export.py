"""The asks as a spreadsheet: CSV streamed row by row, or an Excel file, with every column.

Every cell a spreadsheet would read as a formula (a title typed as =HYPERLINK(...)) is made plain text
(collaborative.spreadsheets.inert), as the action log's export does. The responder's email address is left
out: the page shows it to facilitators only.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from collaborative.spreadsheets import BYTE_ORDER_MARK, inert
from notifications.links import site_url

COLUMNS = [
    "Ask number",
    "What we ask, in a line",
    "What we ask",
    "Why we ask",
    "Status",
    "Organisation",
    "Responder",
    "Responder's role",
    "Sent on",
    "Due date",
    "Overdue",
    "Answered on",
    "Goal",
    "Key role",
    "Created on",
    "Last changed",
    "Address",
]
WIDTHS = {"What we ask, in a line": 40, "What we ask": 50, "Why we ask": 50, "Organisation": 30, "Address": 40}


def ask_values(ask, today: date) -> list:
    """One ask as a row of COLUMNS: its number a number, its days dates (None when it has none), the rest text."""
    collaborative = ask.collaborative
    return [
        ask.pk,
        ask.title,
        ask.request,
        ask.reasons,
        ask.get_status_display(),
        ask.organisation,
        ask.responder_name,
        ask.responder_role,
        ask.sent_on,
        ask.due_on,
        "Yes" if ask.is_overdue(today) else "No",
        ask.answered_on,
        ask.goal.title if ask.goal_id else "",
        str(ask.key_role) if ask.key_role_id else "",
        collaborative.local_now(ask.created_at).date(),
        collaborative.local_now(ask.updated_at).date(),
        site_url(getattr(ask, "address", None) or ask.get_absolute_url()),
    ]


def ask_row(ask, today: date) -> list[str]:
    """One ask as the CSV writes it: every cell text, days as 2026-03-01, each made safe (inert)."""
    return [
        inert("" if value is None else value.isoformat() if isinstance(value, date) else value)
        for value in ask_values(ask, today)
    ]


class _Echo:
    """A file-like object that hands back what is written, for streaming CSV."""

    def write(self, value: str) -> str:
        return value


def csv_stream(asks: Iterable, today: date) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BYTE_ORDER_MARK + writer.writerow(COLUMNS)
    for ask in asks:
        yield writer.writerow(ask_row(ask, today))


def xlsx_file(asks: Iterable, today: date):
    """An Excel file of the asks, written row by row to a temporary file, ready to stream."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Asks")
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
    for ask in asks:
        sheet.append(
            [
                inert(ILLEGAL_CHARACTERS_RE.sub("", value)) if isinstance(value, str) else value
                for value in ask_values(ask, today)
            ]
        )
        rows += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{rows + 1}"
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - returned open for FileResponse to stream and close.
    workbook.save(spool)
    spool.seek(0)
    return spool
