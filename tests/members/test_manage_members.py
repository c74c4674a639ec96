"""Managing members: roles, ending and restoring memberships, leaving, and the rule that a
Collaborative always keeps at least one active facilitator. Every change is kept."""

import html
import re
import threading
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.emails import WELCOME
from members.models import Invitation, Membership, MembershipChange
from members.services import membership_change_role, membership_create, membership_deactivate, membership_leave
from notifications.delivery import messages_claim, messages_send
from notifications.models import Message
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

F, M, C = Membership.Role.FACILITATOR, Membership.Role.MEMBER, Membership.Role.COMMISSIONER
ONLY_FACILITATOR_ROLE = "A Collaborative needs at least one facilitator. Make someone else a facilitator first."
ONLY_FACILITATOR_END = "This is the Collaborative's only facilitator. Make someone else a facilitator first."
ONLY_FACILITATOR_LEAVE = "You are the only facilitator. Make someone else a facilitator before you leave."


def text(response) -> str:
    return html.unescape(response.content.decode())


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def manage_url(user, slug: str = "lambeth") -> str:
    return reverse("members:member_manage", kwargs={"slug": slug, "pk": user.pk})


def change_role(client, user, role: str):
    return client.post(manage_url(user), {"role": role})


def deactivate(client, user):
    return client.post(reverse("members:member_deactivate", kwargs={"slug": "lambeth", "pk": user.pk}))


def reactivate(client, user):
    return client.post(reverse("members:member_reactivate", kwargs={"slug": "lambeth", "pk": user.pk}))


def leave_url(slug: str = "lambeth") -> str:
    return reverse("members:leave", kwargs={"slug": slug})


def membership(user, collaborative) -> Membership:
    return Membership.objects.get(user=user, collaborative=collaborative)


def history(user, collaborative) -> list[tuple]:
    changes = membership(user, collaborative).changes.order_by("id")
    return list(changes.values_list("field", "old_value", "new_value", "changed_by"))


def directory_names(client) -> list[str]:
    """The names linked from the directory's list."""
    page = client.get(reverse("members:directory", kwargs={"slug": "lambeth"})).content.decode()
    return [html.unescape(name) for name in re.findall(r'/members/\d+/">([^<]+)</a>', page)]


# Roles


def test_a_facilitator_changes_a_role_and_who_when_from_and_to_are_kept(
    facilitator_client, collaborative, member, facilitator
):
    response = change_role(facilitator_client, member, F)

    assert response.status_code == 302
    assert response.headers["Location"] == manage_url(member)
    assert flash(response) == [f"{member.display_name} is now a facilitator."]
    assert membership(member, collaborative).role == F
    change = membership(member, collaborative).changes.get()
    assert (change.field, change.old_value, change.new_value, change.changed_by) == ("role", M, F, facilitator)
    assert timezone.now() - change.changed_at < timedelta(minutes=1)

    page = text(facilitator_client.get(manage_url(member)))
    assert f"Role: Member to Facilitator ({facilitator.display_name})" in page


def test_choosing_the_same_role_changes_nothing(facilitator_client, collaborative, member):
    change_role(facilitator_client, member, M)
    assert not MembershipChange.objects.exists()


def test_a_role_not_on_the_list_is_refused(facilitator_client, collaborative, member):
    response = change_role(facilitator_client, member, "chair")
    assert response.status_code == 400
    assert "Role: Select a valid choice. chair is not one of the available choices." in text(response)
    assert membership(member, collaborative).role == M


def test_demoting_the_last_facilitator_is_refused_and_nothing_changes(facilitator_client, collaborative, facilitator):
    response = change_role(facilitator_client, facilitator, M)

    assert response.status_code == 400
    assert ONLY_FACILITATOR_ROLE in text(response)
    assert membership(facilitator, collaborative).role == F
    assert not MembershipChange.objects.exists()


@pytest.mark.parametrize("elsewhere", ["deactivated", "left", "closed account", "other collaborative"])
def test_a_facilitator_who_is_not_here_now_does_not_count(
    facilitator_client, collaborative, other_collaborative, facilitator, elsewhere
):
    other = MembershipFactory(
        collaborative=other_collaborative if elsewhere == "other collaborative" else collaborative, role=F
    )
    if elsewhere in ("deactivated", "left"):
        Membership.objects.filter(pk=other.pk).update(status=elsewhere, left_at=timezone.now())
    elif elsewhere == "closed account":
        other.user.is_active = False
        other.user.save()

    response = change_role(facilitator_client, facilitator, C)

    assert ONLY_FACILITATOR_ROLE in text(response)
    assert membership(facilitator, collaborative).role == F


def test_with_two_facilitators_one_can_be_demoted_but_then_not_the_other(
    facilitator_client, collaborative, facilitator
):
    second = MembershipFactory(collaborative=collaborative, role=F).user

    assert change_role(facilitator_client, second, M).status_code == 302
    assert membership(second, collaborative).role == M

    response = change_role(facilitator_client, facilitator, M)
    assert ONLY_FACILITATOR_ROLE in text(response)
    assert membership(facilitator, collaborative).role == F


def test_a_facilitator_can_step_down_once_someone_else_facilitates(facilitator_client, collaborative, facilitator):
    second = MembershipFactory(collaborative=collaborative, role=F).user

    change_role(facilitator_client, facilitator, M)

    assert membership(facilitator, collaborative).role == M
    assert membership(second, collaborative).role == F
    # No longer a facilitator: the page is not theirs any more.
    assert facilitator_client.get(manage_url(second)).status_code == 403


def test_a_member_of_another_collaborative_cannot_be_managed_from_here(
    facilitator_client, collaborative, other_collaborative
):
    elsewhere = MembershipFactory(collaborative=other_collaborative).user
    assert facilitator_client.get(manage_url(elsewhere)).status_code == 404
    assert change_role(facilitator_client, elsewhere, F).status_code == 404
    assert membership(elsewhere, other_collaborative).role == M


def test_a_member_cannot_change_roles(member_client, collaborative, member, facilitator):
    assert change_role(member_client, member, F).status_code == 403
    assert change_role(member_client, facilitator, M).status_code == 403
    assert membership(member, collaborative).role == M
    assert membership(facilitator, collaborative).role == F


# Ending and restoring a membership


def test_deactivating_the_last_facilitator_is_refused(facilitator_client, collaborative, facilitator):
    response = deactivate(facilitator_client, facilitator)

    assert response.status_code == 302
    assert response.headers["Location"] == manage_url(facilitator)
    assert flash(response) == [ONLY_FACILITATOR_END]
    assert membership(facilitator, collaborative).status == Membership.Status.ACTIVE
    assert not MembershipChange.objects.exists()


def test_a_deactivated_member_is_gone_from_the_collaborative_and_its_emails(
    facilitator_client, collaborative, facilitator, mailoutbox
):
    joy = UserFactory(display_name="Joy Mensah")
    membership_create(user=joy, collaborative=collaborative)  # Queues a welcome, not yet sent.
    joy_client = Client()
    joy_client.force_login(joy)
    assert joy_client.get(collaborative.get_absolute_url()).status_code == 200
    assert "Joy Mensah" in directory_names(facilitator_client)

    response = deactivate(facilitator_client, joy)

    assert response.headers["Location"] == manage_url(joy)
    assert flash(response) == ["Joy Mensah's membership has ended. You can reactivate it at any time."]
    ended = membership(joy, collaborative)
    assert ended.status == Membership.Status.DEACTIVATED
    assert ended.left_at is not None
    assert history(joy, collaborative) == [("status", "active", "deactivated", facilitator.pk)]
    assert "Joy Mensah" not in directory_names(facilitator_client)
    assert joy_client.get(collaborative.get_absolute_url()).status_code == 404
    assert joy_client.get(reverse("members:directory", kwargs={"slug": "lambeth"})).status_code == 404

    claim, ids = messages_claim()
    assert messages_send(claim=claim, ids=ids) == 0
    assert mailoutbox == []
    welcome = Message.objects.get(recipient=joy, kind=WELCOME.key)
    assert (welcome.status, welcome.last_error) == ("skipped", "No longer a member of this Collaborative.")

    page = text(facilitator_client.get(manage_url(joy)))
    assert "Deactivated by a facilitator on " in page
    assert "Reactivate Joy Mensah's membership" in page


def test_reactivating_brings_them_back_with_their_role(facilitator_client, collaborative, facilitator):
    kit = MembershipFactory(collaborative=collaborative, role=C, user__display_name="Kit Walsh").user
    deactivate(facilitator_client, kit)

    response = reactivate(facilitator_client, kit)

    assert response.headers["Location"] == manage_url(kit)
    assert flash(response)[-1] == "Kit Walsh is a member again."
    back = membership(kit, collaborative)
    assert (back.status, back.role, back.left_at) == (Membership.Status.ACTIVE, C, None)
    assert history(kit, collaborative) == [
        ("status", "active", "deactivated", facilitator.pk),
        ("status", "deactivated", "active", facilitator.pk),
    ]
    assert "Kit Walsh" in directory_names(facilitator_client)
    kit_client = Client()
    kit_client.force_login(kit)
    assert kit_client.get(collaborative.get_absolute_url()).status_code == 200


def test_a_facilitator_who_ends_their_own_membership_goes_to_the_start(facilitator_client, collaborative, facilitator):
    MembershipFactory(collaborative=collaborative, role=F)
    response = deactivate(facilitator_client, facilitator)
    assert response.headers["Location"] == reverse("members:start")
    assert membership(facilitator, collaborative).status == Membership.Status.DEACTIVATED


@pytest.mark.parametrize("action", [deactivate, reactivate])
def test_a_member_cannot_end_or_restore_memberships(member_client, collaborative, facilitator, action):
    assert action(member_client, facilitator).status_code == 403
    assert membership(facilitator, collaborative).status == Membership.Status.ACTIVE


def test_former_members_are_listed_for_facilitators(facilitator_client, collaborative, facilitator):
    left = MembershipFactory(collaborative=collaborative, user__display_name="Lee Left").user
    ended = MembershipFactory(collaborative=collaborative, user__display_name="Ed Ended").user
    MembershipFactory(collaborative=collaborative, user__display_name="Stella Still")
    membership_leave(membership=membership(left, collaborative))
    membership_deactivate(membership=membership(ended, collaborative), by=facilitator)

    page = text(facilitator_client.get(reverse("members:former_members", kwargs={"slug": "lambeth"})))

    assert "Lee Left" in page
    assert "Ed Ended" in page
    assert "Stella Still" not in page
    assert f'href="{manage_url(left)}"' in page
    assert "Left on " in page
    assert "Deactivated by a facilitator on " in page


def test_the_former_members_page_takes_the_same_number_of_queries_for_2_as_for_30(
    facilitator_client, collaborative, django_assert_num_queries
):
    url = reverse("members:former_members", kwargs={"slug": "lambeth"})

    def add(count: int) -> None:
        for _ in range(count):
            MembershipFactory(collaborative=collaborative, status="left", left_at=timezone.now())

    add(2)
    with CaptureQueriesContext(connection) as queries:
        assert facilitator_client.get(url).status_code == 200
    add(28)
    with django_assert_num_queries(len(queries.captured_queries)):
        response = facilitator_client.get(url)
    assert text(response).count("Left on ") == 30


# Leaving


def test_a_member_is_asked_before_leaving(member_client, collaborative, member):
    response = member_client.get(leave_url())
    assert response.status_code == 200
    page = text(response)
    assert f"<h1>Leave {collaborative.name}</h1>" in page
    assert "What you took part in (actions, notes, ideas) stays" in page
    assert f'<a href="{collaborative.get_absolute_url()}">Stay</a>' in page
    assert membership(member, collaborative).status == Membership.Status.ACTIVE


def test_a_member_leaves_and_can_be_invited_back(member_client, facilitator_client_2, collaborative, member):
    response = member_client.post(leave_url())

    assert response.status_code == 302
    assert response.headers["Location"] == reverse("members:start")
    assert flash(response) == [
        f"You have left {collaborative.name}. What you took part in stays on record. "
        "A facilitator can invite you back at any time."
    ]
    left = membership(member, collaborative)
    assert (left.status, left.role) == (Membership.Status.LEFT, M)
    assert left.left_at is not None
    assert history(member, collaborative) == [("status", "active", "left", member.pk)]
    assert member_client.get(collaborative.get_absolute_url()).status_code == 404

    invited = facilitator_client_2.post(
        reverse("members:invitations", kwargs={"slug": "lambeth"}),
        {"addresses": member.email, "role": M, "message": ""},
    )
    assert "1 invitation sent" in text(invited)
    assert Invitation.objects.get().email == member.email


@pytest.fixture
def facilitator_client_2(facilitator) -> Client:
    """The facilitator in a browser of their own, beside `member_client`."""
    client = Client()
    client.force_login(facilitator)
    return client


def test_the_last_facilitator_cannot_leave(facilitator_client, collaborative, facilitator):
    response = facilitator_client.post(leave_url())

    assert response.status_code == 400
    assert ONLY_FACILITATOR_LEAVE in text(response)
    assert membership(facilitator, collaborative).status == Membership.Status.ACTIVE
    assert not MembershipChange.objects.exists()


def test_a_facilitator_can_leave_when_another_facilitates(facilitator_client, collaborative, facilitator):
    MembershipFactory(collaborative=collaborative, role=F)
    assert facilitator_client.post(leave_url()).status_code == 302
    assert membership(facilitator, collaborative).status == Membership.Status.LEFT


def test_an_outsider_cannot_leave_what_they_are_not_in(client, people, collaborative):
    client.force_login(people["outsider"])
    assert client.post(leave_url()).status_code == 404


# Two facilitators, at the same moment


@pytest.mark.django_db(transaction=True)
def test_the_only_two_facilitators_demoting_each_other_at_once_leave_one(collaborative):
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs PostgreSQL: SQLite runs one writing transaction at a time, so there is no race to test. "
            "Set DATABASE_URL (see README, Tests)."
        )
    one = MembershipFactory(collaborative=collaborative, role=F)
    two = MembershipFactory(collaborative=collaborative, role=F)
    ready = threading.Barrier(2, timeout=10)
    outcomes = {}

    def demote(target_pk: int, by_pk: int) -> None:
        try:
            # Each side reads the other as a facilitator before either writes.
            target = Membership.objects.get(pk=target_pk)
            by = Membership.objects.select_related("user").get(pk=by_pk).user
            ready.wait()
            membership_change_role(membership=target, role=M, by=by)
            outcomes[target_pk] = "demoted"
        except ValidationError as error:
            outcomes[target_pk] = error.messages[0]
        finally:
            connection.close()

    threads = [
        threading.Thread(target=demote, args=(two.pk, one.pk)),
        threading.Thread(target=demote, args=(one.pk, two.pk)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == sorted(["demoted", ONLY_FACILITATOR_ROLE])
    facilitators = Membership.objects.current_in(collaborative).filter(role=F)
    assert facilitators.count() == 1
    assert MembershipChange.objects.count() == 1
