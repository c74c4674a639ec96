import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthy_when_database_and_broker_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["broker"] == "ok"
    assert response.json()["status"] == "ok"
    assert "no-cache" in response.headers["Cache-Control"]


def test_unavailable_when_the_broker_does_not_answer(client, broker_down):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["broker"].startswith("error")
    assert response.json()["status"] == "unavailable"


def test_shows_when_the_worker_last_ran_a_task(client):
    from collaborative.tasks import heartbeat

    heartbeat()  # What beat asks a worker to do every minute.
    assert client.get(reverse("healthz")).json()["worker_last_seen"] is not None
