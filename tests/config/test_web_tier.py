"""What the annotators' latency depends on outside the views: gunicorn's worker hooks
(config/gunicorn.py), used by every way the web tier starts, and how PostgreSQL statements
are prepared and planned (benchmarks/annotation_load measures both)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.db import connection

from annotation.services.queue import assignment_next
from config.launcher import _commands
from tests.factories import item_with_completions

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, **variables: str) -> str:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **variables}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[-1]


def test_a_worker_imports_every_view_and_freezes_it_before_its_first_request():
    report = _python(
        "import gc, json, sys, django; django.setup(); "
        "from config.gunicorn import post_worker_init; "
        "before = 'training.api.views' in sys.modules; "
        "post_worker_init(None); "
        "print(json.dumps([before, 'training.api.views' in sys.modules, gc.get_freeze_count()]))"
    )
    imported_before, imported_after, frozen = json.loads(report)
    assert not imported_before
    assert imported_after
    # Django, DRF and the scoring stack: far more than a bare interpreter's few thousand.
    assert frozen > 50_000


def _dockerfile_command() -> list[str]:
    text = (ROOT / "Dockerfile").read_text()
    match = re.search(r"^CMD (\[.*?\])", text, flags=re.MULTILINE | re.DOTALL)
    assert match is not None
    return json.loads(match.group(1).replace("\\\n", ""))


@pytest.mark.parametrize(
    "command",
    [
        yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["command"],
        _dockerfile_command(),
        _commands("127.0.0.1", 8000)["web"],
    ],
    ids=["compose", "dockerfile", "make-run"],
)
def test_every_start_of_gunicorn_loads_the_worker_hooks(command):
    assert "gunicorn" in command
    assert command[command.index("--config") + 1] == "python:config.gunicorn"


@pytest.mark.django_db
def test_hot_statements_are_prepared_but_the_queue_scan_is_planned_each_time(project, member):
    for _ in range(8):
        item_with_completions(project)
    for _ in range(8):
        lease = assignment_next(project=project, annotator=member())
        assert lease is not None
    assert connection.connection.prepare_threshold == 5
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any(s.startswith("UPDATE annotation_prompt SET claim_count") for s in prepared)
    assert not any("SKIP LOCKED" in s for s in prepared)


def test_a_prepare_threshold_of_zero_turns_preparing_off_for_poolers():
    options = _python(
        "import json; from config import settings; "
        "print(json.dumps(settings.DATABASES['default']['OPTIONS']))",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/unused",
        DATABASE_PREPARE_THRESHOLD="0",
    )
    assert json.loads(options) == {"server_side_binding": True, "prepare_threshold": None}
