"""A real Celery worker process on Redis trains a tiny model; SIGKILL mid-run leaves a
consistent run that resumes from its checkpoint."""

import signal
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from tests.workers import TrainingWorkers
from training.models import ModelVersion, TrainingLogLine, TrainingRun
from training.services import runs

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(400)]


@pytest.fixture
def worker(tmp_path):
    """``worker()`` starts a training worker on the test database; all are killed after."""
    workers = TrainingWorkers(tmp_path)
    yield workers.start
    workers.stop_all()


def _wait_for(run, done, seconds=240, poll=0.5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if done(run):
            return run
        time.sleep(poll)
    raise AssertionError(f"run {run.pk} stuck in {run.status} at step {run.step}: {run.error}")


def test_a_worker_process_trains_a_run_to_a_registered_model(project, version, tiny_config, worker):
    run = runs.training_run_create(project=project, config=tiny_config)
    worker()
    run = _wait_for(run, lambda r: r.status not in runs.ACTIVE)
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert run.worker
    assert run.device == "cpu"
    assert ModelVersion.objects.filter(training_run=run).exists()


def test_a_killed_worker_leaves_a_stalled_run_that_resumes_from_its_checkpoint(
    project, version, tiny_config, worker
):
    # Long enough that the kill lands mid-run on a fast idle CPU too (40 epochs of the tiny
    # model took 1.2 s there, so the run could finish between two polls).
    config = tiny_config | {"epochs": 300, "checkpoint_every": 2}
    run = runs.training_run_create(project=project, config=config)
    first = worker()
    run = _wait_for(run, lambda r: r.step >= 5, poll=0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = run.step
    assert not ModelVersion.objects.filter(training_run=run).exists()

    later = timezone.now() + timedelta(seconds=settings.TRAINING_STALL_SECONDS + 1)
    assert runs.training_runs_check(now=later) == 1
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.STALLED
    assert runs.can_resume(run)

    runs.training_run_resume(run=run)
    worker()
    run = _wait_for(run, lambda r: r.status not in runs.ACTIVE)
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert run.attempt == 2
    resumed = TrainingLogLine.objects.filter(run=run, message__startswith="resumed from")
    assert resumed.exists(), list(TrainingLogLine.objects.filter(run=run).values_list("message"))
    assert killed_at < run.total_steps
    assert ModelVersion.objects.filter(training_run=run).count() == 1
