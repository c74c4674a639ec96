import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from asks.export import COLUMNS
from tests.factories import AskFactory, ask_sent

pytestmark = pytest.mark.django_db


def export(client, collaborative, format: str, query: str = ""):
    return client.get(reverse(f"asks:export_{format}", kwargs={"slug": collaborative.slug}) + query)


def test_the_csv_holds_the_asks_as_filtered_and_no_cell_runs_as_a_formula(member_client, facilitator, collaborative):
    sent = AskFactory(collaborative=collaborative, title='=HYPERLINK("https://evil.example")')
    ask_sent(sent, by=facilitator)
    AskFactory(collaborative=collaborative, title="Draft", organisation="Lambeth Council")

    response = export(member_client, collaborative, "csv", "?status=waiting")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="asks-lambeth-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == COLUMNS
    assert len(rows) == 2
    row = dict(zip(COLUMNS, rows[1], strict=True))
    assert row["What we ask, in a line"] == '\'=HYPERLINK("https://evil.example")'
    assert row["Status"] == "Sent, waiting for an answer"
    assert row["Address"].endswith(sent.get_absolute_url())
    assert sent.responder_email not in b"".join(export(member_client, collaborative, "csv").streaming_content).decode()


def test_the_excel_file_has_dates_as_dates_and_text_made_safe(member_client, facilitator, collaborative):
    sent = AskFactory(collaborative=collaborative, title="+1 more cafe")
    ask_sent(sent, by=facilitator)

    response = export(member_client, collaborative, "xlsx")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    row = dict(zip(COLUMNS, rows[1], strict=True))
    assert row["What we ask, in a line"] == "'+1 more cafe"
    assert row["Sent on"].date() == sent.sendings.get().sent_on


def test_outsiders_get_404(client, people, collaborative):
    client.force_login(people["outsider"])
    assert export(client, collaborative, "csv").status_code == 404
    assert export(client, collaborative, "xlsx").status_code == 404
