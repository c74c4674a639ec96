"""Versions of the vision: drafting, adopting (with other drafts about), setting aside,
numbering, and members' ideas and comments on drafts."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from members.models import Membership, Visibility
from tests.factories import MeetingFactory, MembershipFactory, VisionVersionFactory
from vision.models import Contribution, VisionVersion
from vision.services import (
    contribution_add,
    contribution_withdraw,
    version_adopt,
    version_draft,
    version_set_aside,
    version_update,
)

pytestmark = pytest.mark.django_db

VALUES = [("Equal voices", "A carer's view counts as much as a chief officer's.")]


def draft(collaborative, facilitator, statement="Help is easy to get.", values=VALUES) -> VisionVersion:
    return version_draft(collaborative=collaborative, by=facilitator, statement=statement, values=values)


def refreshed(version: VisionVersion) -> VisionVersion:
    return VisionVersion.objects.get(pk=version.pk)


def test_a_draft_is_numbered_after_every_version_so_far_and_keeps_its_values(collaborative, facilitator):
    first = draft(
        collaborative, facilitator, values=[("Equal voices", "Everyone counts."), ("Hope", "Change is possible.")]
    )

    assert first.number == 1
    assert first.status == VisionVersion.Status.DRAFT
    assert first.created_by == facilitator
    assert first.based_on is None
    assert [(v.name, v.meaning, v.position) for v in first.values.all()] == [
        ("Equal voices", "Everyone counts.", 0),
        ("Hope", "Change is possible.", 1),
    ]


def test_version_numbers_are_sequential_and_counted_per_collaborative(collaborative, other_collaborative, facilitator):
    numbers = [draft(collaborative, facilitator).number for _ in range(3)]
    set_aside = draft(collaborative, facilitator)
    version_set_aside(version=set_aside)
    after_set_aside = draft(collaborative, facilitator)

    assert numbers == [1, 2, 3]
    # A version set aside keeps its number: the next one does not reuse it.
    assert after_set_aside.number == 5
    assert draft(other_collaborative, facilitator).number == 1


def test_two_versions_of_one_collaborative_cannot_share_a_number(collaborative):
    VisionVersionFactory(collaborative=collaborative, number=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        VisionVersionFactory(collaborative=collaborative, number=1)


def test_a_new_draft_is_based_on_the_current_vision(collaborative, facilitator):
    first = version_adopt(version=draft(collaborative, facilitator), by=facilitator)

    second = draft(collaborative, facilitator)

    assert second.based_on == first


def test_adopting_makes_a_draft_the_current_vision_and_records_the_meeting(collaborative, facilitator):
    meeting = MeetingFactory(collaborative=collaborative)
    version = draft(collaborative, facilitator)

    version_adopt(version=version, by=facilitator, meeting=meeting)

    version = refreshed(version)
    assert version.status == VisionVersion.Status.ADOPTED
    assert version.adopted_at is not None
    assert version.adopted_by == facilitator
    assert version.agreed_at_meeting == meeting
    assert VisionVersion.objects.current_for(collaborative) == version


def test_adopting_refuses_another_collaboratives_meeting(collaborative, other_collaborative, facilitator):
    version = draft(collaborative, facilitator)

    with pytest.raises(ValidationError, match="Choose one of this Collaborative's meetings"):
        version_adopt(version=version, by=facilitator, meeting=MeetingFactory(collaborative=other_collaborative))

    assert refreshed(version).is_draft


def test_no_current_vision_until_one_is_adopted(collaborative, facilitator):
    draft(collaborative, facilitator)

    assert VisionVersion.objects.current_for(collaborative) is None


def test_adopting_one_draft_leaves_another_draft_a_draft_to_adopt_later(collaborative, facilitator):
    first = version_adopt(version=draft(collaborative, facilitator, "One."), by=facilitator)
    second = draft(collaborative, facilitator, "Two.")
    third = draft(collaborative, facilitator, "Three.")

    version_adopt(version=third, by=facilitator)

    assert refreshed(second).status == VisionVersion.Status.DRAFT
    assert refreshed(first).status == VisionVersion.Status.ADOPTED
    assert VisionVersion.objects.current_for(collaborative) == third
    # The draft left over can still be changed and adopted: the vision adopted last is the current one.
    version_update(version=second, statement="Two, reworded.", values=VALUES)
    version_adopt(version=second, by=facilitator)
    assert VisionVersion.objects.current_for(collaborative).statement == "Two, reworded."
    assert list(VisionVersion.objects.filter(collaborative=collaborative).adopted()) == [third, second, first]
    assert not VisionVersion.objects.filter(collaborative=collaborative).drafts().exists()


def test_adopting_keeps_whose_voices_shaped_it_as_members_see_it(collaborative, facilitator):
    def author(perspectives: list[str], visibility: str = Visibility.MEMBERS) -> Membership:
        return MembershipFactory(
            collaborative=collaborative, user__perspectives=perspectives, user__perspectives_visibility=visibility
        )

    version, other = draft(collaborative, facilitator), draft(collaborative, facilitator, "Two.")
    carer = author(["carer", "practitioner"])
    lived = author(["lived_experience"])
    private = author(["commissioner"], Visibility.FACILITATORS)  # Members do not see these.
    former = author(["carer"])
    changed_mind = author(["lived_experience"])
    for person in (carer, carer, lived, private, former):
        contribution_add(version=version, author=person.user, text="An idea.")
    contribution_withdraw(
        contribution=contribution_add(version=version, author=changed_mind.user, text="Maybe."), by=changed_mind.user
    )
    contribution_add(version=other, author=lived.user, text="Another idea.")
    former.status, former.left_at = Membership.Status.LEFT, timezone.now()
    former.save()

    version_adopt(version=version, by=facilitator)

    assert refreshed(version).voices == {
        "people": 4,
        "perspectives": {"carer": 1, "practitioner": 1, "lived_experience": 1},
        "not_shared": 2,
        "lived": 2,
    }
    version_set_aside(version=other)
    assert refreshed(other).voices == {}  # Only adoption keeps the figures.


def test_the_draft_left_over_can_be_set_aside_and_stays_readable(collaborative, facilitator):
    version_adopt(version=draft(collaborative, facilitator, "One."), by=facilitator)
    other = draft(collaborative, facilitator, "Two.")
    adopted = version_adopt(version=draft(collaborative, facilitator, "Three."), by=facilitator)

    version_set_aside(version=other)

    other = refreshed(other)
    assert other.status == VisionVersion.Status.SET_ASIDE
    assert other.set_aside_at is not None
    assert other.statement == "Two."
    assert [v.name for v in other.values.all()] == ["Equal voices"]
    assert VisionVersion.objects.current_for(collaborative) == adopted


def test_a_draft_can_be_updated_and_its_values_replaced(collaborative, facilitator):
    version = draft(collaborative, facilitator)

    version_update(
        version=version, statement="Help is near.", values=[("Hope", "Change is possible.")], note="Shorter."
    )

    version = refreshed(version)
    assert (version.statement, version.note) == ("Help is near.", "Shorter.")
    assert [(v.name, v.meaning) for v in version.values.all()] == [("Hope", "Change is possible.")]


ADOPTED = "Version 1 has been adopted, so it can no longer be changed. Start a new draft instead."


def test_an_adopted_version_cannot_be_updated(collaborative, facilitator):
    version = version_adopt(version=draft(collaborative, facilitator, "As agreed."), by=facilitator)

    with pytest.raises(ValidationError) as refused:
        version_update(version=version, statement="Changed afterwards.", values=[])

    assert refused.value.messages == [ADOPTED]
    version = refreshed(version)
    assert version.statement == "As agreed."
    assert [v.name for v in version.values.all()] == ["Equal voices"]


def test_an_adopted_version_cannot_be_set_aside_or_adopted_again(collaborative, facilitator):
    version = version_adopt(version=draft(collaborative, facilitator), by=facilitator)
    adopted_at = refreshed(version).adopted_at

    with pytest.raises(ValidationError) as refused:
        version_set_aside(version=version)
    assert refused.value.messages == [ADOPTED]
    with pytest.raises(ValidationError):
        version_adopt(version=version, by=facilitator)

    version = refreshed(version)
    assert version.status == VisionVersion.Status.ADOPTED
    assert version.adopted_at == adopted_at


def test_a_version_set_aside_cannot_be_changed_or_adopted(collaborative, facilitator):
    version = version_set_aside(version=draft(collaborative, facilitator))

    for attempt in (
        lambda: version_update(version=version, statement="Again.", values=[]),
        lambda: version_adopt(version=version, by=facilitator),
        lambda: version_set_aside(version=version),
    ):
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.messages == ["Version 1 was set aside, so it can no longer be changed."]
    assert refreshed(version).status == VisionVersion.Status.SET_ASIDE


def test_a_draft_needs_a_statement(collaborative, facilitator):
    with pytest.raises(ValidationError) as refused:
        draft(collaborative, facilitator, statement="")

    assert "statement" in refused.value.message_dict
    assert not VisionVersion.objects.exists()


def test_members_can_add_ideas_and_comments_to_a_draft(collaborative, facilitator, member):
    version = draft(collaborative, facilitator)

    contribution = contribution_add(version=version, author=member, text="  Say more about carers.  ")

    assert contribution.text == "Say more about carers."
    assert contribution.author == member
    assert contribution.status == Contribution.Status.SHOWN
    assert list(version.contributions.all()) == [contribution]


def test_an_adopted_version_is_closed_to_ideas_and_comments(collaborative, facilitator, member):
    version = version_adopt(version=draft(collaborative, facilitator), by=facilitator)

    with pytest.raises(ValidationError) as refused:
        contribution_add(version=version, author=member, text="Too late?")

    assert refused.value.messages == ["Version 1 is no longer a draft, so it is closed to ideas and comments."]
    assert not Contribution.objects.exists()


def test_a_version_set_aside_is_closed_to_ideas_and_comments(collaborative, facilitator, member):
    version = version_set_aside(version=draft(collaborative, facilitator))

    with pytest.raises(ValidationError, match="no longer a draft"):
        contribution_add(version=version, author=member, text="Too late?")


def test_an_empty_contribution_is_refused(collaborative, facilitator, member):
    version = draft(collaborative, facilitator)

    with pytest.raises(ValidationError):
        contribution_add(version=version, author=member, text="   ")

    assert not Contribution.objects.exists()


def test_only_the_author_can_withdraw_a_contribution(collaborative, facilitator, member):
    contribution = contribution_add(version=draft(collaborative, facilitator), author=member, text="An idea.")

    with pytest.raises(ValidationError) as refused:
        contribution_withdraw(contribution=contribution, by=facilitator)

    assert refused.value.messages == ["Only the person who wrote this can take it back."]
    assert Contribution.objects.get(pk=contribution.pk).status == Contribution.Status.SHOWN


def test_withdrawing_hides_a_contribution_without_deleting_it(collaborative, facilitator, member):
    contribution = contribution_add(version=draft(collaborative, facilitator), author=member, text="An idea.")

    contribution_withdraw(contribution=contribution, by=member)
    withdrawn_at = Contribution.objects.get(pk=contribution.pk).withdrawn_at
    contribution_withdraw(contribution=Contribution.objects.get(pk=contribution.pk), by=member)  # Twice: no change.

    contribution = Contribution.objects.get(pk=contribution.pk)
    assert contribution.status == Contribution.Status.WITHDRAWN
    assert contribution.text == "An idea."
    assert contribution.withdrawn_at == withdrawn_at is not None
