"""The vision's pages: drafting, ideas and comments (with and without htmx), adopting at a
meeting, setting aside, and comparing versions, with bad input answered plainly."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Membership, Visibility
from tests.factories import MeetingFactory, MembershipFactory
from vision.models import Contribution, Value, VisionVersion
from vision.services import contribution_add, version_adopt, version_draft, version_set_aside

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
VALUES = [("Equal voices", "A carer's view counts as much as a chief officer's.")]


def url(name: str, **kwargs) -> str:
    return reverse(f"vision:{name}", kwargs={"slug": "lambeth", **kwargs})


def text(response) -> str:
    return html.unescape(response.content.decode())


def values_data(rows: list[tuple[str, str]], total: int = 3) -> dict:
    """The values formset as the form posts it, with empty rows to make up `total`."""
    data = {
        "values-TOTAL_FORMS": str(max(total, len(rows))),
        "values-INITIAL_FORMS": "0",
        "values-MIN_NUM_FORMS": "0",
        "values-MAX_NUM_FORMS": "20",
    }
    for i, (name, meaning) in enumerate(rows):
        data[f"values-{i}-name"], data[f"values-{i}-meaning"] = name, meaning
    return data


def draft(collaborative, facilitator, statement="Help is easy to get.", values=VALUES) -> VisionVersion:
    return version_draft(collaborative=collaborative, by=facilitator, statement=statement, values=values)


def test_a_draft_is_commented_on_then_adopted_at_a_meeting_and_shows_on_the_home_page(client, people, collaborative):
    facilitator, member = people["facilitator"], people["member"]
    member.perspectives, member.perspectives_visibility = ["lived_experience"], Visibility.MEMBERS
    member.save()

    client.force_login(facilitator)
    response = client.post(
        url("version_new"),
        {
            "statement": "Everyone in Lambeth can find help when they need it.",
            "note": "A first go.",
            **values_data([*VALUES, ("Hope", "Change is possible.")]),
        },
    )
    version = VisionVersion.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == url("version", number=1)
    assert version.is_draft
    assert [(v.name, v.meaning) for v in version.values.all()] == [*VALUES, ("Hope", "Change is possible.")]

    client.force_login(member)
    page = text(client.get(url("version", number=1)))
    assert "Vision, version 1 (draft)" in page
    assert "Add your idea or comment" in page
    response = client.post(url("contribute", number=1), {"text": "Say more about carers."}, follow=True)
    assert "Thank you. Your idea or comment has been added." in text(response)
    fragment = client.post(url("contribute", number=1), {"text": "Name the Somali cafe."}, headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    fragment = text(fragment)
    assert 'id="contributions"' in fragment
    assert "Name the Somali cafe." in fragment
    assert "Say more about carers." in fragment
    assert "(Lived experience of services)" in fragment
    assert "1 person added ideas or comments. 1 of them (100%)" in fragment
    assert Contribution.objects.filter(version=version, author=member).count() == 2

    meeting = MeetingFactory(collaborative=collaborative, starts_at=timezone.now() - timedelta(days=2))
    client.force_login(facilitator)
    assert client.get(url("version_adopt", number=1)).status_code == 200
    response = client.post(url("version_adopt", number=1), {"meeting": meeting.pk}, follow=True)
    assert "Version 1 is now the vision. Members have been told." in text(response)
    version.refresh_from_db()
    assert (version.status, version.adopted_by, version.agreed_at_meeting) == (
        VisionVersion.Status.ADOPTED,
        facilitator,
        meeting,
    )

    client.force_login(member)
    vision_home = text(client.get(url("home")))
    assert "Everyone in Lambeth can find help when they need it." in vision_home
    assert "Change is possible." in vision_home
    home = text(client.get(reverse("home:collaborative_home", kwargs={"slug": "lambeth"})))
    assert "Everyone in Lambeth can find help when they need it." in home
    assert "Equal voices, Hope." in home
    page = text(client.get(url("version", number=1)))
    assert "This is our vision now." in page
    assert "Add your idea or comment" not in page


def test_the_htmx_page_is_the_contributions_fragment_and_an_empty_idea_is_explained_in_it(
    member_client, collaborative, facilitator
):
    version = draft(collaborative, facilitator)
    fragment = member_client.get(version.get_absolute_url(), headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'id="contributions"' in fragment.text

    response = member_client.post(url("contribute", number=version.number), {"text": "   "}, headers=HTMX)
    assert response.status_code == 200  # htmx swaps only successful answers.
    assert "<html" not in response.text
    assert "Write your idea or comment first." in text(response)
    response = member_client.post(url("contribute", number=version.number), {"text": ""})
    assert response.status_code == 400
    assert "Write your idea or comment first." in text(response)
    assert not Contribution.objects.exists()


def test_an_idea_added_in_place_says_thank_you_to_screen_readers_too(member_client, collaborative, facilitator):
    version = draft(collaborative, facilitator)
    thanks = re.compile(r'<p [^>]*role="status"[^>]*>Thank you: your idea or comment has been added.</p>')
    fragment = member_client.post(url("contribute", number=version.number), {"text": "Carers too."}, headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert len(thanks.findall(text(fragment))) == 1
    assert "Carers too." in text(fragment)
    # Not on the page as such, nor with a mistake.
    assert not thanks.search(text(member_client.get(version.get_absolute_url())))
    fragment = member_client.post(url("contribute", number=version.number), {"text": " "}, headers=HTMX)
    assert "Write your idea or comment first." in text(fragment)
    assert not thanks.search(text(fragment))


@pytest.mark.parametrize(
    ("perspectives", "visibility", "note"),
    [
        (
            ["carer"],
            Visibility.MEMBERS,
            "Others see your name and the perspectives you share on your profile beside it.",
        ),
        (
            ["carer"],
            Visibility.FACILITATORS,
            "Others see your name beside it. Facilitators also see your perspectives, as you chose on your profile.",
        ),
        (["carer"], Visibility.NOBODY, "Others see your name beside it."),
        ([], Visibility.MEMBERS, "Others see your name beside it."),
    ],
)
def test_the_form_says_what_others_see_beside_an_idea_as_the_profile_allows(
    member_client, member, collaborative, facilitator, perspectives, visibility, note
):
    member.perspectives, member.perspectives_visibility = perspectives, visibility
    member.save()
    page = " ".join(text(member_client.get(draft(collaborative, facilitator).get_absolute_url())).split())
    assert f'<p class="note"> {note} </p>' in page


def test_an_idea_that_is_too_long_is_explained(member_client, collaborative, facilitator):
    version = draft(collaborative, facilitator)
    response = member_client.post(url("contribute", number=version.number), {"text": "x" * 3001})
    assert response.status_code == 400
    assert "Ensure this value has at most 3000 characters" in text(response)
    assert not Contribution.objects.exists()


def test_an_adopted_version_is_closed_to_ideas(member_client, collaborative, facilitator):
    version = version_adopt(version=draft(collaborative, facilitator), by=facilitator)
    response = member_client.post(url("contribute", number=version.number), {"text": "Too late?"})
    assert response.status_code == 400
    assert "Version 1 is no longer a draft, so it is closed to ideas and comments." in text(response)
    assert not Contribution.objects.exists()


def test_authors_take_back_their_own_ideas_only(client, people, collaborative):
    version = draft(collaborative, people["facilitator"])
    mine = contribution_add(version=version, author=people["member"], text="My idea, taken back.")
    theirs = contribution_add(version=version, author=people["commissioner"], text="Their idea stays.")

    client.force_login(people["member"])
    response = client.post(url("contribution_withdraw", pk=theirs.pk), follow=True)
    assert "Only the person who wrote this can take it back." in text(response)
    response = client.post(url("contribution_withdraw", pk=mine.pk), follow=True)
    page = text(response)
    assert "Your comment has been taken back. Others no longer see it." in page
    assert "My idea, taken back." not in page
    assert "Their idea stays." in page
    assert Contribution.objects.get(pk=mine.pk).status == Contribution.Status.WITHDRAWN
    assert Contribution.objects.get(pk=theirs.pk).status == Contribution.Status.SHOWN


# Nothing typed is lost (issue 12, item 14): "Take back my comment" belongs to the "Add your idea or
# comment" form, so an idea typed there comes with it and is shown again in its box, not added.

IDEA_BOX = re.compile(r'<textarea name="text"[^>]*>\s*(.*?)</textarea>', re.S)


def test_taking_back_a_comment_keeps_the_idea_typed(member_client, member, collaborative, facilitator):
    version = draft(collaborative, facilitator)
    mine = contribution_add(version=version, author=member, text="My first thought.")
    response = member_client.post(url("contribution_withdraw", pk=mine.pk), {"text": "Name the Somali cafe."})
    page = text(response)
    assert response.status_code == 200
    assert "Your comment has been taken back. Others no longer see it." in page
    assert IDEA_BOX.search(page).group(1) == "Name the Somali cafe."
    assert 'id="contribute-form"' in page
    assert 'data-warn-unsaved="pending"' in page  # Typed, not added: leaving asks first.
    assert list(Contribution.objects.values_list("text", "status")) == [
        ("My first thought.", Contribution.Status.WITHDRAWN)
    ]


def test_taking_back_a_comment_with_htmx_keeps_the_idea_typed(member_client, member, collaborative, facilitator):
    version = draft(collaborative, facilitator)
    mine = contribution_add(version=version, author=member, text="My first thought.")
    response = member_client.post(
        url("contribution_withdraw", pk=mine.pk), {"text": "Name the Somali cafe."}, headers=HTMX
    )
    fragment = text(response)
    assert "<html" not in fragment
    assert 'role="status">Your comment has been taken back. Others no longer see it.</p>' in fragment
    assert "My first thought." not in fragment
    assert IDEA_BOX.search(fragment).group(1) == "Name the Somali cafe."
    assert Contribution.objects.count() == 1


def test_taking_back_someone_elses_comment_keeps_the_idea_typed_and_changes_nothing(
    member_client, people, collaborative, facilitator
):
    version = draft(collaborative, facilitator)
    theirs = contribution_add(version=version, author=people["commissioner"], text="Their idea stays.")
    response = member_client.post(url("contribution_withdraw", pk=theirs.pk), {"text": "Name the Somali cafe."})
    page = text(response)
    assert "Only the person who wrote this can take it back." in page
    assert IDEA_BOX.search(page).group(1) == "Name the Somali cafe."
    assert list(Contribution.objects.values_list("text", "status")) == [("Their idea stays.", "shown")]


def test_the_take_back_buttons_belong_to_the_idea_form(member_client, member, collaborative, facilitator):
    version = draft(collaborative, facilitator)
    mine = contribution_add(version=version, author=member, text="My first thought.")
    page = text(member_client.get(url("version", number=1)))
    assert f'form="contribute-form" formaction="{url("contribution_withdraw", pk=mine.pk)}"' in page
    assert page.count("<form") == 2  # Signing out, and the idea form with its take-back buttons.


@pytest.mark.parametrize(
    ("close", "message"),
    [
        (lambda version, by: version_adopt(version=version, by=by), "Version 1 has been adopted"),
        (lambda version, by: version_set_aside(version=version), "Version 1 was set aside"),
    ],
)
def test_ideas_cannot_be_taken_back_once_the_draft_is_adopted_or_set_aside(
    member_client, member, collaborative, facilitator, close, message
):
    version = draft(collaborative, facilitator)
    mine = contribution_add(version=version, author=member, text="My idea, part of the record.")
    close(version, facilitator)
    response = member_client.post(url("contribution_withdraw", pk=mine.pk), follow=True)
    page = text(response)
    assert f"{message}, so its ideas and comments can no longer be taken back." in page
    assert "Your comment has been taken back." not in page
    assert "My idea, part of the record." in page
    mine.refresh_from_db()
    assert (mine.status, mine.withdrawn_at) == (Contribution.Status.SHOWN, None)


def test_a_new_draft_starts_from_the_current_vision_and_can_be_changed(facilitator_client, collaborative, facilitator):
    version_adopt(version=draft(collaborative, facilitator, statement="The vision as it is."), by=facilitator)
    page = text(facilitator_client.get(url("version_new")))
    assert "The vision as it is." in page
    assert 'value="Equal voices"' in page

    facilitator_client.post(url("version_new"), {"statement": "A second go.", **values_data(VALUES)})
    response = facilitator_client.post(
        url("version_edit", number=2), {"statement": "A better second go.", **values_data([])}
    )
    assert response.status_code == 302
    second = VisionVersion.objects.get(number=2)
    assert (second.statement, second.values.count(), second.based_on.number) == ("A better second go.", 0, 1)

    # The adopted version cannot be changed, by address or by form.
    for method in (facilitator_client.get, facilitator_client.post):
        response = method(url("version_edit", number=1), follow=True)
        assert "Version 1 is no longer a draft, so it cannot be changed." in text(response)
    assert VisionVersion.objects.get(number=1).statement == "The vision as it is."


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("Hope", "")], "Say what this value means in practice."),
        ([("", "Change is possible.")], "Give this value a name."),
        ([("Hope", "Change is possible."), ("hope ", "Said twice.")], "Two values have the same name."),
        ([("H" * 121, "Too long a name.")], "Ensure this value has at most 120 characters"),
    ],
)
def test_values_that_do_not_make_sense_are_explained_and_nothing_is_saved(
    facilitator_client, collaborative, facilitator, rows, message
):
    version = draft(collaborative, facilitator, statement="As it was.")
    for address in (url("version_new"), url("version_edit", number=version.number)):
        response = facilitator_client.post(address, {"statement": "Changed.", **values_data(rows)})
        assert response.status_code == 400
        assert message in text(response)
    assert VisionVersion.objects.count() == 1
    version.refresh_from_db()
    assert version.statement == "As it was."
    assert [(v.name, v.meaning) for v in Value.objects.all()] == VALUES


def test_a_draft_needs_a_vision_statement(facilitator_client):
    response = facilitator_client.post(url("version_new"), {"statement": "  ", **values_data([])})
    assert response.status_code == 400
    assert "There is a problem" in text(response)
    assert not VisionVersion.objects.exists()


def test_a_broken_values_formset_is_refused_without_an_error_page(facilitator_client):
    response = facilitator_client.post(url("version_new"), {"statement": "Hope."})  # No management form.
    assert response.status_code == 400
    response = facilitator_client.post(
        url("version_new"), {"statement": "Hope.", **values_data([]), "values-TOTAL_FORMS": "x"}
    )
    assert response.status_code == 400
    assert not VisionVersion.objects.exists()


def test_adopting_one_draft_leaves_the_other_a_draft(facilitator_client, collaborative, facilitator):
    draft(collaborative, facilitator, statement="First idea.")
    draft(collaborative, facilitator, statement="Second idea.")
    page = text(facilitator_client.get(url("version_adopt", number=2)))
    assert "1 other draft (version 1) will stay a draft." in page

    response = facilitator_client.post(url("version_adopt", number=2), {"meeting": ""})
    assert response.status_code == 302
    statuses = dict(VisionVersion.objects.values_list("number", "status"))
    assert statuses == {1: VisionVersion.Status.DRAFT, 2: VisionVersion.Status.ADOPTED}
    response = facilitator_client.get(url("version_adopt", number=2), follow=True)
    assert "Version 2 is no longer a draft, so it cannot be adopted." in text(response)
    response = facilitator_client.post(url("version_adopt", number=2), {"meeting": ""})
    assert response.status_code == 400
    assert "Version 2 has been adopted, so it can no longer be changed." in text(response)


def test_a_meeting_of_another_collaborative_or_not_a_meeting_cannot_be_named(
    facilitator_client, collaborative, other_collaborative, facilitator
):
    version = draft(collaborative, facilitator)
    elsewhere = MeetingFactory(collaborative=other_collaborative, starts_at=timezone.now() - timedelta(days=1))
    for meeting in (elsewhere.pk, "not-a-meeting", "99999999"):
        response = facilitator_client.post(url("version_adopt", number=version.number), {"meeting": meeting})
        assert response.status_code == 400
        assert "Select a valid choice." in text(response)
    version.refresh_from_db()
    assert version.is_draft


def test_setting_a_draft_aside_asks_first(facilitator_client, collaborative, facilitator):
    version = draft(collaborative, facilitator)
    address = url("version_set_aside", number=version.number)
    page = text(facilitator_client.get(version.get_absolute_url()))
    assert f'<a class="button button--secondary" href="{address}">Set this draft aside</a>' in page
    response = facilitator_client.get(address)
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Set version 1 aside?</h1>" in page
    assert "this cannot be undone" in page
    assert f'<form method="post" action="{address}">' in page
    assert '<button type="submit">Set version 1 aside</button>' in page
    assert f'<a href="{version.get_absolute_url()}">Keep it as a draft</a>' in page
    assert VisionVersion.objects.get().is_draft
    facilitator_client.post(address)
    response = facilitator_client.get(address, follow=True)
    assert "Version 1 is no longer a draft, so it cannot be set aside." in text(response)


def test_setting_a_draft_aside_keeps_it_to_read(facilitator_client, collaborative, facilitator):
    version = draft(collaborative, facilitator)
    response = facilitator_client.post(url("version_set_aside", number=version.number), follow=True)
    page = text(response)
    assert "Version 1 has been set aside. It stays here to read." in page
    assert "it was not adopted" in page
    response = facilitator_client.post(url("version_set_aside", number=version.number), follow=True)
    assert "Version 1 was set aside, so it can no longer be changed." in text(response)
    assert VisionVersion.objects.get().status == VisionVersion.Status.SET_ASIDE


def test_a_former_members_idea_stays_but_not_their_perspectives(member_client, collaborative, facilitator):
    former = MembershipFactory(
        collaborative=collaborative, user__perspectives=["carer"], user__perspectives_visibility=Visibility.MEMBERS
    )
    version = draft(collaborative, facilitator)
    contribution_add(version=version, author=former.user, text="Carers first.")
    former.status, former.left_at = Membership.Status.LEFT, timezone.now()
    former.save()

    page = text(member_client.get(version.get_absolute_url()))
    assert "Carers first." in page
    assert "(Carer)" not in page
    assert "Carer: 1" not in page
    assert "1 person added ideas or comments. 0 of them (0%)" in page


def voices_figures(page: str) -> str:
    """The figures under "Whose voices shaped it", without the ideas and comments listed below them."""
    return page.split('id="voices-heading"')[1].split("Ideas and comments")[0]


def test_an_adopted_version_keeps_the_figures_counted_when_it_was_adopted(member_client, collaborative, facilitator):
    leaver, quiet, practitioner = (
        MembershipFactory(
            collaborative=collaborative,
            user__perspectives=[perspective],
            user__perspectives_visibility=Visibility.MEMBERS,
        )
        for perspective in ["carer", "lived_experience", "practitioner"]
    )
    adopted, later = draft(collaborative, facilitator), draft(collaborative, facilitator, statement="Next.")
    for person in (leaver, quiet, practitioner):
        contribution_add(version=adopted, author=person.user, text=f"Idea from {person.user.display_name}.")
        contribution_add(version=later, author=person.user, text="Another idea.")
    version_adopt(version=adopted, by=facilitator)
    adopted.refresh_from_db()
    before = text(member_client.get(adopted.get_absolute_url()))
    assert "3 people added ideas or comments. 2 of them (67%)" in before
    assert "Carer: 1" in before
    assert "Lived experience of services: 1" in before
    assert f"Counted when this version was adopted on {timezone.localtime(adopted.adopted_at):%-d %B %Y}." in before
    assert "(Lived experience of services)" in before

    # After adoption one author leaves and another stops sharing their perspectives.
    leaver.status, leaver.left_at = Membership.Status.LEFT, timezone.now()
    leaver.save()
    quiet.user.perspectives_visibility = Visibility.NOBODY
    quiet.user.save()

    after = text(member_client.get(adopted.get_absolute_url()))
    assert voices_figures(after) == voices_figures(before)
    # Beside each idea, though, only what people share now.
    assert f"Idea from {quiet.user.display_name}." in after
    assert "(Lived experience of services)" not in after
    assert "(Carer)" not in after
    assert "(Practitioner)" in after
    draft_page = text(member_client.get(later.get_absolute_url()))
    assert "3 people added ideas or comments. 0 of them (0%)" in draft_page
    assert "Did not share their perspectives: 2" in draft_page
    assert "Counted when" not in draft_page


def test_a_version_adopted_before_figures_were_kept_shows_them_as_they_are_now(
    member_client, collaborative, facilitator
):
    author = MembershipFactory(
        collaborative=collaborative, user__perspectives=["carer"], user__perspectives_visibility=Visibility.MEMBERS
    )
    version = draft(collaborative, facilitator)
    contribution_add(version=version, author=author.user, text="Carers first.")
    version_adopt(version=version, by=facilitator)
    VisionVersion.objects.filter(pk=version.pk).update(voices={})
    author.user.perspectives_visibility = Visibility.NOBODY
    author.user.save()

    page = text(member_client.get(version.get_absolute_url()))
    assert "1 person added ideas or comments. 0 of them (0%)" in page
    assert "Carer: 1" not in page
    assert "Counted when" not in page


class TestCompare:
    @pytest.fixture
    def versions(self, collaborative, facilitator):
        first = version_adopt(version=draft(collaborative, facilitator, statement="Help is easy."), by=facilitator)
        second = draft(collaborative, facilitator, statement="Help is easy and near.", values=[])
        return first, second

    def test_two_versions_word_by_word(self, member_client, versions):
        response = member_client.get(url("compare") + "?from=1&to=2")
        assert response.status_code == 200
        page = text(response)
        assert "Comparing version 1 with version 2." in page
        assert 'Help is <del><span class="visually-hidden">[removed: </span>easy.<span' in page
        assert "[added: </span>easy and near.<span" in page
        assert "Equal voices</del> (taken out)" in page

    def test_without_a_choice_the_latest_against_the_one_before(self, member_client, versions):
        response = member_client.get(url("compare"))
        assert response.status_code == 200
        assert "Comparing version 1 with version 2." in text(response)

    @pytest.mark.parametrize(
        "query",
        [
            "?from=x",
            "?from=1&to=999",
            "?from=999&to=1",
            "?from=1&to=99999999999999999999999999",
            "?from=-1&to=2",
            "?from=1.5&to=2",
            "?from=%C2%B2&to=1",  # A superscript two: a digit to Python, but not a number.
            "?to=",
            "?from=%00",
        ],
    )
    def test_a_bad_choice_is_explained_and_the_latest_shown(self, member_client, versions, query):
        response = member_client.get(url("compare") + query)
        assert response.status_code == 400
        page = text(response)
        assert "Choose two versions from the lists." in page
        assert "Comparing version 1 with version 2." in page

    def test_with_no_versions_yet(self, member_client):
        response = member_client.get(url("compare") + "?from=1&to=2")
        assert response.status_code == 200
        assert "There are no versions to compare yet." in text(response)

    def test_a_version_with_itself(self, member_client, versions):
        response = member_client.get(url("compare") + "?from=2&to=2")
        assert response.status_code == 200
        assert "[added: " not in text(response)


def test_a_version_that_does_not_exist_is_not_found(member_client):
    assert member_client.get(url("version", number=7)).status_code == 404
    assert member_client.post(url("contribute", number=7), {"text": "Hello"}).status_code == 404
