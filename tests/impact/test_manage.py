"""The facilitators' "What changed" page: what could be published, publishing item by item, changing, hiding and
publishing again, every step kept."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from asks.models import Ask
from impact.models import Publication, PublicationEvent
from impact.services import publication_publish
from tests.factories import GoalFactory, PublicationFactory
from tests.impact.rows import adopted_vision, answered_ask, done_action

pytestmark = pytest.mark.django_db


def manage_url(collaborative) -> str:
    return reverse("impact:manage", kwargs={"slug": collaborative.slug})


def publish_url(collaborative) -> str:
    return reverse("impact:publish", kwargs={"slug": collaborative.slug})


def test_the_page_lists_what_could_be_published_and_publishes_nothing_by_itself(facilitator_client, collaborative):
    adopted_vision(collaborative, voices={"people": 8, "perspectives": {"carer": 4, "lived_experience": 4}})
    GoalFactory(collaborative=collaborative, title="Crisis help in every neighbourhood")
    done_action(collaborative, title="Map the crisis cafes")
    answered_ask(collaborative)
    unanswered = Ask.objects.create(
        collaborative=collaborative,
        title="Still waiting for this one",
        request="Please.",
        organisation="Lambeth Council",
        responder_name="Someone",
        responder_email="someone@example.org",
        status=Ask.Status.WAITING,
    )
    page = facilitator_client.get(manage_url(collaborative)).content.decode()
    for shown in ["Publish the vision and values", "Crisis help in every neighbourhood", "Map the crisis cafes"]:
        assert shown in page
    assert "Open the crisis cafe at weekends" in page
    assert unanswered.title not in page
    assert "Nothing published yet." in page
    assert not Publication.objects.exists()


def test_without_a_public_page_it_says_nothing_shows_and_where_to_turn_it_on(facilitator_client, collaborative):
    collaborative.is_public = False
    collaborative.save()
    page = facilitator_client.get(manage_url(collaborative)).content.decode()
    assert "nothing you publish here shows to anyone" in page
    assert reverse("members:collaborative_settings", kwargs={"slug": collaborative.slug}) in page


def test_publishing_a_goal_keeps_who_and_when(facilitator_client, facilitator, collaborative):
    goal = GoalFactory(collaborative=collaborative)
    form = facilitator_client.get(publish_url(collaborative), {"kind": "goal", "id": goal.pk})
    assert form.status_code == 200
    assert goal.title in form.content.decode()
    response = facilitator_client.post(
        publish_url(collaborative), {"kind": "goal", "id": goal.pk, "title": "Our goal", "summary": "Going well."}
    )
    publication = Publication.objects.get(goal=goal)
    assert response.headers["Location"] == reverse(
        "impact:edit", kwargs={"slug": collaborative.slug, "pk": publication.pk}
    )
    assert (publication.title, publication.status, publication.created_by) == (
        "Our goal",
        Publication.Status.PUBLISHED,
        facilitator,
    )
    assert list(publication.events.values_list("what", "by")) == [(PublicationEvent.What.PUBLISHED, facilitator.pk)]
    # Once published it is no longer offered, and publishing it again is refused in plain words.
    assert goal.title not in facilitator_client.get(manage_url(collaborative)).content.decode()
    again = facilitator_client.post(
        publish_url(collaborative), {"kind": "goal", "id": goal.pk, "title": "Again", "summary": ""}
    )
    assert again.status_code == 400
    assert "This is published already" in again.content.decode()
    assert Publication.objects.count() == 1


def test_you_said_we_did_needs_the_facilitators_summary(facilitator_client, collaborative):
    action = done_action(collaborative)
    response = facilitator_client.post(
        publish_url(collaborative), {"kind": "you_said", "id": action.pk, "title": "Cafes mapped", "summary": " "}
    )
    assert response.status_code == 400
    assert "Write a short summary of what changed" in response.content.decode()
    assert not Publication.objects.exists()


def test_an_open_action_or_another_collaboratives_goal_cannot_be_published(
    facilitator_client, collaborative, other_collaborative
):
    open_action = done_action(collaborative)
    open_action.status = open_action.Status.OPEN
    open_action.save()
    response = facilitator_client.post(
        publish_url(collaborative), {"kind": "you_said", "id": open_action.pk, "title": "Not yet", "summary": "No."}
    )
    assert response.status_code == 400
    assert "Only an action that is done" in response.content.decode()
    theirs = GoalFactory(collaborative=other_collaborative)
    response = facilitator_client.post(
        publish_url(collaborative), {"kind": "goal", "id": theirs.pk, "title": "Theirs", "summary": ""}
    )
    assert response.status_code == 404
    assert facilitator_client.get(publish_url(collaborative), {"kind": "nonsense", "id": 1}).status_code == 404
    assert not Publication.objects.exists()


def test_figures_publish_for_a_period_that_makes_sense(facilitator_client, collaborative):
    form = facilitator_client.get(publish_url(collaborative)).content.decode()
    assert 'name="period_start"' in form
    data = {"kind": "figures", "title": "Our year", "summary": "", "period_start": "2026-04-01"}
    backwards = facilitator_client.post(publish_url(collaborative), data | {"period_end": "2025-03-31"})
    assert backwards.status_code == 400
    assert "must be on or after its start" in backwards.content.decode()
    for bad in ("9999-12-31", "0001-01-01"):
        response = facilitator_client.post(publish_url(collaborative), data | {"period_end": bad})
        assert response.status_code == 400
        assert "Choose a date between 2000 and 2099." in response.content.decode()
    too_long = facilitator_client.post(publish_url(collaborative), data | {"period_end": "2031-04-01"})
    assert "Choose a period of 5 years or less." in too_long.content.decode()
    assert not Publication.objects.exists()
    facilitator_client.post(publish_url(collaborative), data | {"period_end": "2027-03-31"})
    publication = Publication.objects.get(kind=Publication.Kind.FIGURES)
    assert (str(publication.period_start), str(publication.period_end)) == ("2026-04-01", "2027-03-31")


def test_a_period_out_of_bounds_is_refused_by_the_model_and_an_old_one_never_gives_a_500(
    facilitator_client, facilitator, collaborative
):
    with pytest.raises(ValidationError) as refused:
        publication_publish(
            collaborative=collaborative,
            by=facilitator,
            kind=Publication.Kind.FIGURES,
            title="Forever",
            period_start=date(2025, 4, 1),
            period_end=date(9999, 12, 31),
        )
    assert refused.value.message_dict == {"period_end": ["Choose a date between 2000 and 2099."]}
    assert not Publication.objects.exists()
    # A row saved before the periods were checked still shows, to the facilitators and to the public.
    old = Publication.objects.create(
        collaborative=collaborative,
        kind=Publication.Kind.FIGURES,
        title="Forever",
        period_start=date(9999, 12, 31),
        period_end=date(9999, 12, 31),
    )
    kwargs = {"slug": collaborative.slug, "pk": old.pk}
    collaborative.is_public = True
    collaborative.save()
    assert facilitator_client.get(reverse("impact:edit", kwargs=kwargs)).status_code == 200
    assert Client().get(reverse("impact:item", kwargs=kwargs)).status_code == 200


def test_hiding_and_publishing_again_keep_the_item_its_history_and_its_first_day(
    facilitator_client, facilitator, collaborative
):
    publication = PublicationFactory(collaborative=collaborative)
    first = publication.first_published_at
    kwargs = {"slug": collaborative.slug, "pk": publication.pk}
    facilitator_client.post(reverse("impact:hide", kwargs=kwargs))
    publication.refresh_from_db()
    assert publication.status == Publication.Status.HIDDEN
    again = facilitator_client.post(reverse("impact:hide", kwargs=kwargs), follow=True)
    assert "not on the public page already" in again.content.decode()
    facilitator_client.post(reverse("impact:show", kwargs=kwargs))
    facilitator_client.post(reverse("impact:edit", kwargs=kwargs), {"title": "New words", "summary": "Shorter."})
    publication.refresh_from_db()
    assert (publication.status, publication.title, publication.first_published_at) == (
        Publication.Status.PUBLISHED,
        "New words",
        first,
    )
    assert list(publication.events.values_list("what", flat=True)) == ["hidden", "published", "changed"]
    page = facilitator_client.get(reverse("impact:edit", kwargs=kwargs)).content.decode()
    assert "Unpublished on" in page
    assert "Changed on" in page


def test_a_change_with_no_title_is_refused_and_nothing_changes(facilitator_client, collaborative):
    publication = PublicationFactory(collaborative=collaborative, title="As it was")
    response = facilitator_client.post(
        reverse("impact:edit", kwargs={"slug": collaborative.slug, "pk": publication.pk}), {"title": "", "summary": ""}
    )
    assert response.status_code == 400
    assert "Give the item a title" in response.content.decode()
    publication.refresh_from_db()
    assert publication.title == "As it was"
    assert not publication.events.exists()


def test_the_lists_are_bounded_and_paged(facilitator_client, collaborative):
    for _ in range(12):
        GoalFactory(collaborative=collaborative)
    response = facilitator_client.get(manage_url(collaborative))
    assert len(response.context["goals"].object_list) == 10
    assert "?goals=2#goals-heading" in response.content.decode()
    assert len(facilitator_client.get(manage_url(collaborative), {"goals": 2}).context["goals"].object_list) == 2
