"""The site administration: a new Collaborative gets the framework; answers never appear one person at a time."""

from datetime import timedelta

import pytest

from members.models import Collaborative
from tests.factories import UserFactory
from vision.models import LIVING_WELL_UK, Goal, KeyRole, Rating, Round, Statement
from vision.services import (
    DEFAULT_FRAMEWORK,
    answers_save,
    framework_start,
    round_open,
    version_draft,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_collaborative_added_in_the_site_administration_starts_with_the_five_key_roles(admin_client):
    response = admin_client.post(
        "/admin/members/collaborative/add/",
        {
            "name": "Salford Living Well Collaborative",
            "slug": "salford",
            "area": "Salford",
            "description": "",
            "time_zone": "Europe/London",
            "first_reminder_days": "7",
            "second_reminder_days": "1",
            "created_at_0": "2026-11-26",
            "created_at_1": "10:00:00",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.text
    collaborative = Collaborative.objects.get(slug="salford")
    roles = list(collaborative.key_roles.order_by("number"))
    assert [role.title for role in roles] == [title for title, _, _ in DEFAULT_FRAMEWORK]
    statements = Statement.objects.filter(key_role__collaborative=collaborative)
    assert statements.count() == 25
    assert set(statements.values_list("source", flat=True)) == {LIVING_WELL_UK}
    assert statements.filter(text="Our vision is informed by lived experience", key_role__number=1).exists()


def test_changing_a_collaborative_leaves_its_framework_alone(admin_client, collaborative):
    framework_start(collaborative=collaborative)
    Statement.objects.filter(key_role__collaborative=collaborative).first().delete()
    response = admin_client.post(
        f"/admin/members/collaborative/{collaborative.pk}/change/",
        {
            "name": collaborative.name,
            "slug": collaborative.slug,
            "area": collaborative.area,
            "description": collaborative.description,
            "time_zone": "Europe/London",
            "first_reminder_days": "7",
            "second_reminder_days": "1",
            "created_at_0": "2026-11-26",
            "created_at_1": "10:00:00",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.text
    assert Statement.objects.filter(key_role__collaborative=collaborative).count() == 24


@pytest.fixture
def answered(collaborative, people):
    """A round with one member's answer and comment in it."""
    assessment = round_open(
        collaborative=collaborative,
        by=people["facilitator"],
        title="Autumn 2026",
        closing_day=collaborative.local_today() + timedelta(days=7),
    )
    first = assessment.statements.first()
    answers_save(round=assessment, user=people["member"], answers={first.pk: (Rating.NOT_YET, "Only I wrote this.")})
    return assessment


def test_the_vision_pages_of_the_site_administration_open(admin_client, collaborative, facilitator, answered):
    version = version_draft(collaborative=collaborative, by=facilitator, statement="Help is near.", values=[])
    key_role = KeyRole.objects.filter(collaborative=collaborative).first()
    for url in [
        "/admin/vision/",
        "/admin/vision/visionversion/",
        f"/admin/vision/visionversion/{version.pk}/change/",
        "/admin/vision/goal/",
        "/admin/vision/goal/add/",
        "/admin/vision/keyrole/",
        f"/admin/vision/keyrole/{key_role.pk}/change/",
        "/admin/vision/round/",
        f"/admin/vision/round/{answered.pk}/change/",
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_no_ones_answers_appear_in_the_site_administration(admin_client, answered, member):
    assert admin_client.get("/admin/vision/response/").status_code == 404
    assert admin_client.get("/admin/vision/answer/").status_code == 404
    index = admin_client.get("/admin/vision/").content.decode()
    assert "Response" not in index
    assert "Answer" not in index
    page = admin_client.get(f"/admin/vision/round/{answered.pk}/change/").content.decode()
    assert "We are clear about our motivation and vision" in page  # The wording, as answered.
    assert "Only I wrote this." not in page
    assert member.display_name not in page
    assert member.email not in page


def test_rounds_and_versions_are_opened_and_drafted_on_the_collaboratives_pages_not_here(admin_client, answered):
    assert admin_client.get("/admin/vision/round/add/").status_code == 403
    assert admin_client.get("/admin/vision/visionversion/add/").status_code == 403
    response = admin_client.post(f"/admin/vision/round/{answered.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Round.objects.filter(pk=answered.pk).exists()


def test_a_goal_added_here_records_who_added_it(admin_client, collaborative):
    response = admin_client.post(
        "/admin/vision/goal/add/",
        {
            "collaborative": collaborative.pk,
            "title": "Help is easy to get",
            "success": "Shorter waits.",
            "review_on": "2027-03-01",
            "status": Goal.Status.ACTIVE,
            "reviews-TOTAL_FORMS": "0",
            "reviews-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.text
    goal = Goal.objects.get()
    assert goal.created_by.is_superuser


def test_rewording_a_statement_here_keeps_the_old_words_in_past_rounds(admin_client, answered):
    key_role = KeyRole.objects.get(collaborative=answered.collaborative, number=1)
    statements = list(key_role.statements.all())
    before = statements[0].changed_at
    data = {
        "number": key_role.number,
        "collaborative": key_role.collaborative_id,
        "title": key_role.title,
        "description": key_role.description,
        "statements-TOTAL_FORMS": str(len(statements)),
        "statements-INITIAL_FORMS": str(len(statements)),
    }
    for i, statement in enumerate(statements):
        data |= {
            f"statements-{i}-id": statement.pk,
            f"statements-{i}-key_role": key_role.pk,
            f"statements-{i}-position": statement.position,
            f"statements-{i}-text": "We know why we are here" if i == 0 else statement.text,
            f"statements-{i}-source": statement.source,
            f"statements-{i}-status": statement.status,
        }
    response = admin_client.post(f"/admin/vision/keyrole/{key_role.pk}/change/", data)
    assert response.status_code == 302, response.text
    reworded = Statement.objects.get(pk=statements[0].pk)
    assert reworded.text == "We know why we are here"
    assert reworded.changed_at > before
    assert Statement.objects.get(pk=statements[1].pk).changed_at == statements[1].changed_at
    assert answered.statements.get(statement=reworded).text == "We are clear about our motivation and vision"
