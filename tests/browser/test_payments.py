"""Payments in the browser (issue 16): a member on a 320 px phone claims a bus fare with a photo of the ticket;
the payments contact (two-step sign-in) approves it in place, downloads what is to be paid as CSV, and marks it
paid with the date and a reference. axe runs on every page visited."""

import csv

import pytest
from playwright.sync_api import expect

from payments.models import Line, LineEvent
from tests.browser.conftest import sign_in
from tests.browser.test_meetings import heading
from tests.browser.test_vision import NARROW, no_sideways_scroll
from tests.factories import MembershipFactory, PaymentChoiceFactory, PaymentSettingsFactory

pytestmark = pytest.mark.browser

# A small but real PDF: the receipt is checked by what is in the file, not by its name.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.EVIDENCE_ROOT


def test_a_claim_from_a_phone_approved_exported_and_paid(new_page, axe, collaborative, evidence_root, tmp_path):
    PaymentSettingsFactory(collaborative=collaborative)
    ama = MembershipFactory(collaborative=collaborative, user__display_name="Ama Mensah").user
    PaymentChoiceFactory(collaborative=collaborative, user=ama)
    priya = MembershipFactory(collaborative=collaborative, handles_payments=True, user__display_name="Priya").user

    # The member, at 320 px.
    phone = new_page(viewport=NARROW)
    phone.goto("/")
    sign_in(phone, ama.email)
    phone.goto("/c/lambeth/payments/claim/")
    expect(heading(phone, "Claim expenses")).to_be_visible()
    no_sideways_scroll(phone)
    axe(phone)
    phone.get_by_label("What it was for").fill("Bus to the meeting and back")
    phone.get_by_label("Kind of expense").select_option(label="Bus, train or tram fares")
    phone.get_by_label("Amount in pounds").fill("4.80")
    phone.get_by_label("Receipt or ticket").set_input_files(
        {"name": "bus ticket.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    phone.get_by_role("button", name="Send the claim").click()
    expect(phone.get_by_role("status").first).to_have_text("Your claim for £4.80 has been sent for approval.")
    expect(heading(phone, "Bus to the meeting and back")).to_be_visible()
    expect(phone.get_by_role("link", name="bus ticket.pdf")).to_be_visible()
    no_sideways_scroll(phone)
    axe(phone)
    line = Line.objects.get()
    assert (line.amount_pence, line.status, line.receipt_name) == (480, Line.Status.WAITING, "bus ticket.pdf")

    # The payments contact approves it in place, downloads what is to be paid, and marks it paid.
    page = new_page()
    page.goto("/")
    sign_in(page, priya.email)
    page.goto("/c/lambeth/payments/waiting/")
    expect(heading(page, "What waits to be paid")).to_be_visible()
    axe(page)
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("button", name="Approve: Bus to the meeting and back, Ama Mensah").click()
    row = page.locator(f"#line-{line.pk}")
    expect(row).to_contain_text("Approved, to be paid")
    assert page.evaluate("window.stillTheSamePage")
    axe(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    saved = tmp_path / "to-pay.csv"
    download_info.value.save_as(saved)
    with open(saved, encoding="utf-8-sig", newline="") as exported:
        rows = list(csv.reader(exported))
    assert rows[1][:5] == ["Ama Mensah", ama.email, "Ama Mensah", "Bank transfer", "Bus to the meeting and back"]
    assert rows[1][7] == "4.80"
    assert rows[-1] == ["Ama Mensah", ama.email, "Ama Mensah", "Bank transfer", "1", "4.80"]
    row.get_by_label("Paid: Bus to the meeting and back, Ama Mensah").check()
    page.get_by_label("Payment reference").fill("BACS 0612")
    page.get_by_role("button", name="Mark paid").click()
    expect(page.get_by_role("status").first).to_have_text("1 line marked paid.")
    expect(page.get_by_text("Nothing waits: everything has been approved and paid.")).to_be_visible()
    axe(page)
    line.refresh_from_db()
    assert (line.status, line.paid_reference) == (Line.Status.PAID, "BACS 0612")
    assert [event.what for event in line.events.all()] == ["created", LineEvent.What.APPROVED, LineEvent.What.PAID]
