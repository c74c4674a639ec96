"""The responder's page, through the signed link emailed to them, with no account: the ask, its files, and one
answer (or, once, more time)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from asks import views
from asks.links import responder_token
from asks.models import Answer, Ask, AskEvent, AskEvidence, ResponderLink, Sending
from asks.services import ask_link_resend, ask_sent_notify, sending_make
from collaborative.working_days import add_working_days
from tests.asks.conftest import PDF, pdf
from tests.factories import ask_sent_for_test

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(collaborative, facilitator):
    """An ask sent today, and the path of the responder's link."""
    ask, token = ask_sent_for_test(collaborative, by=facilitator)
    return ask, reverse("asks:respond", kwargs={"token": token})


def answer(client, url, **data):
    data = {"kind": "will", "text": "We will open on Sundays from March.", "name": "Priya Shah", **data}
    return client.post(url, data)


def test_the_link_opens_the_ask_and_the_form_without_an_account(client, sent):
    ask, url = sent
    page = client.get(url).content.decode()
    assert escape(ask.title) in page
    for choice in ("We will do this", "We will do part of this", "We cannot, because…", "We need until …"):
        assert choice in page
    assert f"{ask.due_on:%-d %B %Y}" in page
    assert 'enctype="multipart/form-data"' in page


def test_a_changed_link_says_plainly_it_does_not_work(client, sent):
    _ask, url = sent
    response = client.get(url[:-3] + "xyz/")
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert client.post(url[:-3] + "xyz/", {"kind": "will"}).status_code == 400
    assert not Answer.objects.exists()


def test_an_answer_is_recorded_once_and_the_link_then_shows_it_never_a_form(client, sent):
    ask, url = sent
    response = answer(client, url, role="Director")
    assert response.status_code == 302

    ask.refresh_from_db()
    sending = ask.sendings.get()
    given = Answer.objects.get()
    assert (given.kind, given.name, given.role, given.link.used_at is not None) == (
        "will",
        "Priya Shah",
        "Director",
        True,
    )
    assert ask.status == Ask.Status.ANSWERED
    assert ask.answered_on == sending.answered_on == ask.collaborative.local_today()
    event = ask.events.get(what=AskEvent.What.ANSWERED)
    assert (event.by, event.by_name, event.answer) == (None, "Priya Shah, Director", given)

    page = client.get(url).content.decode()
    assert "Your answer is recorded" in page
    assert "We will open on Sundays from March." in page
    assert '<form method="post" action="/asks/' not in page
    again = answer(client, url, kind="cannot", text="Changed our mind.")
    assert again.status_code == 400
    assert Answer.objects.count() == 1


def test_the_link_runs_out_60_days_after_it_was_sent(client, sent, facilitator):
    ask, url = sent
    link = ResponderLink.objects.get(ask=ask, purpose="answer")
    assert link.expires_at == link.created_at + timedelta(days=60)
    ResponderLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = answer(client, url)
    assert response.status_code == 400
    page = response.content.decode()
    assert "This link has run out" in page
    assert facilitator.email in page  # Who to write to instead.
    assert not Answer.objects.exists()


def test_sending_the_link_again_stops_the_old_one_and_the_new_one_answers(client, sent, facilitator):
    ask, old_url = sent
    new = ask_link_resend(ask=ask, by=facilitator)
    new_url = reverse("asks:respond", kwargs={"token": responder_token(new)})

    refused = answer(client, old_url)
    assert refused.status_code == 400
    assert "A newer link was sent to you" in refused.content.decode()
    assert answer(client, new_url).status_code == 302
    assert Answer.objects.get().link == new
    assert ask.events.filter(what=AskEvent.What.RESENT).count() == 1


def test_a_withdrawn_asks_link_stops_working(client, sent):
    ask, url = sent
    Ask.objects.filter(pk=ask.pk).update(status=Ask.Status.WITHDRAWN)
    assert client.get(url).status_code == 400
    assert answer(client, url).status_code == 400
    assert not Answer.objects.exists()


def test_more_time_moves_the_due_date_once_and_the_same_link_then_answers(client, sent):
    ask, url = sent
    first_due = ask.due_on
    later = add_working_days(first_due, 10)

    response = answer(client, url, kind="more_time", until=later.isoformat(), text="Our board meets on the 20th.")
    assert response.status_code == 302
    ask.refresh_from_db()
    sending = ask.sendings.get()
    assert (ask.status, ask.due_on, sending.due_on, sending.first_due_on) == ("waiting", later, later, first_due)
    assert sending.responder_extended
    assert ask.events.filter(what=AskEvent.What.MORE_TIME, by_name="Priya Shah").exists()

    again = answer(client, url, kind="more_time", until=(later + timedelta(days=7)).isoformat(), text="Still busy.")
    assert again.status_code == 400
    assert "You have already moved the due date once" in again.content.decode()
    ask.refresh_from_db()
    assert ask.due_on == later

    assert answer(client, url, kind="part").status_code == 302
    ask.refresh_from_db()
    assert ask.status == Ask.Status.ANSWERED
    assert list(Answer.objects.values_list("kind", flat=True)) == ["more_time", "part"]


def test_files_come_with_the_answer_checked_by_what_is_inside(client, sent):
    ask, url = sent
    program = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 a program", content_type="application/pdf")
    refused = answer(client, url, files=[program])
    assert refused.status_code == 400
    assert "This kind of file cannot be added." in refused.content.decode()
    assert not Answer.objects.exists()
    assert not AskEvidence.objects.exists()

    assert answer(client, url, files=[pdf("Sunday plan.pdf"), pdf("budget.pdf")]).status_code == 302
    given = Answer.objects.get()
    files = list(given.files.order_by("pk"))
    assert [(item.file_name, item.file_type, item.ask_id) for item in files] == [
        ("Sunday plan.pdf", "application/pdf", ask.pk),
        ("budget.pdf", "application/pdf", ask.pk),
    ]


def test_the_asks_files_download_through_the_link_and_no_others(client, collaborative, facilitator):
    ask, token = ask_sent_for_test(collaborative, by=facilitator)
    evidence = AskEvidence.objects.create(
        ask=ask, file=pdf("survey.pdf"), file_name="survey.pdf", file_type="application/pdf"
    )
    other, _ = ask_sent_for_test(collaborative, by=facilitator)
    elsewhere = AskEvidence.objects.create(ask=other, file=pdf(), file_name="other.pdf", file_type="application/pdf")

    page = client.get(reverse("asks:respond", kwargs={"token": token})).content.decode()
    assert "survey.pdf" in page
    file_url = views._file_url(token, evidence)
    assert file_url in page
    response = client.get(file_url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    assert client.get(views._file_url(token, elsewhere)).status_code == 404
    tampered = reverse("asks:respond_file", kwargs={"token": token, "file": f"{evidence.pk}:forged"})
    assert client.get(tampered).status_code == 400


def test_a_second_answer_comes_through_a_new_link_beside_the_first(client, sent, facilitator):
    ask, url = sent
    answer(client, url, kind="cannot", text="We have no money for Sundays.")
    again = sending_make(ask=ask, kind=Sending.Kind.AGAIN, by=facilitator, today=ask.collaborative.local_today())
    ask_sent_notify(again)
    link = again.links.get()

    assert (
        answer(client, reverse("asks:respond", kwargs={"token": responder_token(link)}), kind="part").status_code == 302
    )
    first, second = Answer.objects.order_by("pk")
    assert (first.kind, first.text, first.sending.kind) == ("cannot", "We have no money for Sundays.", "first")
    assert (second.kind, second.sending) == ("part", again)


def test_posting_too_often_from_one_address_is_refused_for_a_while(client, sent, monkeypatch):
    _ask, url = sent
    monkeypatch.setattr(views, "RESPONDER_POSTS_PER_HOUR", 2)
    for _ in range(2):
        assert client.post(url, {}).status_code == 400
    assert client.post(url, {}).status_code == 429


def test_a_used_link_shows_nothing_of_the_ask_or_its_files_once_it_has_run_out(client, collaborative, facilitator):
    ask, token = ask_sent_for_test(collaborative, by=facilitator)
    evidence = AskEvidence.objects.create(
        ask=ask, file=pdf("survey.pdf"), file_name="survey.pdf", file_type="application/pdf"
    )
    url = reverse("asks:respond", kwargs={"token": token})
    assert answer(client, url).status_code == 302
    assert client.get(views._file_url(token, evidence)).status_code == 200  # Used, not run out: still there.

    ResponderLink.objects.filter(ask=ask).update(expires_at=timezone.now() - timedelta(seconds=1))
    page = client.get(url).content.decode()
    assert "This link has run out" in page
    for hidden in (escape(ask.title), escape(ask.request), "survey.pdf", "We will open on Sundays from March."):
        assert hidden not in page
    assert facilitator.email in page
    assert client.get(views._file_url(token, evidence)).status_code == 404


def test_files_too_big_together_are_refused_with_the_limit_for_all_of_them(client, sent):
    _ask, url = sent
    six_mb = PDF + b"0" * (6 * 1024 * 1024)
    files = [SimpleUploadedFile(name, six_mb, content_type="application/pdf") for name in ("a.pdf", "b.pdf")]

    refused = answer(client, url, files=files)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "All the files together can be up to 10 MB." in page
    assert "a link" not in page
    assert not Answer.objects.exists()
    assert not AskEvidence.objects.exists()


def test_the_responder_is_told_who_to_write_to_and_what_may_be_published(client, sent, facilitator):
    ask, url = sent
    page = client.get(url).content.decode()
    assert "Your answer, in your words but without your name, may be published" in page
    ResponderLink.objects.filter(ask=ask).update(expires_at=timezone.now() - timedelta(seconds=1))
    page = client.get(url).content.decode()
    assert f"Please write to {escape(facilitator.display_name)} at" in page
    assert "reply to" not in page
    invalid = client.get(reverse("asks:respond", kwargs={"token": "not-a-token"})).content.decode()
    assert "reply to" not in invalid
