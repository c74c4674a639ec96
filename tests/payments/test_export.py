"""What is approved and not yet paid, for finance: one row a line, then totals per person, formula-safe."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from payments.models import Choice, Line
from tests.factories import MembershipFactory, PaymentChoiceFactory
from tests.payments.claims import a_line, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def to_pay(collaborative, member, paying):
    member.display_name = "Ada Carer"
    member.save()
    other = MembershipFactory(collaborative=collaborative, user__display_name="=HYPERLINK(1)").user
    PaymentChoiceFactory(collaborative=collaborative, user=other, choice=Choice.CHARITY, charity="Mind in Lambeth")
    a_line(collaborative, member, pence=1250, status=Line.Status.APPROVED, description="Bus", method="bank_transfer")
    a_line(
        collaborative, member, pence=563, status=Line.Status.APPROVED, description="@SUM(A1)", method="bank_transfer"
    )
    a_line(collaborative, other, pence=3000, status=Line.Status.APPROVED, payee="Mind in Lambeth")
    a_line(collaborative, member, pence=999, status=Line.Status.WAITING, description="Not yet approved")
    a_line(collaborative, member, pence=777, status=Line.Status.PAID, paid_on=date(2026, 12, 1), description="Paid")
    return member, other


def rows_of(response) -> list[list[str]]:
    content = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


def test_the_csv_has_a_row_a_line_then_totals_per_person(client, contact, to_pay):
    member, other = to_pay
    client.force_login(contact)
    response = client.get(url("export_csv"))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="to-pay-lambeth-')
    rows = rows_of(response)
    assert rows[0] == ["Person", "Email", "Pay to", "How", "What", "Kind", "Day", "Amount (£)", "Line number"]
    lines = rows[1:4]
    assert {(row[0], row[4], row[7]) for row in lines} == {
        ("Ada Carer", "Bus", "12.50"),
        ("Ada Carer", "'@SUM(A1)", "5.63"),  # Made plain text: it never runs.
        ("'=HYPERLINK(1)", "Bus to the meeting", "30.00"),
    }
    bus = next(row for row in lines if row[4] == "Bus")
    assert (bus[1], bus[2], bus[3], bus[5]) == (member.email, "Ada Carer", "Bank transfer", "Bus, train or tram fares")
    assert next(row for row in lines if row[0] == "'=HYPERLINK(1)")[2] == "Mind in Lambeth"
    assert rows[4] == []
    assert rows[5] == ["Totals per person"]
    assert rows[6] == ["Person", "Email", "Pay to", "How", "Lines", "Total (£)"]
    assert rows[7:] == [
        ["'=HYPERLINK(1)", other.email, "Mind in Lambeth", "", "1", "30.00"],
        ["Ada Carer", member.email, "Ada Carer", "Bank transfer", "2", "18.13"],
    ]
    page = response.content.decode()
    assert "Not yet approved" not in page
    assert "Paid" not in page.replace("Pay to", "")


def test_the_excel_file_has_the_lines_and_the_totals_as_numbers(client, contact, to_pay):
    client.force_login(contact)
    response = client.get(url("export_xlsx"))

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    lines = list(workbook["To pay"].values)
    assert lines[0][0] == "Person"
    assert len(lines) == 4
    assert {(row[0], row[4], Decimal(str(row[7]))) for row in lines[1:]} == {
        ("Ada Carer", "Bus", Decimal("12.5")),
        ("Ada Carer", "'@SUM(A1)", Decimal("5.63")),
        ("'=HYPERLINK(1)", "Bus to the meeting", Decimal("30")),
    }
    totals = list(workbook["Totals per person"].values)
    assert [(row[0], row[4], Decimal(str(row[5]))) for row in totals[1:]] == [
        ("'=HYPERLINK(1)", 1, Decimal("30")),
        ("Ada Carer", 2, Decimal("18.13")),
    ]


def test_only_the_payments_contact_exports(client, people, paying):
    for who in ("member", "facilitator", "commissioner"):
        client.force_login(people[who])
        assert client.get(url("export_csv")).status_code == 403, who
        assert client.get(url("export_xlsx")).status_code == 403, who
    client.force_login(people["outsider"])
    assert client.get(url("export_csv")).status_code == 404
