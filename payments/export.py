"""What is approved and not yet paid, for finance: CSV or Excel, one row a line, then the totals per person.

Every cell a spreadsheet would read as a formula (a description typed as =HYPERLINK(...)) is made plain
text (collaborative.spreadsheets.inert), as the action log's export does.
"""

import csv
import io
import tempfile
from collections.abc import Iterable
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from actions.models import person_name
from collaborative.spreadsheets import BYTE_ORDER_MARK, inert
from payments.money import pounds_plain

COLUMNS = ["Person", "Email", "Pay to", "How", "What", "Kind", "Day", "Amount (£)", "Line number"]
TOTAL_COLUMNS = ["Person", "Email", "Pay to", "How", "Lines", "Total (£)"]
WIDTHS = {"Person": 25, "Email": 30, "Pay to": 25, "What": 45, "Kind": 22}


def _what(line) -> str:
    if line.reverses_id:
        return f"Correction of line {line.reverses_id}: {line.description}"
    return line.description


def export_rows(lines: Iterable) -> tuple[list[list], list[list]]:
    """(one row a line, one row a payment with its total), amounts in pence; lines in the order given. A total
    is per person, payee and method: a person with lines to their charity and lines to themselves gets two.
    A ticket booked for someone is never paid to them, so it is left out."""
    rows, totals = [], {}
    for line in lines:
        if line.kind == "booking":
            continue
        name = person_name(line.user)
        email = line.user.email
        kind = line.get_expense_type_display() if line.expense_type else line.get_kind_display()
        rows.append(
            [
                name,
                email,
                line.payee or name,
                line.get_method_display(),
                _what(line),
                kind,
                line.activity_on,
                line.amount_pence,
                line.pk,
            ]
        )
        payee, method = line.payee or name, line.get_method_display()
        total = totals.setdefault((line.user_id, line.payee, line.method), [name, email, payee, method, 0, 0])
        total[4] += 1
        total[5] += line.amount_pence
    return rows, sorted(totals.values(), key=lambda row: (row[0].casefold(), row[1], row[2], row[3]))


def csv_text(lines: Iterable) -> str:
    rows, totals = export_rows(lines)
    out = io.StringIO()
    writer = csv.writer(out)
    out.write(BYTE_ORDER_MARK)
    writer.writerow(COLUMNS)
    for row in rows:
        *text, day, pence, number = row
        writer.writerow([inert(value) for value in text] + [day.isoformat(), pounds_plain(pence), number])
    writer.writerow([])
    writer.writerow(["Totals per person"])
    writer.writerow(TOTAL_COLUMNS)
    for *text, count, pence in totals:
        writer.writerow([inert(value) for value in text] + [count, pounds_plain(pence)])
    return out.getvalue()


def _cell(sheet, value, bold: bool = False):
    if isinstance(value, str):
        value = inert(ILLEGAL_CHARACTERS_RE.sub("", value))
    cell = WriteOnlyCell(sheet, value=value)
    if bold:
        cell.font = Font(bold=True)
    return cell


def xlsx_file(lines: Iterable):
    """An Excel file: a sheet of lines and one of totals, amounts as numbers in pounds so that they add up."""
    rows, totals = export_rows(lines)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("To pay")
    sheet.freeze_panes = "A2"
    for number, heading in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = WIDTHS.get(heading, max(len(heading) + 2, 12))
    sheet.append([_cell(sheet, heading, bold=True) for heading in COLUMNS])
    for *text, day, pence, number in rows:
        amount = _cell(sheet, Decimal(pence) / 100)
        amount.number_format = "0.00"
        sheet.append([_cell(sheet, value) for value in text] + [_cell(sheet, day), amount, number])
    per_person = workbook.create_sheet("Totals per person")
    per_person.append([_cell(per_person, heading, bold=True) for heading in TOTAL_COLUMNS])
    for *text, count, pence in totals:
        amount = _cell(per_person, Decimal(pence) / 100)
        amount.number_format = "0.00"
        per_person.append([_cell(per_person, value) for value in text] + [count, amount])
    # Returned open for FileResponse to stream and close.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(spool)
    spool.seek(0)
    return spool
