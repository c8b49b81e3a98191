"""The cap on a project's active (queued + running) training runs: new runs and resumes
beyond it are a 409, decided under the project's row lock, periodic retraining included."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from rest_framework.test import APIClient

from annotation.services.queue import assignment_next
from annotation.services.rankings import ranking_submit
from projects.models import Project, Role
from tests.factories import (
    DatasetVersionFactory,
    TrainingRunFactory,
    TrainingSettingsFactory,
    item_with_completions,
)
from training.models import TrainingRun
from training.services import retrain, runs

pytestmark = pytest.mark.django_db

FULL = (
    "This project already has 2 active training runs (the limit, "
    "RANKWISE_MAX_ACTIVE_RUNS_PER_PROJECT); cancel one or wait for it to finish."
)


@pytest.fixture
def researcher(project, member, client_for):
    return client_for(member(Role.RESEARCHER))


@pytest.fixture
def version(project):
    """A ready version as far as starting a run is concerned: these runs never train."""
    return DatasetVersionFactory(project=project)


@pytest.fixture
def cap(settings):
    settings.TRAINING_MAX_ACTIVE_RUNS_PER_PROJECT = 2
    return 2


def _start(client, project):
    return client.post(f"/api/v1/projects/{project.id}/training-runs/", {}, format="json")


def test_a_new_run_beyond_the_cap_is_a_409_that_names_the_limit_and_stores_nothing(
    project, version, researcher, cap
):
    TrainingRunFactory(project=project, dataset_version=version, status="queued")
    TrainingRunFactory(project=project, dataset_version=version, status="running")
    response = _start(researcher, project)
    assert response.status_code == 409
    assert response.json()["error"] == {
        "status": 409,
        "code": "too_many_active_runs",
        "message": FULL,
        "fields": {},
    }
    assert TrainingRun.objects.filter(project=project).count() == 2


def test_finished_and_stalled_runs_and_other_projects_runs_leave_room(
    project, version, researcher, cap, django_capture_on_commit_callbacks
):
    for status in ("succeeded", "failed", "cancelled", "stalled", "stalled"):
        TrainingRunFactory(project=project, dataset_version=version, status=status)
    TrainingRunFactory.create_batch(3, status="running")  # other projects'
    TrainingRunFactory(project=project, dataset_version=version, status="queued")
    with django_capture_on_commit_callbacks(execute=False):
        assert _start(researcher, project).status_code == 201
    assert _start(researcher, project).status_code == 409


def test_resuming_a_run_is_capped_like_starting_one(project, version, researcher, cap):
    stalled = TrainingRunFactory(project=project, dataset_version=version, status="stalled")
    TrainingRunFactory.create_batch(2, project=project, dataset_version=version, status="queued")
    response = researcher.post(
        f"/api/v1/projects/{project.id}/training-runs/{stalled.pk}/resume/", format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["message"] == FULL
    stalled.refresh_from_db()
    assert stalled.status == TrainingRun.Status.STALLED


def test_a_run_that_cannot_be_resumed_says_so_even_at_the_cap(project, version, cap):
    queued = TrainingRunFactory.create_batch(
        2, project=project, dataset_version=version, status="queued"
    )
    with pytest.raises(runs.NotResumable):
        runs.training_run_resume(run=queued[0])


def test_a_resume_under_the_cap_queues_the_run_again(
    project, version, cap, django_capture_on_commit_callbacks
):
    failed = TrainingRunFactory(project=project, dataset_version=version, status="failed")
    TrainingRunFactory(project=project, dataset_version=version, status="running")
    with django_capture_on_commit_callbacks(execute=False) as sent:
        assert runs.training_run_resume(run=failed).status == TrainingRun.Status.QUEUED
    assert len(sent) == 1


def test_a_periodic_run_goes_through_the_same_cap(project, version, cap):
    TrainingRunFactory.create_batch(2, project=project, dataset_version=version, status="queued")
    with pytest.raises(runs.TooManyActiveRuns):
        runs.training_run_create(project=project, config={}, trigger=TrainingRun.Trigger.PERIODIC)


def _import_settings(**variables: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(variables)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=Path(__file__).resolve().parents[2], env=environment, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip


def test_a_cap_below_one_stops_the_process_with_the_variables_name():
    result = _import_settings(RANKWISE_MAX_ACTIVE_RUNS_PER_PROJECT="0")
    assert result.returncode != 0
    assert "RANKWISE_MAX_ACTIVE_RUNS_PER_PROJECT='0' is not valid" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_never_pass_the_cap_together(project, version, member, cap):
    users = [member(Role.RESEARCHER) for _ in range(6)]
    together = threading.Barrier(len(users))
    statuses: list[int] = []

    def start(user):
        try:
            client = APIClient()
            client.force_authenticate(user)
            together.wait(timeout=30)
            statuses.append(_start(client, project).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [201, 201, 409, 409, 409, 409]
    assert TrainingRun.objects.filter(project=project, status="queued").count() == 2


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # a transaction caches the view
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_periodic_retraining_skips_a_project_whose_cap_filled_while_it_built(
    project, member, settings
):
    settings.TRAINING_MAX_ACTIVE_RUNS_PER_PROJECT = 1
    TrainingSettingsFactory(project=project, retrain_min_rankings=30)
    annotator = member(Role.ANNOTATOR)
    for _ in range(30):
        item_with_completions(project, k=2)
    for _ in range(30):
        lease = assignment_next(project=project, annotator=annotator)
        tiers = [[i] for i in lease.display_order]
        ranking_submit(project=project, annotator=annotator, prompt_id=lease.prompt_id, tiers=tiers)
    outcome: list[object] = []

    def beat():
        try:
            outcome.append(retrain.retrain_due())
        except BaseException as error:  # reported by the test, not lost in the thread
            outcome.append(error)
        finally:
            connections.close_all()

    periodic = threading.Thread(target=beat)
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)
        periodic.start()  # it sees no active run, then waits for the lock to build a version
        deadline = time.monotonic() + 60
        while not _waiting_on_a_lock():
            assert time.monotonic() < deadline, "the periodic build never waited for the lock"
            time.sleep(0.05)
        manual = TrainingRunFactory(project=project)  # a researcher's, meanwhile
    periodic.join(timeout=120)
    assert outcome == [[]]
    assert list(TrainingRun.objects.filter(project=project)) == [manual]
    # The version could train (train and validation pairs): only the cap stopped the run.
    splits = project.dataset_versions.get(name="periodic").counts["splits"]
    assert splits["train"]["pairs"]
    assert splits["validation"]["pairs"]
