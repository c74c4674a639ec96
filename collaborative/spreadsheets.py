"""Writing cells that a spreadsheet opens safely.

A cell starting =, +, -, @, a tab or a carriage return (or their full-width forms) is
read by Excel and others as a formula, so a title such as =HYPERLINK(...) typed by a
member could run when someone opens the download. Such cells get a leading apostrophe:
they show as the text that was typed, and never run.
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

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Written first in a CSV file so that Excel reads it as UTF-8 (names with accents stay right).
BYTE_ORDER_MARK = "\ufeff"


def inert(value) -> str:
    """A cell's text, with anything a spreadsheet would run as a formula made plain text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell_text(value) -> str:
    """A value as a CSV cell: days as 2025-03-01, nothing as empty, and made safe (inert)."""
    return inert("" if value is None else value.isoformat() if isinstance(value, date) else value)


class _Echo:
    """A file-like object that hands back what is written, for streaming CSV."""

    def write(self, value: str) -> str:
        return value


def csv_stream(columns: list[str], rows: Iterable[list]) -> Iterator[str]:
    """A CSV file line by line, for a streaming response: the headings, then each row's cells as text."""
    writer = csv.writer(_Echo())
    yield BYTE_ORDER_MARK + writer.writerow(columns)
    for row in rows:
        yield writer.writerow([cell_text(value) for value in row])


def xlsx_file(title: str, columns: list[str], rows: Iterable[list], widths: dict[str, int]):
    """An Excel file written row by row to a temporary file, ready to stream: a bold heading that stays in view,
    a filter on every column, and columns wide enough to read. Numbers and dates stay themselves, so that they
    sort and filter. Control characters (a bell, an escape) cannot be stored in a worksheet: they are left out
    of the text rather than fail, which is then made safe."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for number, heading in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = widths.get(heading, max(len(heading) + 2, 12))
    headings = []
    for heading in columns:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = Font(bold=True)
        headings.append(cell)
    sheet.append(headings)
    count = 0
    for row in rows:
        sheet.append(
            [inert(ILLEGAL_CHARACTERS_RE.sub("", value)) if isinstance(value, str) else value for value in row]
        )
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    # Returned open for FileResponse to stream and close: a context manager would close it too soon.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(spool)
    spool.seek(0)
    return spool
