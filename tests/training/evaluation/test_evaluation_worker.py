"""A real training worker evaluates a model on a set; killed mid-way, it leaves the
evaluation without numbers, and evaluating again finishes it."""

import signal
import time

import pytest

from tests.training.evaluation.helpers import jsonl, rewardbench_records
from tests.workers import TrainingWorkers
from training.evaluation.runs import EvaluationRunning, evaluation_rerun
from training.evaluation.sets import evaluation_set_create
from training.models import Evaluation

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(400)]


@pytest.fixture
def worker(tmp_path, media):
    """``worker()`` starts a training worker on the test database and the test's storage."""
    workers = TrainingWorkers(tmp_path)
    yield workers.start
    workers.stop_all()


def _wait_for(evaluation, done, seconds=240, poll=0.5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        evaluation.refresh_from_db()
        if done(evaluation):
            return evaluation
        time.sleep(poll)
    raise AssertionError(f"evaluation stuck in {evaluation.status}: {evaluation.error}")


def _rerun_once_released(evaluation, seconds=30):
    """The killed worker's database session ends a moment after the process: until then
    its lock says a worker is still on the evaluation."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return evaluation_rerun(evaluation=evaluation)
        except EvaluationRunning:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_killed_evaluation_keeps_no_numbers_and_finishes_when_run_again(
    project, tiny_model, worker, monkeypatch
):
    monkeypatch.setenv("RANKWISE_EVALUATION_CHUNK_ITEMS", "2")  # many progress writes
    model = tiny_model()
    evaluation_set = evaluation_set_create(
        project=project, file=jsonl(rewardbench_records(400)), file_name="rb.jsonl", name="rb"
    )
    evaluation = Evaluation.objects.get(model_version=model, evaluation_set=evaluation_set)

    first = worker()
    _wait_for(evaluation, lambda e: e.items_scored >= 6, poll=0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.RUNNING
    assert evaluation.items_scored < 400
    assert evaluation.metrics == {}
    assert evaluation.rewards == []

    _rerun_once_released(evaluation)
    worker()
    evaluation = _wait_for(evaluation, lambda e: e.status == Evaluation.Status.SUCCEEDED)
    assert evaluation.attempts == 2
    assert len(evaluation.rewards) == 400
    assert evaluation.metrics["overall"]["pairs"] == 400
