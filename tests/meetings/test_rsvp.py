"""Saying whether you are coming: answers and their history, the venue's capacity and the
waiting list, moving people up (and telling them), refusals, the one-click buttons with and
without JavaScript, what facilitators and members see, and queries that do not grow."""

import html
import re
import threading
import time as time_module
from concurrent.futures import ThreadPoolExecutor
from datetime import time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.emails import MOVED_UP, RSVP_ASKED
from meetings.models import Format, Meeting, Rsvp, RsvpChange, Venue
from meetings.services import meeting_cancel, meeting_change, meeting_schedule, rsvp_set
from members.models import Membership, User
from members.services import membership_deactivate, membership_leave
from notifications.delivery import messages_claim, messages_send
from notifications.models import Message
from tests.caching import nothing_cached
from tests.factories import MeetingFactory, MembershipFactory, VenueFactory

pytestmark = pytest.mark.django_db

COMING, MAYBE, NOT_COMING = Rsvp.Answer.COMING, Rsvp.Answer.MAYBE, Rsvp.Answer.NOT_COMING
ONLY_MEMBERS = "Only members can say whether they are coming."
STARTED = "This meeting has started, so answers can no longer be changed."
CANCELLED = "This meeting is cancelled."
CHOOSE = "Choose coming, maybe or can't come."
FULL = "The meeting is full, so you are on the waiting list. We will email you if a place comes free."


def text(response) -> str:
    return html.unescape(response.content.decode())


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs PostgreSQL: SQLite runs one writing transaction at a time, so there is no race to test. "
            "Set DATABASE_URL (see README, Tests)."
        )


def schedule(collaborative, facilitator, *, capacity: int | None = None, days: int = 7, **overrides) -> Meeting:
    """A meeting in `days` days, 10:00 to 12:30 Lambeth time, at a venue with room for `capacity`."""
    venue = VenueFactory(collaborative=collaborative, name="Cafe on the Green", capacity=capacity)
    values = {
        "collaborative": collaborative,
        "by": facilitator,
        "day": timezone.localdate() + timedelta(days=days),
        "start": time(10),
        "end": time(12, 30),
        "venue": venue,
    }
    return meeting_schedule(**(values | overrides))


def members(collaborative, *names: str) -> list[User]:
    return [MembershipFactory(collaborative=collaborative, user__display_name=name).user for name in names]


def state(meeting: Meeting) -> dict[str, str]:
    """Each person's answer as people read it: "Coming", "On the waiting list"..."""
    return {r.user.display_name: r.get_state_display() for r in meeting.rsvps.select_related("user")}


def history(meeting: Meeting, user: User) -> list[tuple[str, bool]]:
    return list(
        RsvpChange.objects.filter(rsvp__meeting=meeting, rsvp__user=user)
        .order_by("changed_at", "id")
        .values_list("answer", "waiting")
    )


def moved_up_to(meeting: Meeting) -> list[str]:
    return sorted(
        Message.objects.filter(kind=MOVED_UP.key, about_id=meeting.pk).values_list("recipient__email", flat=True)
    )


def send_due_emails() -> int:
    claim, ids = messages_claim()
    return messages_send(claim=claim, ids=ids)


@pytest.fixture
def meeting(collaborative, facilitator) -> Meeting:
    return schedule(collaborative, facilitator)


@pytest.fixture
def full_meeting(collaborative, facilitator) -> Meeting:
    """Room for two: Ana and Ben have the places, Cas and Dee wait, in that order."""
    meeting = schedule(collaborative, facilitator, capacity=2)
    for person in members(collaborative, "Ana", "Ben", "Cas", "Dee"):
        rsvp_set(meeting=meeting, user=person, answer=COMING)
    return meeting


def person(name: str) -> User:
    return User.objects.get(display_name=name)


# Answers


@pytest.mark.parametrize(("answer", "shown"), [(COMING, "Coming"), (MAYBE, "Maybe"), (NOT_COMING, "Can't come")])
def test_a_member_says_whether_they_are_coming(meeting, member, answer, shown):
    rsvp = rsvp_set(meeting=meeting, user=member, answer=answer)
    assert (rsvp.answer, rsvp.waiting, rsvp.get_state_display()) == (answer, False, shown)
    assert history(meeting, member) == [(answer, False)]


def test_changing_an_answer_keeps_each_answer_given(meeting, member):
    for answer in [COMING, MAYBE, MAYBE, NOT_COMING, COMING]:
        rsvp_set(meeting=meeting, user=member, answer=answer)
    assert Rsvp.objects.filter(meeting=meeting, user=member).count() == 1
    assert Rsvp.objects.get(meeting=meeting, user=member).answer == COMING
    # The same answer twice is one answer.
    assert history(meeting, member) == [(COMING, False), (MAYBE, False), (NOT_COMING, False), (COMING, False)]


@pytest.mark.parametrize("answer", ["yes", "", "COMING", "waiting"])
def test_an_answer_that_is_not_one_of_the_three_is_refused(meeting, member, answer):
    with pytest.raises(ValidationError) as error:
        rsvp_set(meeting=meeting, user=member, answer=answer)
    assert error.value.messages == [CHOOSE]
    assert not Rsvp.objects.exists()


# Capacity and the waiting list


def test_past_the_venues_capacity_coming_means_the_waiting_list(full_meeting):
    assert state(full_meeting) == {
        "Ana": "Coming",
        "Ben": "Coming",
        "Cas": "On the waiting list",
        "Dee": "On the waiting list",
    }
    cas = Rsvp.objects.get(user__display_name="Cas")
    dee = Rsvp.objects.get(user__display_name="Dee")
    assert cas.waiting_since < dee.waiting_since
    assert history(full_meeting, person("Cas")) == [(COMING, True)]
    # Maybe and can't come need no place.
    late = members(full_meeting.collaborative, "Eve")[0]
    assert not rsvp_set(meeting=full_meeting, user=late, answer=MAYBE).waiting


def test_without_a_capacity_everyone_coming_has_a_place(collaborative, facilitator):
    meeting = schedule(collaborative, facilitator, capacity=None)
    for person_ in members(collaborative, *[f"Person {n}" for n in range(5)]):
        rsvp_set(meeting=meeting, user=person_, answer=COMING)
    assert not meeting.rsvps.filter(waiting=True).exists()


def test_an_online_meeting_has_no_capacity(collaborative, facilitator):
    meeting = schedule(collaborative, facilitator, capacity=1, format=Format.ONLINE, online_link="https://x.example")
    for person_ in members(collaborative, "Ana", "Ben"):
        rsvp_set(meeting=meeting, user=person_, answer=COMING)
    assert not meeting.rsvps.filter(waiting=True).exists()


def test_when_someone_with_a_place_withdraws_the_first_waiting_is_moved_up_and_told(full_meeting, mailoutbox):
    rsvp_set(meeting=full_meeting, user=person("Ana"), answer=NOT_COMING)

    assert state(full_meeting) == {
        "Ana": "Can't come",
        "Ben": "Coming",
        "Cas": "Coming",
        "Dee": "On the waiting list",
    }
    assert history(full_meeting, person("Cas")) == [(COMING, True), (COMING, False)]
    assert Rsvp.objects.get(user__display_name="Cas").waiting_since is None
    assert moved_up_to(full_meeting) == [person("Cas").email]

    send_due_emails()
    [email] = [email for email in mailoutbox if "A place for you" in email.subject]
    assert email.to == [person("Cas").email]
    local = full_meeting.local_start
    assert email.subject == (
        f"A place for you at the meeting on {local:%A} {local.day} {local:%B} (Lambeth Living Well Collaborative)"
    )
    assert "a place has come free at the meeting you were waiting for, and it is yours" in email.body
    assert "Cafe on the Green" in email.body
    assert f"{local:%H:%M} to " in email.body
    assert full_meeting.get_absolute_url() in email.body


def test_saying_maybe_also_gives_up_the_place(full_meeting):
    rsvp_set(meeting=full_meeting, user=person("Ben"), answer=MAYBE)
    assert state(full_meeting)["Cas"] == "Coming"
    assert state(full_meeting)["Dee"] == "On the waiting list"


def test_someone_waiting_who_withdraws_frees_no_place(full_meeting):
    rsvp_set(meeting=full_meeting, user=person("Cas"), answer=NOT_COMING)
    assert state(full_meeting)["Dee"] == "On the waiting list"
    assert moved_up_to(full_meeting) == []


def test_someone_who_comes_back_goes_to_the_end_of_the_waiting_list(full_meeting):
    rsvp_set(meeting=full_meeting, user=person("Ana"), answer=NOT_COMING)  # Cas moves up.
    rsvp_set(meeting=full_meeting, user=person("Ana"), answer=COMING)
    assert state(full_meeting)["Ana"] == "On the waiting list"
    rsvp_set(meeting=full_meeting, user=person("Ben"), answer=NOT_COMING)
    assert state(full_meeting)["Dee"] == "Coming"
    assert state(full_meeting)["Ana"] == "On the waiting list"


def test_saying_coming_again_while_waiting_keeps_the_place_in_the_queue(full_meeting):
    before = Rsvp.objects.get(user__display_name="Cas").waiting_since
    rsvp_set(meeting=full_meeting, user=person("Cas"), answer=COMING)
    assert Rsvp.objects.get(user__display_name="Cas").waiting_since == before
    assert history(full_meeting, person("Cas")) == [(COMING, True)]


def change(meeting: Meeting, by: User, **overrides) -> Meeting:
    values = {
        "meeting": meeting,
        "by": by,
        "day": meeting.local_start.date(),
        "start": meeting.local_start.time(),
        "end": meeting.local_end.time(),
        "title": meeting.title,
        "format": meeting.format,
        "venue": meeting.venue,
        "online_link": meeting.online_link,
        "notes_for_members": meeting.notes_for_members,
    }
    return meeting_change(**(values | overrides))


def test_a_bigger_capacity_moves_people_up_when_the_meeting_is_saved(full_meeting, facilitator):
    venue = full_meeting.venue
    venue.capacity = 3
    venue.save()
    change(Meeting.objects.get(pk=full_meeting.pk), facilitator)
    assert state(full_meeting)["Cas"] == "Coming"
    assert state(full_meeting)["Dee"] == "On the waiting list"
    assert moved_up_to(full_meeting) == [person("Cas").email]


def test_moving_to_a_bigger_venue_moves_people_up(full_meeting, facilitator, collaborative):
    hall = VenueFactory(collaborative=collaborative, name="The Hall", capacity=10)
    change(full_meeting, facilitator, venue=hall)
    assert set(state(full_meeting).values()) == {"Coming"}
    assert moved_up_to(full_meeting) == sorted([person("Cas").email, person("Dee").email])


def test_moving_online_gives_everyone_waiting_a_place(full_meeting, facilitator):
    change(full_meeting, facilitator, format=Format.ONLINE, online_link="https://meet.example.org/lambeth")
    assert set(state(full_meeting).values()) == {"Coming"}


def test_a_smaller_venue_takes_no_place_away(full_meeting, facilitator, collaborative):
    snug = VenueFactory(collaborative=collaborative, name="The Snug", capacity=1)
    change(full_meeting, facilitator, venue=snug)
    assert state(full_meeting) == {
        "Ana": "Coming",
        "Ben": "Coming",
        "Cas": "On the waiting list",
        "Dee": "On the waiting list",
    }


# Refusals


def test_answers_are_refused_once_the_meeting_has_started(meeting, member):
    rsvp_set(meeting=meeting, user=member, answer=COMING)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    for answer in [NOT_COMING, MAYBE]:
        with pytest.raises(ValidationError) as error:
            rsvp_set(meeting=meeting, user=member, answer=answer)
        assert error.value.messages == [STARTED]
    assert history(meeting, member) == [(COMING, False)]


def test_answers_are_refused_for_a_cancelled_meeting(meeting, member, facilitator):
    meeting_cancel(meeting=meeting, by=facilitator)
    with pytest.raises(ValidationError) as error:
        rsvp_set(meeting=meeting, user=member, answer=COMING)
    assert error.value.messages == [CANCELLED]
    assert not Rsvp.objects.exists()


def test_only_current_members_can_answer(meeting, people, collaborative):
    left = MembershipFactory(collaborative=collaborative)
    membership_leave(membership=left)
    deactivated = MembershipFactory(collaborative=collaborative).user
    deactivated.is_active = False
    deactivated.save()
    for user in [people["outsider"], left.user, deactivated]:
        with pytest.raises(ValidationError) as error:
            rsvp_set(meeting=meeting, user=user, answer=COMING)
        assert error.value.messages == [ONLY_MEMBERS]
    assert not Rsvp.objects.exists()


# Leaving


def test_leaving_withdraws_answers_to_meetings_to_come_and_frees_the_place(collaborative, facilitator):
    meeting = schedule(collaborative, facilitator, capacity=1)
    ana, ben = members(collaborative, "Ana", "Ben")
    rsvp_set(meeting=meeting, user=ana, answer=COMING)
    rsvp_set(meeting=meeting, user=ben, answer=COMING)
    past = MeetingFactory(
        collaborative=collaborative, venue=meeting.venue, starts_at=timezone.now() - timedelta(days=30)
    )
    Rsvp.objects.create(meeting=past, user=ana, answer=COMING)

    membership_leave(membership=Membership.objects.get(user=ana, collaborative=collaborative))

    assert state(meeting) == {"Ana": "Can't come", "Ben": "Coming"}
    assert history(meeting, ana) == [(COMING, False), (NOT_COMING, False)]
    assert history(meeting, ben) == [(COMING, True), (COMING, False)]
    assert moved_up_to(meeting) == [ben.email]
    # What happened stays as it was.
    assert Rsvp.objects.get(meeting=past, user=ana).answer == COMING


def test_leaving_one_collaborative_keeps_answers_in_another(collaborative, other_collaborative, facilitator):
    ana = members(collaborative, "Ana")[0]
    MembershipFactory(collaborative=other_collaborative, user=ana)
    here = schedule(collaborative, facilitator)
    there = schedule(other_collaborative, facilitator)
    rsvp_set(meeting=here, user=ana, answer=COMING)
    rsvp_set(meeting=there, user=ana, answer=COMING)

    membership_leave(membership=Membership.objects.get(user=ana, collaborative=collaborative))

    assert state(here) == {"Ana": "Can't come"}
    assert state(there) == {"Ana": "Coming"}


def test_a_membership_ended_by_a_facilitator_frees_the_place_too(collaborative, facilitator):
    meeting = schedule(collaborative, facilitator, capacity=1)
    ana, ben = members(collaborative, "Ana", "Ben")
    rsvp_set(meeting=meeting, user=ana, answer=COMING)
    rsvp_set(meeting=meeting, user=ben, answer=COMING)
    membership_deactivate(membership=Membership.objects.get(user=ana, collaborative=collaborative), by=facilitator)
    assert state(meeting) == {"Ana": "Can't come", "Ben": "Coming"}


def test_someone_waiting_who_leaves_is_taken_off_the_waiting_list(full_meeting):
    membership_leave(membership=Membership.objects.get(user=person("Cas")))
    assert state(full_meeting)["Cas"] == "Can't come"
    rsvp_set(meeting=full_meeting, user=person("Ana"), answer=NOT_COMING)
    assert state(full_meeting)["Dee"] == "Coming"


# At the same moment (PostgreSQL)


def at_once(*calls) -> list:
    """Run each call in its own thread and database connection, all starting together."""
    ready = threading.Barrier(len(calls), timeout=10)

    def run(call):
        try:
            ready.wait()
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout=30) for future in futures]


@pytest.mark.django_db(transaction=True)
def test_two_people_withdrawing_at_once_move_both_waiting_people_up_once_each(collaborative, facilitator):
    needs_postgresql()
    meeting = schedule(collaborative, facilitator, capacity=2)
    ana, ben, cas, dee = members(collaborative, "Ana", "Ben", "Cas", "Dee")
    for person_ in (ana, ben, cas, dee):
        rsvp_set(meeting=meeting, user=person_, answer=COMING)

    at_once(
        lambda: rsvp_set(meeting=meeting, user=ana, answer=NOT_COMING),
        lambda: rsvp_set(meeting=meeting, user=ben, answer=NOT_COMING),
    )

    assert state(meeting) == {"Ana": "Can't come", "Ben": "Can't come", "Cas": "Coming", "Dee": "Coming"}
    assert history(meeting, cas) == [(COMING, True), (COMING, False)]
    assert history(meeting, dee) == [(COMING, True), (COMING, False)]
    assert moved_up_to(meeting) == sorted([cas.email, dee.email])
    assert meeting.rsvps.filter(answer=COMING, waiting=False).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_people_saying_coming_at_once_to_the_last_place_get_one_place(collaborative, facilitator):
    needs_postgresql()
    meeting = schedule(collaborative, facilitator, capacity=1)
    ana, ben = members(collaborative, "Ana", "Ben")

    answers = at_once(
        lambda: rsvp_set(meeting=meeting, user=ana, answer=COMING),
        lambda: rsvp_set(meeting=meeting, user=ben, answer=COMING),
    )

    assert sorted(rsvp.waiting for rsvp in answers) == [False, True]
    assert sorted(state(meeting).values()) == ["Coming", "On the waiting list"]


@pytest.mark.django_db(transaction=True)
def test_someone_leaving_just_as_they_are_moved_up_passes_the_place_on(collaborative, facilitator):
    """Cas leaves while Ana's withdrawal is moving Cas up: the place must go on to Dee."""
    needs_postgresql()
    meeting = schedule(collaborative, facilitator, capacity=2)
    ana, ben, cas, dee = members(collaborative, "Ana", "Ben", "Cas", "Dee")
    for person_ in (ana, ben, cas, dee):
        rsvp_set(meeting=meeting, user=person_, answer=COMING)
    cas_membership = Membership.objects.get(user=cas)

    def leave():
        try:
            membership_leave(membership=cas_membership)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool, transaction.atomic():
        rsvp_set(meeting=meeting, user=ana, answer=NOT_COMING)  # Cas moves up; not yet committed.
        leaving = pool.submit(leave)
        wait_for_a_lock_wait()
    leaving.result(timeout=30)

    assert state(meeting) == {"Ana": "Can't come", "Ben": "Coming", "Cas": "Can't come", "Dee": "Coming"}


def wait_for_a_lock_wait(seconds: float = 10) -> None:
    """Until another connection waits for a row lock this one holds (PostgreSQL)."""
    deadline = time_module.monotonic() + seconds
    with connection.cursor() as cursor:
        while time_module.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            time_module.sleep(0.02)
    pytest.fail("The other connection never waited for the lock.")


# The buttons


def rsvp_url(meeting: Meeting) -> str:
    return reverse("meetings:rsvp", kwargs={"slug": meeting.collaborative.slug, "pk": meeting.pk})


def test_one_click_without_javascript_goes_back_where_it_came_from(member_client, meeting, member, collaborative):
    home = collaborative.get_absolute_url()
    response = member_client.post(rsvp_url(meeting), {"answer": "coming", "next": home})
    assert response.status_code == 302
    assert response.url == home
    assert flash(response) == ["Thank you. You said you are coming."]
    assert Rsvp.objects.get(user=member).answer == COMING

    response = member_client.post(rsvp_url(meeting), {"answer": "not_coming", "next": f"{home}?tab=1"})
    assert response.url == f"{home}?tab=1"
    assert flash(response)[-1] == "Thank you. You said you can't come."


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/c/lambeth/", "http://evil.example", "javascript:alert(1)", "", None],
)
def test_one_click_never_goes_to_another_site(member_client, meeting, next_url):
    data = {"answer": "maybe"} | ({"next": next_url} if next_url is not None else {})
    response = member_client.post(rsvp_url(meeting), data)
    assert response.status_code == 302
    assert response.url == meeting.get_absolute_url()
    assert flash(response) == ["Thank you. You said maybe."]


def test_one_click_tells_someone_waiting_where_they_are(client, full_meeting, collaborative):
    eve = members(collaborative, "Eve")[0]
    client.force_login(eve)
    response = client.post(rsvp_url(full_meeting), {"answer": "coming"})
    assert flash(response) == [FULL]
    page = text(client.get(full_meeting.get_absolute_url()))
    assert FULL in page


def test_with_htmx_only_the_buttons_come_back_with_the_answer_pressed(member_client, meeting):
    response = member_client.post(rsvp_url(meeting), {"answer": "maybe"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body
    assert body.strip().startswith(f'<div id="rsvp-{meeting.pk}"')
    pressed = re.findall(r'<button[^>]*value="(\w+)"[^>]*aria-pressed="true"', body)
    assert pressed == ["maybe"]
    assert len(re.findall(r'aria-pressed="false"', body)) == 2
    assert "You said: maybe." in body
    assert "HX-Request" in response.headers["Vary"]
    assert Rsvp.objects.get().answer == MAYBE


def test_a_bad_answer_is_explained_and_nothing_is_saved(member_client, meeting):
    response = member_client.post(rsvp_url(meeting), {"answer": "yes please"})
    assert response.status_code == 302
    assert flash(response) == [CHOOSE]

    response = member_client.post(rsvp_url(meeting), {}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in text(response)
    assert CHOOSE in text(response)
    assert 'aria-pressed="true"' not in text(response)
    assert not Rsvp.objects.exists()


def test_a_click_after_the_start_is_refused_with_the_reason(member_client, meeting, member):
    rsvp_set(meeting=meeting, user=member, answer=COMING)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(minutes=1))

    response = member_client.post(rsvp_url(meeting), {"answer": "not_coming"})
    assert flash(response) == [STARTED]
    response = member_client.post(rsvp_url(meeting), {"answer": "not_coming"}, headers={"HX-Request": "true"})
    assert STARTED in text(response)
    assert Rsvp.objects.get().answer == COMING
    page = text(member_client.get(meeting.get_absolute_url()))
    assert "Are you coming?" not in page
    assert "You said: coming." in page


def test_a_click_for_a_cancelled_meeting_is_refused(member_client, meeting, facilitator):
    meeting_cancel(meeting=meeting, by=facilitator)
    response = member_client.post(rsvp_url(meeting), {"answer": "coming"})
    assert flash(response) == [CANCELLED]
    assert not Rsvp.objects.exists()


def test_someone_who_has_left_cannot_click(client, meeting, collaborative):
    left = MembershipFactory(collaborative=collaborative)
    membership_leave(membership=left)
    client.force_login(left.user)
    assert client.post(rsvp_url(meeting), {"answer": "coming"}).status_code == 404
    assert not Rsvp.objects.exists()


def test_the_rsvp_address_takes_only_post(member_client, meeting):
    assert member_client.get(rsvp_url(meeting)).status_code == 405


# The home page


def test_home_shows_the_next_meeting_going_ahead_with_the_buttons(member_client, collaborative, facilitator):
    first = schedule(collaborative, facilitator, days=3)
    second = schedule(collaborative, facilitator, days=10)
    meeting_cancel(meeting=first, by=facilitator)

    page = text(member_client.get(collaborative.get_absolute_url()))

    assert f"{second.local_start:%A} {second.local_start.day} {second.local_start:%B %Y}" in page
    assert f"{first.local_start:%A} {first.local_start.day} {first.local_start:%B %Y}" not in page
    assert second.get_absolute_url() in page
    # Without JavaScript the buttons send the home page's form to the home page (see tests/members/test_views.py).
    assert f'action="{collaborative.get_absolute_url()}" id="home-form"' in page
    assert f'name="meeting" value="{second.pk}"' in page
    assert f'data-hx-post="{rsvp_url(second)}"' in page
    assert "Tap one to tell the facilitators." in page


def test_home_shows_the_members_answer(member_client, collaborative, facilitator, member):
    meeting = schedule(collaborative, facilitator)
    rsvp_set(meeting=meeting, user=member, answer=NOT_COMING)
    page = text(member_client.get(collaborative.get_absolute_url()))
    assert re.findall(r'<button[^>]*value="(\w+)"[^>]*aria-pressed="true"', page) == ["not_coming"]
    assert "You said: can't come." in page


def test_home_without_a_meeting_says_so(member_client, facilitator_client, collaborative, facilitator):
    past = schedule(collaborative, facilitator, days=-7)
    assert past.is_past
    assert "No meeting has been set up yet." in text(member_client.get(collaborative.get_absolute_url()))


def test_home_offers_facilitators_monthly_meetings_when_there_are_none(facilitator_client, collaborative):
    page = text(facilitator_client.get(collaborative.get_absolute_url()))
    assert reverse("meetings:schedule_series", kwargs={"slug": "lambeth"}) in page


# Who sees what


@pytest.fixture
def answered(collaborative, facilitator) -> Meeting:
    """Ana (step-free, dietary) and Ben (hearing loop, and in her own words) are coming,
    Cas may come, Dee can't, and Eve waits."""
    meeting = schedule(collaborative, facilitator, capacity=2)
    ana, ben, cas, dee, eve = members(collaborative, "Ana Lee", "Ben Cho", "Cas Ray", "Dee Fox", "Eve Oak")
    ana.access_needs = ["step_free", "dietary"]
    ana.save()
    ben.access_needs = ["hearing_loop", "dietary"]
    ben.access_needs_other = "Vegan, and <b>no nuts</b>."
    ben.save()
    for user, answer in [(ana, COMING), (ben, COMING), (cas, MAYBE), (dee, NOT_COMING), (eve, COMING)]:
        rsvp_set(meeting=meeting, user=user, answer=answer)
    return meeting


def test_facilitators_see_names_catering_and_needs_of_those_coming(facilitator_client, answered):
    page = text(facilitator_client.get(answered.get_absolute_url()))
    assert "2 coming, 1 maybe, 1 can't come, 1 on the waiting list. The venue has room for 2." in page
    assert "plan for 2 to 3 (with those who said maybe) people." in page
    assert "Coming:</strong> Ana Lee, Ben Cho" in page
    assert "Maybe:</strong> Cas Ray" in page
    assert "Waiting list, in order:</strong> Eve Oak" in page
    assert "Step-free access: 1 (Ana Lee)" in page
    assert "Hearing loop: 1 (Ben Cho)" in page
    assert "Dietary needs: 2 (Ana Lee, Ben Cho)" in page
    assert "Ben Cho, in their words: Vegan, and <b>no nuts</b>." in page
    assert "&lt;b&gt;no nuts&lt;/b&gt;" in facilitator_client.get(answered.get_absolute_url()).content.decode()


def test_members_see_only_the_numbers(member_client, answered):
    page = text(member_client.get(answered.get_absolute_url()))
    assert "2 coming, 1 maybe, 1 can't come, 1 on the waiting list." in page
    for private in ["Ana Lee", "Ben Cho", "Cas Ray", "Eve Oak", "Step-free access: ", "Vegan", "Catering"]:
        assert private not in page
    assert "Only facilitators see names and needs." not in page


def test_someone_who_has_left_is_not_counted(facilitator_client, answered, collaborative):
    eve = User.objects.get(display_name="Eve Oak")
    Membership.objects.filter(user=eve).update(status=Membership.Status.LEFT, left_at=timezone.now())
    ana = User.objects.get(display_name="Ana Lee")
    ana.is_active = False
    ana.save()
    page = text(facilitator_client.get(answered.get_absolute_url()))
    assert "1 coming, 1 maybe, 1 can't come." in page
    assert "Ana Lee" not in page
    assert "Eve Oak" not in page


def test_when_no_one_coming_has_needs_the_page_says_so(facilitator_client, meeting, member):
    rsvp_set(meeting=meeting, user=member, answer=COMING)
    page = text(facilitator_client.get(meeting.get_absolute_url()))
    assert "No one coming has told us of an access or dietary need." in page
    assert "plan for 1 people." in page


def test_the_online_link_is_shown_to_members(member_client, collaborative, facilitator):
    meeting = schedule(
        collaborative, facilitator, format=Format.HYBRID, online_link="https://meet.example.org/lambeth-secret"
    )
    page = text(member_client.get(meeting.get_absolute_url()))
    assert 'href="https://meet.example.org/lambeth-secret"' in page
    assert "Cafe on the Green" in page


# Queries


def queries_for(client, url: str) -> int:
    """The queries of a page made afresh, none of it from the cache, after a first request (which starts the
    session and the data's version)."""
    client.get(url)
    with nothing_cached(), CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def add_answers(meeting: Meeting, how_many: int) -> None:
    """`how_many` members more, each with an answer (some with access needs), made in bulk."""
    start = User.objects.count()
    users = User.objects.bulk_create(
        User(
            email=f"bulk{start + n}@example.org",
            display_name=f"Bulk {start + n}",
            access_needs=["dietary"] if n % 3 == 0 else [],
            access_needs_other="Gluten-free" if n % 7 == 0 else "",
        )
        for n in range(how_many)
    )
    Membership.objects.bulk_create(Membership(user=user, collaborative=meeting.collaborative) for user in users)
    answers = [COMING, MAYBE, NOT_COMING]
    Rsvp.objects.bulk_create(Rsvp(meeting=meeting, user=user, answer=answers[n % 3]) for n, user in enumerate(users))


@pytest.mark.parametrize("viewer", ["member", "facilitator"])
def test_the_meeting_page_uses_as_many_queries_for_200_answers_as_for_2(client, people, meeting, viewer):
    client.force_login(people[viewer])
    rsvp_set(meeting=meeting, user=people[viewer], answer=COMING)
    add_answers(meeting, 1)
    few = queries_for(client, meeting.get_absolute_url())
    add_answers(meeting, 198)
    assert meeting.rsvps.count() == 200
    assert queries_for(client, meeting.get_absolute_url()) == few


def test_the_meeting_list_uses_as_many_queries_for_30_meetings_as_for_2(member_client, collaborative, member):
    def add_meetings(upcoming: int, past: int) -> None:
        venue = VenueFactory(collaborative=collaborative)
        now = timezone.now()
        for n in range(upcoming):
            meeting = MeetingFactory(collaborative=collaborative, venue=venue, starts_at=now + timedelta(days=n + 1))
            Rsvp.objects.create(meeting=meeting, user=member, answer=COMING)
        for n in range(past):
            MeetingFactory(collaborative=collaborative, venue=venue, starts_at=now - timedelta(days=30 * (n + 1)))

    url = reverse("meetings:list", kwargs={"slug": "lambeth"})
    add_meetings(1, 1)
    few = queries_for(member_client, url)
    add_meetings(14, 14)
    assert Meeting.objects.count() == 30
    assert queries_for(member_client, url) == few
    assert text(member_client.get(url)).count("You said: coming.") == 15


def test_more_room_at_the_venue_moves_people_up(facilitator_client, people, collaborative):
    venue = Venue.objects.create(collaborative=collaborative, name="Small cafe", address="1 High St", capacity=1)
    meeting = meeting_schedule(
        collaborative=collaborative,
        by=people["facilitator"],
        day=timezone.localdate() + timedelta(days=5),
        start=time(10),
        end=time(12),
        venue=venue,
    )
    rsvp_set(meeting=meeting, user=people["member"], answer=Rsvp.Answer.COMING)
    waiting = rsvp_set(meeting=meeting, user=people["commissioner"], answer=Rsvp.Answer.COMING)
    assert waiting.waiting
    facilitator_client.post(
        reverse("meetings:venue_edit", kwargs={"slug": "lambeth", "pk": venue.pk}),
        {"name": "Small cafe", "address": "1 High St", "capacity": "2"},
    )
    waiting.refresh_from_db()
    assert not waiting.waiting


def test_a_meeting_that_has_happened_cannot_be_changed(people, collaborative):
    venue = Venue.objects.create(collaborative=collaborative, name="Cafe", address="1 High St")
    meeting = meeting_schedule(
        collaborative=collaborative,
        by=people["facilitator"],
        day=timezone.localdate() + timedelta(days=5),
        start=time(10),
        end=time(12),
        venue=venue,
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(days=3), ends_at=timezone.now() - timedelta(days=3, hours=-2)
    )
    meeting.refresh_from_db()
    with pytest.raises(ValidationError, match="already happened"):
        meeting_change(
            meeting=meeting,
            by=people["facilitator"],
            day=timezone.localdate(),
            start=time(10),
            end=time(12),
            title="Monthly meeting",
            format="in_person",
            venue=venue,
            online_link="",
            notes_for_members="",
        )


# Who has not said (issue 15, item 9): facilitators see them, and can ask them all once by email.


def ask_url(meeting: Meeting) -> str:
    return reverse("meetings:rsvp_ask", kwargs={"slug": "lambeth", "pk": meeting.pk})


def test_facilitators_see_who_has_not_said_and_members_do_not(client, people, meeting):
    ana, _ben = members(meeting.collaborative, "Ana Quiet", "Ben Quiet")
    rsvp_set(meeting=meeting, user=ana, answer=MAYBE)
    client.force_login(people["facilitator"])
    page = text(client.get(meeting.get_absolute_url()))
    said = page.split("<strong>Not said yet (")[1].split("</p>")[0]
    assert "Ben Quiet" in said
    assert "Ana Quiet" not in said  # She said maybe.
    assert "Remind those who have not said" in page
    client.force_login(people["member"])
    page = text(client.get(meeting.get_absolute_url()))
    assert "Not said yet" not in page
    assert "Remind those who have not said" not in page


def test_a_long_list_of_those_who_have_not_said_shows_the_first_30_and_how_many_more(client, people, meeting):
    members(meeting.collaborative, *[f"Quiet {n:02}" for n in range(40)])
    client.force_login(people["facilitator"])
    page = text(client.get(meeting.get_absolute_url()))
    said = page.split("<strong>Not said yet (")[1].split("</p>")[0]
    # The three of the `people` fixture in Lambeth have not said either: 43 in all.
    assert said.startswith("43):</strong> ")
    assert said.count(", ") == 29
    assert said.endswith(" and 13 more")


def test_asking_those_who_have_not_said_emails_each_once_with_answer_links(client, people, meeting, mailoutbox):
    ana, ben = members(meeting.collaborative, "Ana Quiet", "Ben Quiet")
    rsvp_set(meeting=meeting, user=ana, answer=COMING)
    client.force_login(people["facilitator"])
    response = client.post(ask_url(meeting), follow=True)
    unanswered = {ben, people["member"], people["facilitator"], people["commissioner"]}
    assert f"{len(unanswered)} members who had not said are being asked by email." in text(response)
    asked = Message.objects.filter(kind=RSVP_ASKED.key)
    assert set(asked.values_list("recipient", flat=True)) == {person.pk for person in unanswered}
    # Asked again: no one is asked twice.
    response = client.post(ask_url(meeting), follow=True)
    assert "Everyone who has not said has been asked already: no one is asked twice." in text(response)
    assert asked.count() == len(unanswered)
    # Someone who answers before the email goes is not sent it.
    rsvp_set(meeting=meeting, user=ben, answer=NOT_COMING)
    send_due_emails()
    sent = {email.to[0]: email for email in mailoutbox if email.subject.startswith("Are you coming on ")}
    assert set(sent) == {person.email for person in unanswered - {ben}}
    email = sent[people["member"].email]
    assert "Cafe on the Green" in email.body
    assert "Are you coming? Open one of these (no need to sign in):" in email.body
    assert "Maybe: http" in email.body


def test_no_one_is_asked_about_a_meeting_that_has_started_or_is_cancelled(client, people, meeting):
    meeting_cancel(meeting=meeting, by=people["facilitator"], reason="The cafe is closed.")
    client.force_login(people["facilitator"])
    response = client.post(ask_url(meeting), follow=True)
    assert "This meeting has started or is cancelled, so there is no one to ask." in text(response)
    assert not Message.objects.filter(kind=RSVP_ASKED.key).exists()
    assert "Remind those who have not said" not in text(client.get(meeting.get_absolute_url()))
