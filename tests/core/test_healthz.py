from unittest import mock

import pytest
from celery import current_app
from django.db import OperationalError
from kombu import Connection

from config.celery import broker_folders_ensure


def test_it_answers_200_when_database_and_broker_answer(client, db):
    broker_folders_ensure()  # the embedded broker's folders, as its processes make them (no-op for Redis)
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}, "down": []}


@pytest.mark.django_db
def test_it_names_the_broker_when_the_broker_is_down(client, monkeypatch):
    # A real connection attempt to a port of the loopback where nothing listens: refused at once.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(current_app, "connection_for_write", lambda: Connection("redis://127.0.0.1:1/0"))

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("down")


@pytest.mark.django_db
def test_it_names_the_database_when_the_database_is_down(client):
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["down"] == ["database"]
    assert response.json()["checks"]["broker"] == "ok"


@pytest.mark.django_db
def test_the_embedded_broker_is_down_when_its_folders_are_missing(client, monkeypatch, tmp_path):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery prefers it to the setting
    monkeypatch.setitem(current_app.conf, "broker_url", "filesystem://")
    monkeypatch.setitem(
        current_app.conf,
        "broker_transport_options",
        {"data_folder_in": str(tmp_path / "missing"), "control_folder": str(tmp_path / "control")},
    )

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]
