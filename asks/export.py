"""The asks as a spreadsheet: CSV streamed row by row, or an Excel file, with every column.

Every cell a spreadsheet would read as a formula (a title typed as =HYPERLINK(...)) is made plain text
(collaborative.spreadsheets.inert), as the action log's export does. The responder's email address is left
out: the page shows it to facilitators only.
"""

from collections.abc import Iterable, Iterator
from datetime import date

from collaborative import spreadsheets
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


def csv_stream(asks: Iterable, today) -> Iterator[str]:
    """The asks as CSV, streamed row by row: every cell text, days as 2025-03-01, each made safe."""
    return spreadsheets.csv_stream(COLUMNS, (ask_values(item, today) for item in asks))


def xlsx_file(asks: Iterable, today):
    """The asks as an Excel file, written row by row to a temporary file, ready to stream."""
    return spreadsheets.xlsx_file("Asks", COLUMNS, (ask_values(item, today) for item in asks), WIDTHS)
