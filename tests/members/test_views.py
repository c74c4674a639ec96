import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import Action
from meetings.models import Rsvp
from members.models import Collaborative, Membership, Perspective
from tests.caching import nothing_cached
from tests.factories import CollaborativeFactory, MeetingFactory, MembershipFactory, action_record

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:
    """The queries of the page as it is made, not as it comes from the cache."""
    with nothing_cached(), CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code in (200, 302)
    return len(context.captured_queries)


def test_start_lists_nothing_for_a_person_without_a_collaborative(client, user_factory):
    client.force_login(user_factory())
    response = client.get(reverse("members:start"))
    assert response.status_code == 200
    assert "You are not part of a Collaborative yet" in response.text


def test_start_goes_straight_to_the_only_collaborative(member_client, collaborative):
    response = member_client.get(reverse("members:start"))
    assert response.status_code == 302
    assert response.headers["Location"] == collaborative.get_absolute_url()


def test_start_lists_every_collaborative_with_the_role_held(client, member, other_collaborative):
    MembershipFactory(user=member, collaborative=other_collaborative, role=Membership.Role.COMMISSIONER)
    client.force_login(member)
    response = client.get(reverse("members:start"))
    assert response.status_code == 200
    assert "Lambeth Living Well Collaborative" in response.text
    assert "Luton Living Well Collaborative" in response.text
    assert "You are a commissioner here." in response.text
    assert "You are a member here." in response.text


def test_start_leaves_out_collaboratives_the_person_has_left(client, member, other_collaborative):
    MembershipFactory(
        user=member, collaborative=other_collaborative, status=Membership.Status.LEFT, left_at="2026-01-01T10:00Z"
    )
    client.force_login(member)
    response = client.get(reverse("members:start") + "?all")
    assert "Luton" not in response.text


def test_start_uses_the_same_number_of_queries_for_two_or_twenty_collaboratives(client, member):
    client.force_login(member)
    MembershipFactory(user=member)
    few = queries_for(client, reverse("members:start"))
    for _ in range(18):
        MembershipFactory(user=member)
    assert queries_for(client, reverse("members:start")) == few
    assert client.get(reverse("members:start")).text.count('class="card"') == 20


def test_home_shows_the_collaborative_and_places_for_meeting_vision_and_actions(member_client, collaborative):
    response = member_client.get(collaborative.get_absolute_url())
    assert response.status_code == 200
    assert "<h1>Lambeth Living Well Collaborative</h1>" in response.text
    for heading in ("Next meeting", "Our vision", "My actions"):
        assert f">{heading}</h2>" in response.text
    assert "Collaborative details" not in response.text


def test_home_offers_facilitators_the_details_page(facilitator_client, collaborative):
    response = facilitator_client.get(collaborative.get_absolute_url())
    assert reverse("members:collaborative_settings", kwargs={"slug": collaborative.slug}) in response.text


def test_outsider_gets_the_same_404_as_for_a_collaborative_that_does_not_exist(client, people):
    client.force_login(people["outsider"])
    not_mine = client.get(reverse("home:collaborative_home", kwargs={"slug": "lambeth"}))
    missing = client.get(reverse("home:collaborative_home", kwargs={"slug": "nowhere"}))
    assert not_mine.status_code == missing.status_code == 404
    csrf_token = re.compile(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]*"')
    assert csrf_token.sub("", not_mine.text) == csrf_token.sub("", missing.text)
    assert "Lambeth" not in not_mine.text
    assert "does not exist, or you do not have access to it" in not_mine.text


def test_a_person_who_left_gets_404(client, member, collaborative):
    Membership.objects.filter(user=member).update(status=Membership.Status.LEFT, left_at="2026-01-01T10:00Z")
    client.force_login(member)
    assert client.get(collaborative.get_absolute_url()).status_code == 404


def test_home_uses_a_constant_number_of_queries(client, member, collaborative):
    client.force_login(member)
    few = queries_for(client, collaborative.get_absolute_url())
    for _ in range(10):
        MembershipFactory(user=member)
        MembershipFactory(collaborative=collaborative)
    assert queries_for(client, collaborative.get_absolute_url()) == few


# Nothing typed is lost (issue 12, item 14): without JavaScript the home page is one form, so "Are you coming?"
# and each action's "Save" send the reasons typed for the other actions too; the page comes back with them in
# their boxes, not saved.


def quick(action, **fields) -> dict:
    return {f"action-{action.pk}-{name}": value for name, value in fields.items()}


def reason_box(page: str, action) -> str:
    """The reason typed for an action on the home page, and whether it is marked as not saved yet."""
    found = re.search(rf'<input type="text" name="action-{action.pk}-status_reason"[^>]*>', page)
    assert found, action.title
    value = re.search(r'value="([^"]*)"', found.group(0)).group(1)
    return html.unescape(value) + (" [not saved]" if " data-unsaved" in found.group(0) else "")


def chosen_status(page: str, action) -> str:
    select = re.search(rf'<select name="action-{action.pk}-status".*?</select>', page, re.DOTALL).group(0)
    return re.search(r'<option value="(\w+)" selected>', select).group(1)


@pytest.fixture
def two_actions(collaborative, member) -> tuple:
    first = action_record(collaborative, by=member, title="Map the crisis cafes")
    second = action_record(collaborative, by=member, title="Ask the trust about waits")
    return first, second


def test_saving_one_actions_status_keeps_the_reason_typed_for_another(member_client, collaborative, two_actions):
    first, second = two_actions
    typed = quick(first, status="done", status_reason="") | quick(
        second, status="blocked", status_reason="Waiting for the council."
    )
    response = member_client.post(collaborative.get_absolute_url(), typed | {"save": first.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "“Map the crisis cafes” is now done." in html.unescape(page)
    assert reason_box(page, second) == "Waiting for the council. [not saved]"
    assert chosen_status(page, second) == "blocked"
    assert "Not saved yet." in page
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Action.Status.DONE
    assert (second.status, second.status_reason) == (Action.Status.OPEN, "")


def test_answering_are_you_coming_keeps_the_reason_typed_for_an_action(
    member_client, member, collaborative, two_actions
):
    meeting = MeetingFactory(collaborative=collaborative)
    first, _ = two_actions
    typed = quick(first, status="blocked", status_reason="Waiting for the council.")
    response = member_client.post(collaborative.get_absolute_url(), typed | {"meeting": meeting.pk, "answer": "coming"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Thank you. You said you are coming." in page
    assert re.findall(r'<button[^>]*value="(\w+)"[^>]*aria-pressed="true"', page) == ["coming"]
    assert reason_box(page, first) == "Waiting for the council. [not saved]"
    assert Rsvp.objects.get(user=member, meeting=meeting).answer == Rsvp.Answer.COMING
    first.refresh_from_db()
    assert (first.status, first.status_reason) == (Action.Status.OPEN, "")


def test_a_status_refused_on_the_home_page_keeps_everything_typed_and_saves_nothing(
    member_client, collaborative, two_actions
):
    first, second = two_actions
    typed = quick(first, status="blocked", status_reason=" ") | quick(second, status="open", status_reason="Soon.")
    response = member_client.post(collaborative.get_absolute_url(), typed | {"save": first.pk})
    page = response.content.decode()
    assert response.status_code == 400
    assert f'<p class="error" id="reason-{first.pk}-note" role="alert">Say why the action is blocked.</p>' in page
    assert chosen_status(page, first) == "blocked"
    assert reason_box(page, second) == "Soon. [not saved]"
    assert set(Action.objects.values_list("status", "status_reason")) == {(Action.Status.OPEN, "")}


def test_with_nothing_typed_for_other_actions_the_home_page_comes_back_afresh(
    member_client, collaborative, two_actions
):
    first, second = two_actions
    typed = quick(first, status="in_progress", status_reason="") | quick(second, status="open", status_reason="")
    response = member_client.post(collaborative.get_absolute_url(), typed | {"save": first.pk})
    assert response.status_code == 302
    assert response.headers["Location"] == collaborative.get_absolute_url()
    assert Action.objects.get(pk=first.pk).status == Action.Status.IN_PROGRESS


def test_a_quick_status_with_htmx_saves_only_its_own_action(member_client, collaborative, two_actions):
    first, second = two_actions
    typed = quick(first, status="done", status_reason="") | quick(
        second, status="blocked", status_reason="Waiting for the council."
    )
    address = reverse("actions:status", kwargs={"slug": "lambeth", "pk": first.pk})
    response = member_client.post(address, typed | {"save": first.pk}, headers={"HX-Request": "true"})
    assert response.content.decode().startswith(f'<li class="card my-action" id="my-action-{first.pk}">')
    assert Action.objects.get(pk=first.pk).status == Action.Status.DONE
    assert Action.objects.get(pk=second.pk).status == Action.Status.OPEN


def test_the_home_page_saves_only_the_actions_the_person_may_change(client, people, collaborative):
    theirs = action_record(collaborative, by=people["facilitator"], title="The facilitator's")
    client.force_login(people["member"])
    response = client.post(collaborative.get_absolute_url(), quick(theirs, status="done") | {"save": theirs.pk})
    assert response.status_code == 403
    assert Action.objects.get(pk=theirs.pk).status == Action.Status.OPEN


def test_an_answer_for_a_meeting_of_another_collaborative_is_not_found(
    member_client, collaborative, other_collaborative
):
    elsewhere = MeetingFactory(collaborative=other_collaborative)
    response = member_client.post(collaborative.get_absolute_url(), {"meeting": elsewhere.pk, "answer": "coming"})
    assert response.status_code == 404
    assert not Rsvp.objects.exists()


def test_switcher_lists_each_collaborative_of_a_person_in_several(client, member, collaborative, other_collaborative):
    MembershipFactory(user=member, collaborative=other_collaborative)
    client.force_login(member)
    response = client.get(collaborative.get_absolute_url())
    assert 'class="switcher"' in response.text
    assert f'href="{other_collaborative.get_absolute_url()}"' in response.text
    assert f'href="{collaborative.get_absolute_url()}" aria-current="page"' in response.text


def test_no_switcher_for_a_person_in_one_collaborative(member_client, collaborative):
    response = member_client.get(collaborative.get_absolute_url())
    assert 'class="switcher"' not in response.text


class TestCollaborativeSettings:
    def url(self, collaborative):
        return reverse("members:collaborative_settings", kwargs={"slug": collaborative.slug})

    def test_facilitator_saves_the_details(self, facilitator_client, collaborative):
        response = facilitator_client.post(
            self.url(collaborative),
            {
                "name": "Lambeth Collaborative",
                "area": "Lambeth",
                "description": "We meet monthly.",
                "time_zone": "Europe/London",
                "first_reminder_days": "7",
                "second_reminder_days": "1",
            },
            follow=True,
        )
        assert "The Collaborative&#x27;s details have been saved." in response.text
        collaborative.refresh_from_db()
        assert collaborative.name == "Lambeth Collaborative"
        assert collaborative.description == "We meet monthly."

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("name", "", "This field is required."),
            ("time_zone", "Mars/Olympus", "Mars/Olympus is not a time zone we know."),
            ("description", "x" * 601, "Ensure this value has at most 600 characters"),
        ],
    )
    def test_bad_input_is_explained_and_changes_nothing(self, facilitator_client, collaborative, field, value, message):
        data = {
            "name": "New name",
            "area": "Lambeth",
            "description": "",
            "time_zone": "Europe/London",
            "first_reminder_days": "7",
            "second_reminder_days": "1",
            field: value,
        }
        response = facilitator_client.post(self.url(collaborative), data)
        assert response.status_code == 400
        assert "There is a problem" in response.text
        assert message in response.text
        collaborative.refresh_from_db()
        assert collaborative.name == "Lambeth Living Well Collaborative"

    @pytest.mark.parametrize(("role", "status"), [("member", 403), ("commissioner", 403), ("outsider", 404)])
    def test_others_cannot_change_the_details(self, client, people, collaborative, role, status):
        client.force_login(people[role])
        response = client.post(self.url(collaborative), {"name": "Taken over", "area": "x", "time_zone": "UTC"})
        assert response.status_code == status
        assert Collaborative.objects.get(pk=collaborative.pk).name == "Lambeth Living Well Collaborative"

    def test_member_gets_a_plain_explanation(self, member_client, collaborative):
        response = member_client.get(self.url(collaborative))
        assert response.status_code == 403
        assert "Only facilitators can do this." in response.text


# What the profile form sends for the three "who sees it" choices when left as they are.
SHARING = {"perspectives_visibility": "members", "organisation_visibility": "members", "job_title_visibility": "nobody"}


class TestProfile:
    def test_shows_name_email_and_collaboratives(self, member_client, member):
        response = member_client.get(reverse("members:profile"))
        assert response.status_code == 200
        assert member.email in response.text
        assert 'value="' + member.display_name.replace("'", "&#x27;") + '"' in response.text
        assert "Lambeth Living Well Collaborative</a> (member)" in response.text

    def test_saves_name_and_perspectives(self, member_client, member):
        response = member_client.post(
            reverse("members:profile"),
            {**SHARING, "display_name": "Sam", "perspectives": [Perspective.CARER, Perspective.LIVED_EXPERIENCE]},
            follow=True,
        )
        assert "Your profile has been saved." in response.text
        member.refresh_from_db()
        assert member.display_name == "Sam"
        assert member.perspectives == ["lived_experience", "carer"] or set(member.perspectives) == {
            "lived_experience",
            "carer",
        }

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"display_name": ""}, "This field is required."),
            ({"display_name": "Sam", "perspectives": ["chief-officer"]}, "Select a valid choice."),
            ({"display_name": "x" * 81}, "Ensure this value has at most 80 characters"),
        ],
    )
    def test_bad_input_is_explained_and_changes_nothing(self, member_client, member, data, message):
        before = member.display_name
        response = member_client.post(reverse("members:profile"), data)
        assert response.status_code == 400
        assert message in response.text
        member.refresh_from_db()
        assert member.display_name == before


def test_a_person_can_hold_different_roles_in_different_collaboratives(db):
    lambeth, luton = CollaborativeFactory(slug="lambeth"), CollaborativeFactory(slug="luton")
    first = MembershipFactory(collaborative=lambeth, role=Membership.Role.FACILITATOR)
    second = MembershipFactory(user=first.user, collaborative=luton, role=Membership.Role.COMMISSIONER)
    assert (first.is_facilitator, first.is_commissioner) == (True, False)
    assert (second.is_facilitator, second.is_commissioner) == (False, True)
