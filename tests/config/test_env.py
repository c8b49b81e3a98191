import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parents[2]


def test_it_reads_booleans_strictly(monkeypatch):
    monkeypatch.setenv("RW_FLAG", "flase")
    with pytest.raises(ImproperlyConfigured, match="RW_FLAG='flase'"):
        env.boolean("RW_FLAG", default=True)


@pytest.mark.parametrize(
    ("raw", "expected"), [("yes", True), ("0", False), ("OFF", False), ("", True)]
)
def test_it_accepts_the_usual_boolean_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("RW_FLAG", raw)
    assert env.boolean("RW_FLAG", default=True) is expected


def test_it_rejects_a_non_numeric_integer(monkeypatch):
    monkeypatch.setenv("RW_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="a whole number"):
        env.integer("RW_NUMBER", 1)


def test_it_rejects_an_integer_below_its_minimum(monkeypatch):
    monkeypatch.setenv("RW_NUMBER", "-5")
    with pytest.raises(ImproperlyConfigured, match=">= 0"):
        env.integer("RW_NUMBER", 1, minimum=0)


def test_it_rejects_an_unknown_choice(monkeypatch):
    monkeypatch.setenv("RW_FORMAT", "xml")
    with pytest.raises(ImproperlyConfigured, match="one of text, json"):
        env.choice("RW_FORMAT", "text", ("text", "json"))


def test_it_rejects_a_database_url_with_an_unknown_scheme(monkeypatch):
    monkeypatch.setenv("RW_DB", "mongodb://localhost/rankwise")
    with pytest.raises(ImproperlyConfigured, match="RW_DB"):
        env.database("RW_DB", "sqlite:///x.sqlite3")


def test_it_records_every_variable_the_settings_read():
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_SECRET_KEY"} <= set(
        env.NAMES_READ
    )


def _import_settings(**variables: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    environment.update(variables)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_settings_refuse_production_without_a_secret_key():
    result = _import_settings(DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_settings_refuse_a_hard_time_limit_below_the_soft_one():
    result = _import_settings(CELERY_TASK_SOFT_TIME_LIMIT="600", CELERY_TASK_TIME_LIMIT="60")
    assert result.returncode != 0
    assert "CELERY_TASK_TIME_LIMIT must be greater" in result.stderr


def test_settings_refuse_a_negative_bound_on_lost_generation_workers():
    result = _import_settings(RANKWISE_GENERATION_MAX_WORKER_LOSSES="-1")
    assert result.returncode != 0
    assert "RANKWISE_GENERATION_MAX_WORKER_LOSSES" in result.stderr


@pytest.mark.parametrize("stage", ["TRAINING", "GENERATION"])
def test_settings_refuse_a_stall_limit_within_two_heartbeats(stage):
    # One late heartbeat must not make a live worker count as lost.
    beats = {f"RANKWISE_{stage}_HEARTBEAT_SECONDS": "30", f"RANKWISE_{stage}_STALL_SECONDS": "60"}
    result = _import_settings(**beats)
    assert result.returncode != 0
    assert f"RANKWISE_{stage}_STALL_SECONDS must exceed twice" in result.stderr
    assert _import_settings(**{**beats, f"RANKWISE_{stage}_STALL_SECONDS": "61"}).returncode == 0
