import pytest

from config.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_it_reports_database_and_broker_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "vendor": "postgresql"}
    assert body["broker"]["ok"] is True


def test_it_answers_503_when_the_broker_is_down(client, monkeypatch):
    # Nothing listens on port 1: the broker check must fail fast, not hang.
    # (Celery reads CELERY_BROKER_URL from the environment before its own settings.)
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"]["ok"] is False
    assert body["database"]["ok"] is True
