"""A generation job on a real Celery worker process, killed mid-job and resumed on another
(by a person, or by beat's check with nobody pressing Resume): every sample is written
once, none is lost."""

from __future__ import annotations

import signal
import time

import pytest

from annotation.models import Completion, Prompt
from generation.models import GenerationJob, GenerationSample, Generator
from generation.services.jobs import (
    generation_job_create,
    generation_job_resume,
    generation_jobs_check,
    is_stalled,
)
from tests.factories import GeneratorFactory
from tests.generation.conftest import prompts_import
from tests.generation.test_jobs import one_completion_per_sample
from tests.workers import TrainingWorkers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]


@pytest.fixture
def workers(tmp_path, settings, monkeypatch):
    settings.GENERATION_HEARTBEAT_SECONDS = 1
    settings.GENERATION_STALL_SECONDS = 3
    monkeypatch.setenv("RANKWISE_GENERATION_HEARTBEAT_SECONDS", "1")
    monkeypatch.setenv("RANKWISE_GENERATION_STALL_SECONDS", "3")
    monkeypatch.setenv("RANKWISE_GENERATION_BACKOFF_MS", "10")
    pool = TrainingWorkers(tmp_path, queue="default")
    yield pool
    pool.stop_all()


def wait_for(job_id: int, done, seconds: float = 120) -> GenerationJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = GenerationJob.objects.get(pk=job_id)
        if done(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} stuck: {job.status}, {job.samples_done} done")


def test_a_worker_killed_mid_job_is_resumed_by_another_without_duplicates(
    project, workers, echo_server
):
    job = _killed_mid_job(project, workers, echo_server)
    assert job.status == "running"
    assert 20 <= job.samples_done < 80

    generation_job_resume(job=job)  # enqueued on commit (this test commits)
    workers.start()
    job = wait_for(job.pk, lambda j: j.status not in ("queued", "running"))

    assert (job.status, job.samples_done, job.samples_failed, job.prompts_released) == (
        "succeeded", 80, 0, 40,
    )  # fmt: skip
    assert Completion.objects.filter(prompt__project=project).count() == 80
    assert not Prompt.objects.filter(project=project, awaiting_completions=True).exists()
    assert not GenerationSample.objects.exclude(status="done").exists()
    one_completion_per_sample(project)


def test_a_worker_killed_mid_job_is_resumed_by_beat_without_anyone_pressing_resume(
    project, workers, echo_server
):
    job = _killed_mid_job(project, workers, echo_server)

    assert generation_jobs_check() == (1, 0)  # what beat runs; sent on commit (this test commits)
    assert generation_jobs_check() == (0, 0)
    workers.start()
    job = wait_for(job.pk, lambda j: j.status not in ("queued", "running"))

    assert (job.status, job.samples_done, job.samples_failed, job.prompts_released) == (
        "succeeded", 80, 0, 40,
    )  # fmt: skip
    assert (job.worker_losses, job.error) == (1, "")
    assert Completion.objects.filter(prompt__project=project).count() == 80
    assert not GenerationSample.objects.exclude(status="done").exists()
    one_completion_per_sample(project)


def _killed_mid_job(project, workers, echo_server) -> GenerationJob:
    """A job of 40 prompts, 2 samples each, whose worker was killed (SIGKILL) a quarter of the
    way in, and has been silent long enough to count as stalled."""
    prompts_import(project, 40)
    echo_server.delay = 0.05  # a slow server: the job is still running when the worker dies
    generator: Generator = GeneratorFactory.create(
        project=project, base_url=echo_server.base_url, concurrency=2
    )
    first = workers.start()
    job = generation_job_create(
        project=project, plan=[{"generator": generator.pk, "samples": 2}], created_by=None
    )
    wait_for(job.pk, lambda j: j.samples_done >= 20)
    first.send_signal(signal.SIGKILL)
    first.wait()
    return wait_for(job.pk, is_stalled, seconds=30)
