"""Actions: any member proposes one, the owner and facilitators change it, supporters add updates,
a reason for blocked and dropped, nothing from another Collaborative, and nothing of one
Collaborative visible to the people of another."""

import html
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, ActionChange, ActionUpdate, ReviewRound
from actions.services import action_change, action_create, action_update_add, review_round_open
from meetings.models import AgendaItem, Decision
from members.models import Membership
from members.personal_data import account_erase
from tests.factories import GoalFactory, MeetingFactory, MembershipFactory, action_record
from vision.models import KeyRole

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def url(name: str, slug: str = "lambeth", **kwargs) -> str:
    return reverse(f"actions:{name}", kwargs={"slug": slug, **kwargs})


def quick(action, **fields) -> dict:
    """A quick status change as the home page's form sends it: each action's fields are named after it."""
    return {f"action-{action.pk}-{name}": value for name, value in fields.items()}


def text(response) -> str:
    return html.unescape(response.content.decode())


def day(delta: int) -> str:
    return (TODAY + timedelta(days=delta)).isoformat()


@pytest.fixture
def owner(collaborative):
    return MembershipFactory(collaborative=collaborative, user__display_name="Olu Owner").user


@pytest.fixture
def supporter(collaborative):
    return MembershipFactory(collaborative=collaborative, user__display_name="Sam Supporter").user


@pytest.fixture
def action(collaborative, owner, supporter) -> Action:
    return action_record(
        collaborative,
        by=owner,
        title="Map the crisis cafes",
        organisation="Lambeth Council",
        due_on=TODAY + timedelta(days=20),
        supporters=[supporter],
    )


def origins(collaborative) -> dict:
    """A meeting, an agenda item, a decision, a goal and a key role of the Collaborative."""
    meeting = MeetingFactory(collaborative=collaborative, starts_at=timezone.now() - timedelta(days=2))
    item = AgendaItem.objects.create(meeting=meeting, title="Crisis cafes", status=AgendaItem.Status.ACCEPTED)
    return {
        "meeting": meeting,
        "agenda_item": item,
        "decision": Decision.objects.create(meeting=meeting, agenda_item=item, text="We map every crisis cafe."),
        "goal": GoalFactory(collaborative=collaborative),
        "key_role": KeyRole.objects.create(collaborative=collaborative, number=1, title="Hold to account"),
    }


def form_data(action: Action, **changes) -> dict:
    """What the action's change form posts, with `changes` made."""
    data = {
        "title": action.title,
        "description": action.description,
        "owner": action.owner_id or "",
        "supporters": [person.pk for person in action.supporters.all()],
        "organisation": action.organisation,
        "due_on": action.due_on.isoformat(),
        "status": action.status,
        "status_reason": action.status_reason,
        "goal": action.goal_id or "",
        "key_role": action.key_role_id or "",
        "meeting": action.meeting_id or "",
        "agenda_item": action.agenda_item_id or "",
        "decision": action.decision_id or "",
    }
    data.update(changes)
    return data


def state(action: Action) -> tuple:
    """Everything about an action that no refused request may change."""
    action = Action.objects.get(pk=action.pk)
    return (
        action.title,
        action.status,
        action.status_reason,
        action.due_on,
        action.owner_id,
        action.organisation,
        sorted(action.supporters.values_list("pk", flat=True)),
        action.changes.count(),
        action.updates.count(),
    )


# Proposing


def test_any_member_proposes_an_action_with_everything_it_can_have(client, collaborative, member, owner, supporter):
    linked = origins(collaborative)
    client.force_login(member)
    response = client.post(
        url("new"),
        {
            "title": "Open a crisis cafe in Brixton",
            "description": "Evenings and weekends.",
            "owner": owner.pk,
            "supporters": [supporter.pk, member.pk],
            "organisation": "South London and Maudsley",
            "due_on": day(40),
            "status": "open",
            "goal": linked["goal"].pk,
            "key_role": linked["key_role"].pk,
            "meeting": linked["meeting"].pk,
        },
    )
    action = Action.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == action.get_absolute_url()
    assert (action.title, action.owner, action.organisation, action.due_on, action.status) == (
        "Open a crisis cafe in Brixton",
        owner,
        "South London and Maudsley",
        TODAY + timedelta(days=40),
        Action.Status.OPEN,
    )
    assert set(action.supporters.all()) == {supporter, member}
    assert (action.goal, action.key_role, action.meeting, action.created_by) == (
        linked["goal"],
        linked["key_role"],
        linked["meeting"],
        member,
    )
    created = ActionChange.objects.get(action=action)
    assert (created.field, created.new_value, created.changed_by) == ("created", action.title, member)
    page = text(client.get(action.get_absolute_url()))
    assert "Open a crisis cafe in Brixton" in page
    assert "Olu Owner" in page
    assert "Sam Supporter" in page


def test_the_form_starts_with_the_member_as_owner_and_a_date_four_weeks_on(member_client, member):
    form = member_client.get(url("new")).context["form"]
    assert form.initial["owner"] == member.pk
    assert form.initial["due_on"] == TODAY + timedelta(days=28)


def test_an_owner_is_required(member_client, member):
    response = member_client.post(url("new"), {"title": "Nobody's job", "due_on": day(10), "status": "open"})
    assert response.status_code == 400
    assert "Owner: Choose the member who owns this action." in text(response)
    assert not Action.objects.exists()


def test_the_owner_in_the_supporters_is_only_the_owner(member_client, member, supporter):
    member_client.post(
        url("new"),
        {
            "title": "Mine",
            "owner": member.pk,
            "supporters": [member.pk, supporter.pk],
            "due_on": day(5),
            "status": "open",
        },
    )
    assert list(Action.objects.get().supporters.all()) == [supporter]


def test_the_owner_and_supporters_must_be_members_of_the_collaborative(member_client, other_collaborative):
    stranger = MembershipFactory(collaborative=other_collaborative).user
    response = member_client.post(
        url("new"), {"title": "Theirs", "owner": stranger.pk, "due_on": day(5), "status": "open"}
    )
    assert response.status_code == 400
    assert "Owner: Choose a current member as the owner." in text(response)
    assert not Action.objects.exists()


@pytest.mark.parametrize("field", ["meeting", "goal", "key_role", "agenda_item", "decision"])
def test_an_origin_or_goal_from_another_collaborative_is_refused(
    member_client, member, collaborative, other_collaborative, field
):
    theirs = origins(other_collaborative)
    response = member_client.post(
        url("new"),
        {"title": "Borrowed", "owner": member.pk, "due_on": day(5), "status": "open", field: theirs[field].pk},
    )
    assert response.status_code == 400
    assert not Action.objects.exists()


@pytest.mark.parametrize("field", ["meeting", "goal", "key_role", "agenda_item", "decision"])
def test_the_service_refuses_anything_from_another_collaborative(collaborative, other_collaborative, member, field):
    theirs = origins(other_collaborative)
    action = Action(collaborative=collaborative, title="Borrowed", owner=member, due_on=TODAY, **{field: theirs[field]})
    with pytest.raises(ValidationError) as refused:
        action_create(action=action, by=member)
    assert refused.value.message_dict == {field: ["Choose one from this Collaborative."]}
    assert not Action.objects.exists()

    mine = action_record(collaborative, by=member)
    with pytest.raises(ValidationError):
        action_change(action=mine, by=member, changes={field: theirs[field]})
    assert getattr(Action.objects.get(pk=mine.pk), f"{field}_id") is None


def test_the_service_refuses_people_who_are_not_members(collaborative, other_collaborative, member):
    stranger = MembershipFactory(collaborative=other_collaborative).user
    with pytest.raises(ValidationError) as refused:
        action_record(collaborative, by=member, owner=stranger)
    assert refused.value.message_dict == {"owner": ["Choose a current member as the owner."]}
    with pytest.raises(ValidationError) as refused:
        action_record(collaborative, by=member, supporters=[stranger])
    assert refused.value.message_dict == {"supporters": ["Choose current members as supporters."]}
    assert not Action.objects.exists()


# A reason for blocked and dropped


@pytest.mark.parametrize(("status", "label"), [("blocked", "blocked"), ("dropped", "dropped")])
def test_blocked_and_dropped_need_a_reason_in_every_form_and_the_service(
    client, collaborative, owner, action, status, label
):
    message = f"Say why the action is {label}."
    client.force_login(owner)
    before = state(action)

    response = client.post(url("new"), {"title": "New", "owner": owner.pk, "due_on": day(5), "status": status})
    assert response.status_code == 400
    assert message in text(response)
    assert Action.objects.count() == 1

    response = client.post(url("edit", pk=action.pk), form_data(action, status=status, status_reason="  "))
    assert response.status_code == 400
    assert message in text(response)

    response = client.post(url("status", pk=action.pk), quick(action, status=status, status_reason=""), follow=True)
    assert message in text(response)

    response = client.post(
        url("status", pk=action.pk), quick(action, status=status, status_reason=""), headers={"HX-Request": "true"}
    )
    assert message in text(response)
    assert "Saved." not in text(response)
    assert state(action) == before

    with pytest.raises(ValidationError) as refused:
        action_change(action=action, by=owner, changes={"status": status})
    assert refused.value.message_dict == {"status_reason": [message]}
    with pytest.raises(ValidationError):
        action_record(collaborative, by=owner, status=status)
    assert state(action) == before

    # The database holds to it as well.
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(status=status, status_reason="")

    action_change(action=action, by=owner, changes={"status": status, "status_reason": "The funding stopped."})
    action.refresh_from_db()
    assert (action.status, action.status_reason) == (status, "The funding stopped.")


def test_a_new_status_without_a_reason_clears_the_old_reason(owner, action):
    action_change(action=action, by=owner, changes={"status": "blocked", "status_reason": "No room."})
    action_change(action=action, by=owner, changes={"status": "in_progress"})
    action.refresh_from_db()
    assert (action.status, action.status_reason) == ("in_progress", "")


def test_done_is_dated_and_undone_is_not(owner, action):
    action_change(action=action, by=owner, changes={"status": "done"})
    action.refresh_from_db()
    assert action.done_at is not None
    assert not action.is_live
    action_change(action=action, by=owner, changes={"status": "open"})
    action.refresh_from_db()
    assert action.done_at is None


# Who changes an action


def test_the_owner_changes_the_action(client, owner, action):
    client.force_login(owner)
    assert client.get(url("edit", pk=action.pk)).status_code == 200
    response = client.post(url("edit", pk=action.pk), form_data(action, title="Map every crisis cafe"))
    assert response.status_code == 302
    assert Action.objects.get(pk=action.pk).title == "Map every crisis cafe"


def test_a_facilitator_changes_anyones_action(client, facilitator, action):
    client.force_login(facilitator)
    response = client.post(url("edit", pk=action.pk), form_data(action, due_on=day(60), owner=facilitator.pk))
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.due_on, action.owner) == (TODAY + timedelta(days=60), facilitator)


def test_saving_the_form_unchanged_records_nothing(client, owner, action):
    client.force_login(owner)
    response = client.post(url("edit", pk=action.pk), form_data(action), follow=True)
    assert "Nothing was changed." in text(response)
    assert action.changes.count() == 1


def test_a_member_cannot_change_an_action_they_neither_own_nor_support(member_client, action):
    before = state(action)
    assert member_client.get(url("edit", pk=action.pk)).status_code == 403
    assert member_client.post(url("edit", pk=action.pk), form_data(action, title="Mine now")).status_code == 403
    assert member_client.post(url("status", pk=action.pk), {"status": "done"}).status_code == 403
    response = member_client.post(url("status", pk=action.pk), {"status": "done"}, headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert member_client.post(url("update", pk=action.pk), {"text": "Done it."}).status_code == 403
    assert state(action) == before
    # They still see it, without the buttons.
    page = text(member_client.get(action.get_absolute_url()))
    assert "Map the crisis cafes" in page
    assert "Change the action" not in page
    assert "Add an update" not in page


def test_a_commissioner_reads_but_cannot_change_an_action(client, people, action):
    client.force_login(people["commissioner"])
    before = state(action)
    assert client.get(action.get_absolute_url()).status_code == 200
    assert client.post(url("edit", pk=action.pk), form_data(action, title="Theirs")).status_code == 403
    assert client.post(url("status", pk=action.pk), {"status": "dropped", "status_reason": "No."}).status_code == 403
    assert state(action) == before


def test_a_supporter_adds_updates_but_does_not_change_fields(client, supporter, action):
    client.force_login(supporter)
    page = text(client.get(action.get_absolute_url()))
    assert "Add an update" in page
    assert "Change the action" not in page
    before = state(action)
    assert client.get(url("edit", pk=action.pk)).status_code == 403
    assert client.post(url("edit", pk=action.pk), form_data(action, title="Changed")).status_code == 403
    assert client.post(url("status", pk=action.pk), {"status": "done"}).status_code == 403
    assert state(action) == before

    response = client.post(url("update", pk=action.pk), {"text": "Found six cafes so far."})
    assert response.status_code == 302
    update = ActionUpdate.objects.get()
    assert (update.action, update.author, update.text) == (action, supporter, "Found six cafes so far.")
    assert Action.objects.get(pk=action.pk).updated_at >= update.created_at


def test_someone_who_left_can_no_longer_change_their_action(client, owner, action):
    Membership.objects.filter(user=owner).update(status=Membership.Status.LEFT, left_at=timezone.now())
    client.force_login(owner)
    assert client.post(url("edit", pk=action.pk), form_data(action, title="Gone")).status_code == 404
    assert Action.objects.get(pk=action.pk).title == "Map the crisis cafes"


# When the owner or a supporter leaves


def leave(person) -> None:
    Membership.objects.filter(user=person).update(status=Membership.Status.LEFT, left_at=timezone.now())


def test_after_a_supporter_leaves_the_owner_still_marks_it_done(client, owner, supporter, action):
    leave(supporter)
    client.force_login(owner)
    response = client.post(url("status", pk=action.pk), quick(action, status="done"), headers={"HX-Request": "true"})
    assert "Choose current members" not in text(response)
    action.refresh_from_db()
    assert action.status == "done"
    assert list(action.supporters.all()) == [supporter]


def test_after_the_owner_leaves_a_facilitator_drops_it_or_hands_it_on(client, facilitator, owner, action):
    leave(owner)
    client.force_login(facilitator)
    response = client.post(
        url("status", pk=action.pk), quick(action, status="dropped", status_reason="No one to do it.")
    )
    assert response.status_code == 302
    assert Action.objects.get(pk=action.pk).status == "dropped"
    response = client.post(url("edit", pk=action.pk), form_data(action, status="open", owner=facilitator.pk))
    assert response.status_code == 302
    assert Action.objects.get(pk=action.pk).owner == facilitator


def test_the_change_form_keeps_people_who_have_left(client, collaborative, facilitator, owner, supporter, action):
    erased = MembershipFactory(collaborative=collaborative).user
    action.supporters.add(erased)
    leave(owner)
    leave(supporter)
    account_erase(user=erased)
    client.force_login(facilitator)
    form = client.get(url("edit", pk=action.pk)).context["form"]
    assert "Olu Owner (has left)" in [label for _, label in form.fields["owner"].choices]
    supporters = [label for _, label in form.fields["supporters"].choices]
    assert "Sam Supporter (has left)" in supporters
    assert "Former member" in supporters
    assert "Olu Owner (has left)" not in supporters  # Only the action's own supporters are kept.
    # Current members come first.
    assert supporters.index(facilitator.display_name) < supporters.index("Sam Supporter (has left)")

    response = client.post(url("edit", pk=action.pk), form_data(action, title="Map every crisis cafe"))
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.title == "Map every crisis cafe"
    assert action.owner == owner
    assert set(action.supporters.all()) == {supporter, erased}
    assert set(action.changes.values_list("field", flat=True)) == {"created", "title"}


def test_someone_who_has_left_cannot_be_given_a_new_part(client, collaborative, facilitator, owner, supporter, action):
    leave(supporter)
    client.force_login(facilitator)
    response = client.post(url("edit", pk=action.pk), form_data(action, owner=supporter.pk))
    assert response.status_code == 400
    assert "Choose a current member as the owner." in text(response)
    assert Action.objects.get(pk=action.pk).owner == owner
    action.supporters.remove(supporter)
    before = state(action)
    response = client.post(url("edit", pk=action.pk), form_data(action, supporters=[supporter.pk]))
    assert response.status_code == 400
    assert "Choose current members as supporters." in text(response)
    assert state(action) == before
    # Nor through the service: only people new to the action are checked, and they must be members.
    with pytest.raises(ValidationError):
        action_change(action=action, by=facilitator, changes={}, supporters=[supporter])
    leave(owner)
    with pytest.raises(ValidationError):
        action_change(action=action, by=facilitator, changes={"owner": supporter})
    action_change(action=action, by=facilitator, changes={"status": "done"})
    assert Action.objects.get(pk=action.pk).status == "done"


def test_the_log_lists_owners_who_have_left_so_their_actions_can_be_found(
    member_client, collaborative, other_collaborative, owner, action
):
    erased = MembershipFactory(collaborative=collaborative, user__display_name="Eve Erased").user
    erased_action = action_record(collaborative, by=erased, title="Ask the GPs")
    gone_quietly = MembershipFactory(collaborative=collaborative, user__display_name="Nia Nothing").user
    elsewhere = MembershipFactory(collaborative=other_collaborative, user__display_name="Lou Luton").user
    action_record(other_collaborative, by=elsewhere, title="Luton's")
    leave(owner)
    leave(gone_quietly)
    account_erase(user=erased)
    # Which people an owner in the address is checked against (only when one is asked for).
    response = member_client.get(url("log"), {"owner": owner.pk})
    owners = {value: label for value, label in response.context["form"].fields["owner"].choices}
    assert owners[owner.pk] == "Olu Owner (has left)"
    assert owners[erased.pk] == "Former member"
    assert "Nia Nothing" not in str(owners.values())  # Left, and owns nothing here.
    assert "Lou Luton" not in str(owners.values())
    assert list(owners.values()).index("Olu Owner (has left)") > list(owners.values()).index("Sam Supporter")
    # The page offers no list of everyone; typing a name finds the owner who has left.
    suggestions = text(member_client.get(reverse("actions:owners", kwargs={"slug": "lambeth"}), {"owner_name": "olu"}))
    assert "Olu Owner (has left)" in suggestions
    filtered = member_client.get(url("log"), {"owner": owner.pk})
    assert [row["title"] for row in filtered.context["page"].object_list] == ["Map the crisis cafes"]
    filtered = member_client.get(url("log"), {"owner": erased.pk})
    assert [row["title"] for row in filtered.context["page"].object_list] == [erased_action.title]


def test_actions_are_never_deleted(action):
    with pytest.raises(ProtectedError):
        action.delete()
    assert Action.objects.filter(pk=action.pk).exists()


# One Collaborative cannot see another


@pytest.fixture
def luton(other_collaborative):
    """A commissioner of Luton, and Luton's own action with a file, a review and its item."""
    commissioner = MembershipFactory(collaborative=other_collaborative, role=Membership.Role.COMMISSIONER).user
    luton_owner = MembershipFactory(collaborative=other_collaborative).user
    luton_action = action_record(other_collaborative, by=luton_owner, title="Luton's own action")
    return {"commissioner": commissioner, "action": luton_action}


def every_url(slug: str, action: Action, update: ActionUpdate, review: ReviewRound) -> list[tuple[str, str]]:
    item = review.items.first()
    return [
        ("get", url("log", slug)),
        ("get", url("export_csv", slug)),
        ("get", url("export_xlsx", slug)),
        ("get", url("new", slug)),
        ("post", url("new", slug)),
        ("get", url("dashboard", slug)),
        ("get", url("detail", slug, pk=action.pk)),
        ("get", url("edit", slug, pk=action.pk)),
        ("post", url("edit", slug, pk=action.pk)),
        ("post", url("status", slug, pk=action.pk)),
        ("post", url("update", slug, pk=action.pk)),
        ("get", url("evidence", slug, pk=update.pk)),
        ("get", url("reviews", slug)),
        ("post", url("review_new", slug)),
        ("get", url("review", slug, pk=review.pk)),
        ("post", url("review_item", slug, round_pk=review.pk, pk=item.pk)),
        ("post", url("review_sign_off", slug, pk=review.pk)),
    ]


@pytest.fixture
def evidence_root(settings, tmp_path):
    """Evidence is stored under a temporary EVIDENCE_ROOT for this test."""
    settings.EVIDENCE_ROOT = tmp_path
    return tmp_path


def with_evidence_and_review(collaborative, action: Action) -> tuple[ActionUpdate, ReviewRound]:
    update = action_update_add(
        action=action,
        by=action.owner,
        text="The report.",
        upload=SimpleUploadedFile("report.pdf", b"%PDF-1.4 report", content_type="application/pdf"),
    )
    commissioner = MembershipFactory(collaborative=collaborative, role=Membership.Role.COMMISSIONER).user
    review = review_round_open(collaborative=collaborative, by=commissioner, title="Board report")
    return update, review


@pytest.mark.usefixtures("evidence_root")
def test_a_commissioner_of_one_collaborative_sees_nothing_of_another(client, collaborative, action, luton):
    update, review = with_evidence_and_review(collaborative, action)
    before = state(action), review.items.filter(reviewed_at__isnull=False).count(), ReviewRound.objects.count()
    client.force_login(luton["commissioner"])
    for method, address in every_url("lambeth", action, update, review):
        response = getattr(client, method)(address, {"title": "x", "status": "done", "text": "x"})
        assert response.status_code == 404, (method, address)
    assert (
        state(action),
        review.items.filter(reviewed_at__isnull=False).count(),
        ReviewRound.objects.count(),
    ) == before

    # Nor through their own Collaborative's address with Lambeth's numbers.
    numbered = every_url("luton", action, update, review)[6:]
    numbered = [(method, address) for method, address in numbered if not address.endswith(("/reviews/", "/new/"))]
    assert len(numbered) == 9
    for method, address in numbered:
        response = getattr(client, method)(address, {"title": "x", "status": "done", "text": "x"})
        assert response.status_code == 404, (method, address)
    assert state(action) == before[0]

    # Their own log shows only their own actions.
    log = text(client.get(url("log", "luton")))
    assert "Luton's own action" in log
    assert "Map the crisis cafes" not in log
    export = b"".join(client.get(url("export_csv", "luton")).streaming_content).decode()
    assert "Luton's own action" in export
    assert "Map the crisis cafes" not in export


def test_an_outsider_and_anonymous_visitors_get_nothing(client, people, action):
    client.force_login(people["outsider"])
    assert client.get(url("log")).status_code == 404
    assert client.get(action.get_absolute_url()).status_code == 404
    client.logout()
    response = client.get(action.get_absolute_url())
    assert response.status_code == 302
    assert "/accounts/login/" in response.headers["Location"]


# Nothing typed is lost (issue 12, item 14): the action's page is one form, and "Save the status"
# and "Add the update" each save everything typed on it, without JavaScript too.


def page_data(status: str = "open", reason: str = "", text: str = "", link: str = "") -> dict:
    """What the action's page sends, whichever button is pressed."""
    return {"status": status, "status_reason": reason, "text": text, "link": link}


def test_the_action_page_is_one_form_with_a_button_for_each_part(client, owner, action):
    client.force_login(owner)
    page = client.get(action.get_absolute_url()).content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    assert main.count("<form") == 1
    assert f'action="{url("update", pk=action.pk)}"' in main
    assert f'formaction="{url("status", pk=action.pk)}"' in main
    assert "data-warn-unsaved" in main


def test_saving_the_status_adds_the_update_typed_below_it(client, owner, action):
    client.force_login(owner)
    response = client.post(
        url("status", pk=action.pk),
        page_data(status="blocked", reason="No room yet.", text="Asked the council for a room."),
    )
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "“Map the crisis cafes” is now blocked. Your update has been added."
    ]
    action.refresh_from_db()
    assert (action.status, action.status_reason) == ("blocked", "No room yet.")
    assert action.updates.get().text == "Asked the council for a room."


def test_adding_an_update_saves_a_status_changed_above_it(client, owner, action):
    client.force_login(owner)
    response = client.post(url("update", pk=action.pk), page_data(status="done", text="All six mapped."))
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.updates.get().text) == ("done", "All six mapped.")


def test_adding_an_update_leaves_an_unchanged_status_alone(client, owner, action):
    client.force_login(owner)
    changes = action.changes.count()
    response = client.post(url("update", pk=action.pk), page_data(text="Found two more."))
    assert response.status_code == 302
    assert action.changes.count() == changes
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Your update has been added."]


def test_a_refused_update_keeps_everything_typed_and_changes_nothing(client, owner, action):
    client.force_login(owner)
    before = state(action)
    response = client.post(
        url("status", pk=action.pk),
        page_data(status="dropped", reason="The council said no.", text="They wrote to us.", link="not a link at all"),
    )
    assert response.status_code == 400
    page = text(response)
    assert ">\nThe council said no.</textarea>" in page
    assert ">\nThey wrote to us.</textarea>" in page
    assert 'data-warn-unsaved="pending"' in page
    assert state(action) == before


def test_a_status_refused_keeps_the_update_typed_and_changes_nothing(client, owner, action):
    client.force_login(owner)
    before = state(action)
    response = client.post(url("update", pk=action.pk), page_data(status="blocked", text="Stuck, sadly."))
    assert response.status_code == 400
    page = text(response)
    assert "Say why the action is blocked." in page
    assert ">\nStuck, sadly.</textarea>" in page
    assert state(action) == before


def test_a_supporter_cannot_change_the_status_through_the_update(client, supporter, action):
    client.force_login(supporter)
    page = text(client.get(action.get_absolute_url()))
    assert "Change the status" not in page
    response = client.post(url("update", pk=action.pk), page_data(status="dropped", reason="Mine.", text="Update."))
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.updates.get().text) == ("open", "Update.")
