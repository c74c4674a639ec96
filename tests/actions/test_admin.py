"""Site administration of the action log: everything can be seen, nothing changed or deleted."""

from datetime import date

import pytest

from actions.models import Action, ActionChange, ActionUpdate, ReviewRound
from actions.services import (
    action_change,
    action_create,
    action_update_add,
    review_item_mark,
    review_round_open,
    review_round_sign_off,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def action(collaborative, facilitator, member):
    action = action_create(
        action=Action(
            collaborative=collaborative, title="Map the crisis cafes", owner=member, due_on=date(2030, 6, 13)
        ),
        by=facilitator,
    )
    action_change(action=action, by=member, changes={"status": Action.Status.IN_PROGRESS})
    action_update_add(action=action, by=member, text="Six cafes so far.", link="https://example.org/map")
    return action


@pytest.fixture
def review(collaborative, action, people):
    commissioner = people["commissioner"]
    review = review_round_open(collaborative=collaborative, by=commissioner, title="Board report, June 2030")
    for item in review.items.all():
        review_item_mark(item=item, by=commissioner, comment="On track.")
    return review_round_sign_off(review=review, by=commissioner)


def test_every_page_opens_with_the_history_updates_and_review_items(admin_client, action, review):
    update = ActionUpdate.objects.get()
    for url, shown in [
        ("/admin/actions/action/", "Map the crisis cafes"),
        (f"/admin/actions/action/{action.pk}/change/", "in_progress"),
        (f"/admin/actions/action/{action.pk}/change/", "Six cafes so far."),
        ("/admin/actions/actionupdate/", "Six cafes so far."),
        (f"/admin/actions/actionupdate/{update.pk}/change/", "https://example.org/map"),
        ("/admin/actions/reviewround/", "Board report, June 2030"),
        (f"/admin/actions/reviewround/{review.pk}/change/", "On track."),
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert shown in response.text, url


def test_nothing_can_be_added_changed_or_deleted(admin_client, action, review):
    update = ActionUpdate.objects.get()
    for url in [
        f"/admin/actions/action/{action.pk}/delete/",
        f"/admin/actions/actionupdate/{update.pk}/delete/",
        f"/admin/actions/reviewround/{review.pk}/delete/",
        "/admin/actions/action/add/",
        "/admin/actions/actionupdate/add/",
        "/admin/actions/reviewround/add/",
    ]:
        assert admin_client.post(url, {"post": "yes"}).status_code == 403, url
    admin_client.post(f"/admin/actions/action/{action.pk}/change/", {"title": "Renamed", "status": "dropped"})
    action.refresh_from_db()
    assert (action.title, action.status) == ("Map the crisis cafes", Action.Status.IN_PROGRESS)
    # Not even in bulk from the list.
    admin_client.post(
        "/admin/actions/action/", {"action": "delete_selected", "_selected_action": [action.pk], "post": "yes"}
    )
    assert Action.objects.filter(pk=action.pk).exists()
    assert ActionChange.objects.filter(action=action).count() == 2
    assert ReviewRound.objects.get().is_signed_off
