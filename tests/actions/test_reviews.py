"""The commissioners' review: rounds opened, each action marked with a comment, signed off and
then frozen whatever happens to the actions later; and the overview's numbers."""

import html
import re
from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, ReviewItem, ReviewRound
from actions.services import (
    action_change,
    action_update_add,
    review_item_mark,
    review_round_open,
    review_round_sign_off,
)
from members.models import Collaborative, Membership
from members.personal_data import account_erase
from tests.factories import ActionFactory, GoalFactory, MembershipFactory, action_record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
HTMX = {"HX-Request": "true"}


def url(name: str, **kwargs) -> str:
    return reverse(f"actions:{name}", kwargs={"slug": "lambeth", **kwargs})


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def commissioner(collaborative):
    return MembershipFactory(
        collaborative=collaborative, role=Membership.Role.COMMISSIONER, user__display_name="Cara Commissioner"
    ).user


@pytest.fixture
def commissioner_client(client, commissioner):
    client.force_login(commissioner)
    return client


@pytest.fixture
def owner(collaborative):
    return MembershipFactory(collaborative=collaborative, user__display_name="Olu Owner").user


@pytest.fixture
def actions(collaborative, owner) -> dict:
    """Live actions, one done lately, and one done and one dropped long ago."""
    made = {
        "open": action_record(collaborative, by=owner, title="Open one", due_on=TODAY + timedelta(days=3)),
        "going": action_record(collaborative, by=owner, title="Going one", status="in_progress"),
        "blocked": action_record(collaborative, by=owner, title="Blocked one", status="blocked", status_reason="No."),
        "done": action_record(collaborative, by=owner, title="Done lately", status="done"),
        "old_done": action_record(collaborative, by=owner, title="Done long ago", status="done"),
        "old_dropped": action_record(
            collaborative, by=owner, title="Dropped long ago", status="dropped", status_reason="Not ours."
        ),
    }
    long_ago = timezone.now() - timedelta(days=200)
    # Recorded as dropped long ago: that is when it was dropped.
    Action.objects.filter(pk__in=[made["old_done"].pk, made["old_dropped"].pk]).update(
        created_at=long_ago, updated_at=long_ago, done_at=long_ago
    )
    return made


def in_round(review: ReviewRound) -> set[str]:
    return set(review.items.values_list("action__title", flat=True))


def test_a_commissioner_opens_a_round_of_the_live_and_lately_finished_actions(commissioner_client, actions):
    response = commissioner_client.post(url("review_new"), {"title": "Board report, January"})
    review = ReviewRound.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == review.get_absolute_url()
    assert in_round(review) == {"Open one", "Going one", "Blocked one", "Done lately"}
    page = text(commissioner_client.get(review.get_absolute_url()))
    assert "The review has started with 4 actions." in page
    assert "4 of 4 actions still to review." in page
    assert page.count('<span class="review-state">Not reviewed yet</span>') == 4
    assert page.count("Mark as reviewed") == 4


def test_the_next_round_takes_what_finished_since_the_last_one(collaborative, commissioner, owner, actions):
    first = review_round_open(collaborative=collaborative, by=commissioner, title="First")
    for item in first.items.all():
        review_item_mark(item=item, by=commissioner)
    from actions.services import review_round_sign_off

    review_round_sign_off(review=first, by=commissioner)
    action_change(action=actions["open"], by=owner, changes={"status": "done"})
    finished_after = action_record(collaborative, by=owner, title="Done since", status="done")
    assert finished_after.done_at > ReviewRound.objects.get(pk=first.pk).signed_off_at

    second = review_round_open(collaborative=collaborative, by=commissioner, title="Second")
    assert in_round(second) == {"Open one", "Going one", "Blocked one", "Done since"}


def test_only_one_review_is_under_way_at_a_time(commissioner_client, actions):
    commissioner_client.post(url("review_new"), {"title": "First"})
    response = commissioner_client.post(url("review_new"), {"title": "Second"}, follow=True)
    assert "A review is already under way. Sign it off before starting another." in text(response)
    assert list(ReviewRound.objects.values_list("title", flat=True)) == ["First"]


def test_a_review_needs_a_name(commissioner_client, actions):
    response = commissioner_client.post(url("review_new"), {"title": "  "}, follow=True)
    assert "Give the review a name." in text(response)
    assert not ReviewRound.objects.exists()


def test_a_name_too_long_is_explained(commissioner_client, actions):
    response = commissioner_client.post(url("review_new"), {"title": "x" * 121}, follow=True)
    page = text(response)
    assert "The name is too long: keep it to 120 characters or fewer." in page
    assert "Give the review a name." not in page
    assert not ReviewRound.objects.exists()


def test_a_note_on_an_action_dropped_before_the_last_review_does_not_bring_it_back(
    collaborative, commissioner, owner, actions
):
    action_change(action=actions["open"], by=owner, changes={"status": "dropped", "status_reason": "Not ours."})
    first = review_round_open(collaborative=collaborative, by=commissioner, title="First")
    assert "Open one" in in_round(first)
    for item in first.items.all():
        review_item_mark(item=item, by=commissioner)
    review_round_sign_off(review=first, by=commissioner)
    action_update_add(action=actions["open"], by=owner, text="A note after it was dropped.")
    second = review_round_open(collaborative=collaborative, by=commissioner, title="Second")
    assert in_round(second) == {"Going one", "Blocked one"}
    # Dropped again after the last review, it is in the next one.
    action_change(action=actions["going"], by=owner, changes={"status": "dropped", "status_reason": "Merged."})
    for item in second.items.all():
        review_item_mark(item=item, by=commissioner)
    review_round_sign_off(review=second, by=commissioner)
    action_change(action=actions["blocked"], by=owner, changes={"status": "dropped", "status_reason": "Stopped."})
    third = review_round_open(collaborative=collaborative, by=commissioner, title="Third")
    assert in_round(third) == {"Blocked one"}


@pytest.fixture
def review(collaborative, commissioner, actions) -> ReviewRound:
    return review_round_open(collaborative=collaborative, by=commissioner, title="Board report")


def item_url(item: ReviewItem) -> str:
    return url("review_item", round_pk=item.round_id, pk=item.pk)


def comment(item: ReviewItem, words: str) -> dict:
    """What the review page's form sends for an action's comment box (each box has its own name)."""
    return {f"item-{item.pk}-comment": words}


def test_marking_an_action_with_htmx_returns_the_item(commissioner_client, commissioner, review):
    item = review.items.get(action__title="Blocked one")
    response = commissioner_client.post(item_url(item), comment(item, "  Ask the trust why.  "), headers=HTMX)
    body = text(response)
    assert response.status_code == 200
    assert "<html" not in body
    assert body.strip().startswith(f'<li class="card review-item review-item--done" id="review-item-{item.pk}">')
    assert '<span class="review-state">Reviewed</span>' in body
    assert "<strong>Reviewed</strong> by Cara Commissioner" in body
    # Issue 15, item 16: the count at the top changes with each action marked, swapped in by htmx (and read out).
    assert (
        '<p id="review-progress" class="review-progress" aria-live="polite" data-hx-swap-oob="true">'
        "<strong>3 of 4 actions still to review.</strong></p>"
    ) in body
    assert "“Ask the trust why.”" in body
    assert "Save the comment" in body
    item.refresh_from_db()
    assert (item.reviewed_by, item.comment) == (commissioner, "Ask the trust why.")
    assert item.reviewed_at is not None


def test_marking_without_htmx_goes_back_to_the_review(commissioner_client, review):
    item = review.items.first()
    response = commissioner_client.post(item_url(item), comment(item, ""))
    assert response.headers["Location"] == review.get_absolute_url()
    assert ReviewItem.objects.get(pk=item.pk).reviewed_at is not None


def test_a_comment_too_long_is_refused(commissioner_client, review):
    item = review.items.first()
    response = commissioner_client.post(item_url(item), comment(item, "x" * 2001), headers=HTMX)
    assert "The comment is too long" in text(response)
    assert ReviewItem.objects.get(pk=item.pk).reviewed_at is None


def test_marking_takes_the_action_as_it_stands_then(commissioner_client, owner, review, actions):
    item = review.items.get(action=actions["going"])
    action_change(action=actions["going"], by=owner, changes={"title": "Going well"})
    action_update_add(action=actions["going"], by=owner, text="Halfway there.")
    body = text(commissioner_client.post(item_url(item), {}, headers=HTMX))
    assert "Going well" in body
    assert "Halfway there." in body


def test_signing_off_is_refused_while_any_action_is_unmarked(commissioner_client, review):
    items = list(review.items.all())
    for item in items[:2]:
        commissioner_client.post(item_url(item), {})
    response = commissioner_client.post(url("review_sign_off", pk=review.pk), follow=True)
    assert "2 actions still to review before signing off." in text(response)
    # The page that asks says what is left instead of asking, and saying yes does not sign off.
    asked = text(commissioner_client.get(url("review_sign_off", pk=review.pk)))
    assert "2 actions still to review before signing off." in asked
    assert "Yes, sign it off" not in asked
    confirmed = commissioner_client.post(url("review_sign_off", pk=review.pk), {"confirmed": "yes"}, follow=True)
    assert "2 actions still to review before signing off." in text(confirmed)
    assert ReviewRound.objects.get(pk=review.pk).signed_off_at is None
    commissioner_client.post(item_url(items[2]), {})
    response = commissioner_client.post(url("review_sign_off", pk=review.pk), follow=True)
    assert "1 action still to review before signing off." in text(response)


# Nothing typed is lost (issue 12, item 14): the review page is one form, so each action's button sends
# every comment typed on it, saves only its own, and shows the others again in their boxes.


def comment_box(page: str, item: ReviewItem) -> str:
    """The words in an action's comment box on the review page, and whether it is marked as not saved yet."""
    found = re.search(rf'<textarea name="item-{item.pk}-comment"[^>]*?( data-unsaved)?>(.*?)</textarea>', page, re.S)
    assert found, f"no comment box for {item.snapshot['title']}"
    return found.group(2) + (" [not saved]" if found.group(1) else "")


def test_marking_an_action_keeps_the_comment_typed_for_another(commissioner_client, review):
    first, second = review.items.order_by("id")[:2]
    response = commissioner_client.post(
        item_url(first), comment(first, "Ask the trust why.") | comment(second, "Chase the council.")
    )
    page = text(response)
    assert response.status_code == 200
    assert f"“{first.snapshot['title']}” is marked as reviewed. The other comments you typed are not saved" in page
    assert comment_box(page, second) == "Chase the council. [not saved]"
    assert comment_box(page, first) == "Ask the trust why."
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.comment, first.reviewed_at is not None) == ("Ask the trust why.", True)
    assert (second.comment, second.reviewed_at) == ("", None)


def test_marking_with_htmx_saves_only_its_own_comment(commissioner_client, review):
    first, second = review.items.order_by("id")[:2]
    response = commissioner_client.post(
        item_url(first), comment(first, "Ask the trust why.") | comment(second, "Chase the council."), headers=HTMX
    )
    assert "Chase the council." not in text(response)  # Its box stays as it is on the page.
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.comment == "Ask the trust why."
    assert (second.comment, second.reviewed_at) == ("", None)


def test_a_comment_too_long_without_htmx_keeps_every_comment_typed_and_saves_nothing(commissioner_client, review):
    first, second = review.items.order_by("id")[:2]
    response = commissioner_client.post(
        item_url(first), comment(first, "x" * 2001) | comment(second, "Chase the council.")
    )
    page = text(response)
    assert response.status_code == 400
    assert "The comment is too long: keep it under 2,000 characters." in page
    assert comment_box(page, first) == "x" * 2001 + " [not saved]"
    assert comment_box(page, second) == "Chase the council. [not saved]"
    assert not ReviewItem.objects.filter(reviewed_at__isnull=False).exists()


def test_signing_off_keeps_a_comment_typed_but_not_saved_and_waits_for_it(commissioner_client, review):
    items = list(review.items.order_by("id"))
    for item in items:
        commissioner_client.post(item_url(item), comment(item, "Seen."))
    typed = comment(items[0], "Seen. Ask again in May.") | comment(items[1], "Seen.")
    response = commissioner_client.post(url("review_sign_off", pk=review.pk), typed)
    page = text(response)
    assert response.status_code == 400
    assert (
        f"Your comment on “{items[0].snapshot['title']}” is not saved yet: press the button beside it to save it, "
        "or empty its box, before signing off."
    ) in page
    assert comment_box(page, items[0]) == "Seen. Ask again in May. [not saved]"
    assert comment_box(page, items[1]) == "Seen."
    assert ReviewRound.objects.get(pk=review.pk).signed_off_at is None
    assert set(ReviewItem.objects.values_list("comment", flat=True)) == {"Seen."}


@pytest.fixture
def signed_off(commissioner_client, review) -> ReviewRound:
    for item in review.items.all():
        commissioner_client.post(item_url(item), comment(item, f"Seen {item.snapshot['title']}."))
    response = commissioner_client.post(url("review_sign_off", pk=review.pk), follow=True)
    # Issue 15, item 15: first a page of its own that asks, saying what signing off means.
    assert response.redirect_chain[-1][0] == url("review_sign_off", pk=review.pk)
    page = text(response)
    assert f"Sign off “{review.title}”?" in page
    assert "This cannot be undone." in page
    assert ReviewRound.objects.get(pk=review.pk).signed_off_at is None
    response = commissioner_client.post(url("review_sign_off", pk=review.pk), {"confirmed": "yes"}, follow=True)
    assert "The review is signed off. It stays exactly as it is now." in text(response)
    return ReviewRound.objects.get(pk=review.pk)


def test_after_sign_off_nothing_can_be_marked(commissioner_client, commissioner, signed_off):
    item = signed_off.items.get(action__title="Open one")
    before = ReviewItem.objects.filter(round=signed_off).values().order_by("id")
    before = list(before)
    message = "This review has been signed off, so it can no longer be changed."
    assert message in text(commissioner_client.post(item_url(item), comment(item, "Changed my mind."), headers=HTMX))
    assert message in text(commissioner_client.post(item_url(item), comment(item, "Again."), follow=True))
    response = commissioner_client.post(url("review_sign_off", pk=signed_off.pk), follow=True)
    assert message in text(response)
    assert message in text(commissioner_client.get(url("review_sign_off", pk=signed_off.pk)))
    confirmed = commissioner_client.post(url("review_sign_off", pk=signed_off.pk), {"confirmed": "yes"}, follow=True)
    assert message in text(confirmed)
    assert list(ReviewItem.objects.filter(round=signed_off).values().order_by("id")) == before
    assert ReviewRound.objects.get(pk=signed_off.pk).signed_off_at == signed_off.signed_off_at


def test_later_changes_to_actions_do_not_alter_a_signed_off_round(
    commissioner_client, owner, facilitator, signed_off, actions
):
    snapshots = list(signed_off.items.values_list("snapshot", flat=True).order_by("id"))
    action_change(
        action=actions["open"], by=owner, changes={"title": "Renamed after", "status": "dropped", "status_reason": "X"}
    )
    action_change(action=actions["blocked"], by=facilitator, changes={"status": "done", "organisation": "New org"})
    action_update_add(action=actions["going"], by=owner, text="An update after sign-off.")

    assert list(signed_off.items.values_list("snapshot", flat=True).order_by("id")) == snapshots
    page = text(commissioner_client.get(signed_off.get_absolute_url()))
    assert "Signed off on" in page
    assert "by Cara Commissioner" in page
    assert "later changes to actions do not alter it" in page
    assert "Open one" in page
    assert "Renamed after" not in page
    assert "Blocked: No." in page
    assert "New org" not in page
    assert "An update after sign-off." not in page
    assert "Seen Open one." in page
    # Frozen: no forms, no links to the action as it is now.
    assert "Mark as reviewed" not in page
    assert "Sign off the review" not in page
    assert "The action now" not in page
    # A new round sees the actions as they are now.
    assert commissioner_client.post(url("review_new"), {"title": "Next"}).status_code == 302
    assert in_round(ReviewRound.objects.get(title="Next")) == {"Renamed after", "Blocked one", "Going one"}


def test_an_erased_owner_is_a_former_member_in_a_signed_off_round(commissioner_client, owner, signed_off):
    account_erase(user=owner)
    page = text(commissioner_client.get(signed_off.get_absolute_url()))
    assert "Olu Owner" not in page
    assert "Owner: Former member" in page


def test_a_signed_off_round_keeps_the_names_it_had(commissioner_client, commissioner, owner, signed_off):
    before = text(commissioner_client.get(signed_off.get_absolute_url()))
    owner.display_name, commissioner.display_name = "Olu Renamed", "Cara Renamed"
    owner.save()
    commissioner.save()
    page = text(commissioner_client.get(signed_off.get_absolute_url()))
    assert page.count("Owner: Olu Owner") == 4
    assert page.count("<strong>Reviewed</strong> by Cara Commissioner") == 4
    assert "by Cara Commissioner. This is the record as it was then" in page
    assert page[page.index("<h1>") :] == before[before.index("<h1>") :]
    assert "by Cara Commissioner." in text(commissioner_client.get(url("reviews")))


def test_an_erased_commissioner_is_a_former_member_in_a_signed_off_round(
    client, collaborative, commissioner, signed_off
):
    account_erase(user=commissioner)
    other = MembershipFactory(collaborative=collaborative, role=Membership.Role.COMMISSIONER).user
    client.force_login(other)
    page = text(client.get(signed_off.get_absolute_url()))
    assert "Cara Commissioner" not in page
    assert "by Former member. This is the record as it was then" in page
    assert page.count("<strong>Reviewed</strong> by Former member") == 4
    assert "Cara Commissioner" not in text(client.get(url("reviews")))


def test_the_list_of_rounds(commissioner_client, signed_off, collaborative, commissioner):
    review_round_open(collaborative=collaborative, by=commissioner, title="Under way now")
    page = text(commissioner_client.get(url("reviews")))
    assert "Under way: 0 of" in page
    assert "Signed off on" in page
    assert page.index(">Under way now</a>") < page.index(">Board report</a>")


def test_members_and_facilitators_cannot_reach_the_reviews(client, people, review):
    item = review.items.first()
    addresses = [
        ("get", url("reviews")),
        ("post", url("review_new")),
        ("get", review.get_absolute_url()),
        ("post", item_url(item)),
        ("post", url("review_sign_off", pk=review.pk)),
    ]
    for role in ("member", "facilitator"):
        client.force_login(people[role])
        for method, address in addresses:
            assert getattr(client, method)(address, {"title": "x"}).status_code == 403, (role, address)
    client.force_login(people["outsider"])
    for method, address in addresses:
        assert getattr(client, method)(address, {"title": "x"}).status_code == 404, address
    assert ReviewRound.objects.count() == 1
    assert not ReviewItem.objects.filter(reviewed_at__isnull=False).exists()


def test_a_commissioner_without_two_step_sign_in_is_sent_to_set_it_up(client, collaborative, review):
    person = MembershipFactory(collaborative=collaborative, role=Membership.Role.COMMISSIONER, two_factor=False).user
    client.force_login(person)
    response = client.get(review.get_absolute_url())
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/2fa/")


def test_an_item_of_another_round_is_not_found(commissioner_client, collaborative, commissioner, signed_off):
    current = review_round_open(collaborative=collaborative, by=commissioner, title="Now")
    old_item = signed_off.items.first()
    address = url("review_item", round_pk=current.pk, pk=old_item.pk)
    assert commissioner_client.post(address, {}).status_code == 404


# The summary for a board (issue 15, item 19)


def summary_of(page: str) -> str:
    return page.split('<section aria-labelledby="review-summary-heading"')[1].split("</section>")[0]


def status_counts(section: str) -> dict[str, int]:
    found = re.findall(r'<th scope="row">([^<]+)</th><td data-label="Actions">(\d+)</td>', section)
    return {label: int(count) for label, count in found}


def test_a_review_under_way_sums_up_its_actions_by_status_and_overdue(commissioner_client, collaborative, actions):
    Action.objects.filter(pk=actions["going"].pk).update(due_on=TODAY - timedelta(days=2))  # Overdue.
    commissioner_client.post(url("review_new"), {"title": "Board report, January"})
    review = ReviewRound.objects.get()
    review.items.filter(action=actions["going"]).update(
        snapshot=review.items.get(action=actions["going"]).snapshot
        | {"due_on": (TODAY - timedelta(days=2)).isoformat()}
    )
    section = summary_of(text(commissioner_client.get(review.get_absolute_url())))
    began = timezone.localtime(review.opened_at, collaborative.zone).date()
    since = timezone.localtime(review.opened_at - timedelta(days=92), collaborative.zone).date()
    assert (
        f"<strong>Period covered:</strong> {since:%-d %B %Y} to today, {TODAY:%-d %B %Y}:\n"
        "      there was no review before this one, so from three months before it began,\n"
        "      to today, as it is not signed off yet." in section
    )
    assert f"It holds 4 actions: every action not done or dropped when the review began on {began:%-d %B %Y}" in section
    assert status_counts(section) == {"Open": 1, "In progress": 1, "Done": 1, "Blocked": 1, "Dropped": 0}
    assert f"<strong>Overdue on {TODAY:%-d %B %Y}: 1</strong>" in section


def test_a_signed_off_review_covers_the_time_since_the_one_before(
    commissioner_client, collaborative, commissioner, owner, actions
):
    first = review_round_open(collaborative=collaborative, by=commissioner, title="Board report, autumn")
    for item in first.items.all():
        review_item_mark(item=item, by=commissioner)
    first = review_round_sign_off(review=first, by=commissioner)
    action_change(action=actions["open"], by=owner, changes={"status": "done"})
    second = review_round_open(collaborative=collaborative, by=commissioner, title="Board report, winter")
    for item in second.items.all():
        review_item_mark(item=item, by=commissioner)
    second = review_round_sign_off(review=second, by=commissioner)
    # Printed later, it is as it was when signed off: a later change does not alter it.
    action_change(action=actions["going"], by=owner, changes={"status": "done"})
    section = summary_of(text(commissioner_client.get(second.get_absolute_url())))
    zone = collaborative.zone
    since, until = (timezone.localtime(moment, zone).date() for moment in (first.signed_off_at, second.signed_off_at))
    assert (
        f"<strong>Period covered:</strong> {since:%-d %B %Y} to {until:%-d %B %Y}:\n"
        "      from when the review before it, “Board report, autumn”, was signed off,\n"
        "      to when this one was signed off." in section
    )
    assert status_counts(section) == {"Open": 0, "In progress": 1, "Done": 1, "Blocked": 1, "Dropped": 0}
    assert f"<strong>Overdue on {until:%-d %B %Y}: 0</strong>" in section


# The overview


@pytest.fixture
def known(collaborative, other_collaborative):
    """Seven actions with known statuses, due dates, organisations, goals and months."""
    now = timezone.now()
    goal1 = GoalFactory(collaborative=collaborative, title="Goal one")
    goal2 = GoalFactory(collaborative=collaborative, title="Goal two")
    two_months_back = (TODAY.replace(day=1) - timedelta(days=40)).replace(day=15)
    earlier = timezone.make_aware(datetime.combine(two_months_back, time(12)))
    years_ago = now - timedelta(days=500)

    def make(status, due, organisation="", goal=None, created_at=now, done_at=None):
        return ActionFactory(
            collaborative=collaborative,
            status=status,
            status_reason="Why." if status in Action.NEEDS_REASON else "",
            due_on=TODAY + timedelta(days=due),
            organisation=organisation,
            goal=goal,
            created_at=created_at,
            done_at=done_at,
        )

    make("open", 5, "SLaM", goal1)
    make("open", -3, "SLaM", goal1, created_at=earlier)
    make("in_progress", -1, "Council", created_at=earlier)
    make("blocked", 10, "Council", goal2, created_at=years_ago)
    make("done", 2, "SLaM", goal2, done_at=now)  # On time.
    make("done", -10, done_at=now)  # Late.
    make("dropped", -20, "SLaM")  # Past its date, but not overdue: dropped.
    ActionFactory(collaborative=other_collaborative, status="open", due_on=TODAY - timedelta(days=9))
    return two_months_back


def test_the_overview_counts_a_known_set(commissioner_client, known):
    response = commissioner_client.get(url("dashboard"))
    context = response.context
    assert context["total"] == 7
    assert {row["label"]: row["count"] for row in context["statuses"]["rows"]} == {
        "Open": 2,
        "In progress": 1,
        "Done": 2,
        "Blocked": 1,
        "Dropped": 1,
    }
    assert (context["overdue"], context["done_total"], context["on_time"]) == (2, 2, 1)
    assert [(r["organisation"], r["total"], r["live"], r["late"], r["finished"]) for r in context["organisations"]] == [
        ("SLaM", 4, 2, 1, 1),
        ("Council", 2, 2, 1, 0),
    ]
    assert [(r["goal__title"], r["total"], r["live"], r["late"], r["finished"]) for r in context["goals"]] == [
        ("Goal one", 2, 2, 1, 0),
        ("Goal two", 2, 1, 0, 1),
    ]
    months = {m["label"]: (m["created"], m["done"]) for m in context["months"]}
    assert len(months) == 12
    assert months[TODAY.strftime("%B %Y")] == (4, 2)
    assert months[known.strftime("%B %Y")] == (2, 0)
    assert sum(created for created, _ in months.values()) == 6  # The one from long ago is not in the last year.

    page = text(response)
    assert "<strong>7</strong> actions in all" in page
    assert ">2</a></strong> overdue" in page
    assert "<strong>2</strong> done, <strong>1</strong> of them on time" in page
    assert '<tr><th scope="row">Open</th><td data-label="Actions">2</td></tr>' in page
    month = f'<tr><th scope="row">{TODAY:%B %Y}</th><td data-label="Recorded">4</td><td data-label="Done">2</td></tr>'
    assert month in page
    assert "<svg" in page


def test_the_overview_of_an_empty_log(commissioner_client, collaborative):
    response = commissioner_client.get(url("dashboard"))
    assert response.status_code == 200
    assert response.context["total"] == 0
    assert "No action has a lead organisation yet." in text(response)


def test_who_sees_the_overview(client, people, other_collaborative):
    for role, status in (("commissioner", 200), ("facilitator", 200), ("member", 403), ("outsider", 404)):
        client.force_login(people[role])
        assert client.get(url("dashboard")).status_code == status, role
    elsewhere = MembershipFactory(collaborative=other_collaborative, role=Membership.Role.COMMISSIONER).user
    client.force_login(elsewhere)
    assert client.get(url("dashboard")).status_code == 404


@pytest.mark.parametrize(
    ("today", "first", "last"),
    [
        (date(2026, 3, 31), "April 2025", "March 2026"),
        (date(2025, 12, 31), "January 2025", "December 2025"),
        (date(2026, 1, 15), "February 2025", "January 2026"),
    ],
)
def test_the_months_are_the_last_twelve_ending_with_this_one(
    commissioner_client, collaborative, monkeypatch, today, first, last
):
    monkeypatch.setattr(Collaborative, "local_today", lambda self, now=None: today)
    # Recorded at half past midnight, local time, on the first month's first day; an hour before is the month before.
    start = datetime.strptime(first, "%B %Y").replace(tzinfo=collaborative.zone, minute=30)
    ActionFactory(collaborative=collaborative, created_at=start)
    ActionFactory(collaborative=collaborative, created_at=start - timedelta(hours=1))  # The month before: not shown.
    response = commissioner_client.get(url("dashboard"))
    months = response.context["months"]
    labels = [month["label"] for month in months]
    assert len(labels) == len(set(labels)) == 12
    assert (labels[0], labels[-1]) == (first, last)
    assert [month["created"] for month in months] == [1] + [0] * 11
    # Every month's bars and label fit in the chart (viewBox="0 0 680 220").
    assert all(month["x"] + 42 <= 680 for month in months)


def test_the_overview_says_when_it_shows_only_the_top_organisations(commissioner_client, collaborative):
    for n in range(15):
        ActionFactory(collaborative=collaborative, organisation=f"Organisation {n:02}")
    page = text(commissioner_client.get(url("dashboard")))
    assert "Showing the" not in page
    ActionFactory(collaborative=collaborative, organisation="One more")
    response = commissioner_client.get(url("dashboard"))
    assert len(response.context["organisations"]) == 15
    assert "Showing the 15 with most actions, of 16 organisations." in text(response)


def test_the_overview_says_when_it_is_as_at_and_long_names_are_read_in_full(commissioner_client, collaborative):
    # Issue 15, item 19: board-ready.
    long = "NHS South East London Integrated Care Board, Lambeth place"
    ActionFactory(collaborative=collaborative, organisation=long)
    page = text(commissioner_client.get(url("dashboard")))
    assert f"As at {collaborative.local_today():%-d %B %Y}." in page
    chart = page.split('id="organisations-heading"')[1].split("</svg>")[0]
    assert f"<title>{long}</title>" in chart  # The whole name, on hover and to assistive technology.
    assert '<tspan x="0" y="18">NHS South East London</tspan>' in chart
    assert '<tspan x="0" y="36">Integrated Care Board, …</tspan>' in chart


def test_goals_with_the_same_title_are_counted_apart(commissioner_client, collaborative):
    first, second = (GoalFactory(collaborative=collaborative, title="Crisis help") for _ in range(2))
    ActionFactory(collaborative=collaborative, goal=first)
    ActionFactory(collaborative=collaborative, goal=first)
    ActionFactory(collaborative=collaborative, goal=second, status="done")
    goals = commissioner_client.get(url("dashboard")).context["goals"]
    assert [(row["goal"], row["goal__title"], row["total"], row["finished"]) for row in goals] == [
        (first.pk, "Crisis help", 2, 0),
        (second.pk, "Crisis help", 1, 1),
    ]


def test_done_on_time_is_by_the_day_where_the_collaborative_is(commissioner_client, collaborative):
    """Half past eleven at night on the due day in Auckland is on time; half past midnight the day after is late,
    though both are still the due day in London and in UTC."""
    collaborative.time_zone = "Pacific/Auckland"
    collaborative.save()
    due = TODAY - timedelta(days=30)
    for hour, minute, day in ((23, 30, due), (0, 30, due + timedelta(days=1))):
        ActionFactory(
            collaborative=collaborative,
            status=Action.Status.DONE,
            due_on=due,
            done_at=datetime.combine(day, time(hour, minute), tzinfo=collaborative.zone),
        )
    context = commissioner_client.get(url("dashboard")).context
    assert (context["done_total"], context["on_time"]) == (2, 1)
