"""Beat's check of generation jobs: a job whose worker was lost is resumed (a bounded number
of times), a queued job whose message was lost is sent again, nothing else is touched.
Time is moved by dating heartbeats and messages in the past."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.utils import timezone

from config.celery import app as celery_app
from generation.engine.types import SampleResult
from generation.models import GenerationJob, GenerationSample, Generator
from generation.services import execute
from generation.services.execute import generation_job_execute
from generation.services.jobs import generation_job_create, generation_job_resume
from generation.services.jobs import generation_jobs_check as check
from tests.api_world import tasks_published
from tests.factories import GeneratorFactory
from tests.generation.conftest import prompts_import

pytestmark = pytest.mark.django_db
RUN = "generation.tasks.generation_job_run"


@pytest.fixture(autouse=True)
def _queues_left_empty():
    """The check's messages really go to the broker (for jobs rolled back with the test):
    none is left for a later test's worker."""
    yield
    with celery_app.connection_for_write() as broker:
        for queue in ("default", "generation"):
            broker.default_channel.queue_purge(queue)


@pytest.fixture
def job(project):
    prompts_import(project, 2)
    generator = GeneratorFactory(project=project)
    return generation_job_create(
        project=project, plan=[{"generator": generator.pk, "samples": 2}], created_by=None
    )


def running(job, *, silent_for: float = 0, losses: int = 0) -> GenerationJob:
    """The job as a worker left it, its last heartbeat ``silent_for`` seconds ago."""
    beat = timezone.now() - timedelta(seconds=silent_for)
    GenerationJob.objects.filter(pk=job.pk).update(
        status="running", heartbeat_at=beat, started_at=beat, worker="gpu-1", worker_losses=losses
    )
    return GenerationJob.objects.get(pk=job.pk)


def checked(django_capture_on_commit_callbacks) -> tuple[tuple[int, int], list[str]]:
    with tasks_published() as sent, django_capture_on_commit_callbacks(execute=True):
        found = check()
    return found, sent


def test_a_job_whose_worker_went_silent_is_queued_again_once(
    job, settings, django_capture_on_commit_callbacks
):
    running(job, silent_for=settings.GENERATION_STALL_SECONDS + 1)
    assert checked(django_capture_on_commit_callbacks) == ((1, 0), [f"{RUN} → default"])
    assert checked(django_capture_on_commit_callbacks) == ((0, 0), [])
    job.refresh_from_db()
    assert (job.status, job.worker_losses) == ("queued", 1)
    assert "The worker gpu-1 stopped reporting" in job.error
    assert "worker lost 1 time)" in job.error
    assert "Resumed automatically" in job.error


def test_a_resumed_job_runs_its_pending_samples_and_ends_without_the_note(
    job, settings, django_capture_on_commit_callbacks, echo_server
):
    Generator.objects.filter(pk=job.plan[0]["generator"]).update(base_url=echo_server.base_url)
    running(job, silent_for=settings.GENERATION_STALL_SECONDS + 1)
    checked(django_capture_on_commit_callbacks)
    assert generation_job_execute(job_id=job.pk) == "succeeded"
    job.refresh_from_db()
    assert (job.status, job.samples_done, job.worker_losses, job.error) == ("succeeded", 4, 1, "")


def test_a_job_that_keeps_losing_its_worker_fails_after_the_limit(
    job, settings, django_capture_on_commit_callbacks
):
    settings.GENERATION_MAX_WORKER_LOSSES = 3
    running(job, silent_for=settings.GENERATION_STALL_SECONDS + 1, losses=3)
    assert checked(django_capture_on_commit_callbacks) == ((1, 0), [])
    job.refresh_from_db()
    assert (job.status, job.worker_losses) == ("failed", 4)
    assert job.finished_at is not None
    assert "worker lost 4 times" in job.error
    assert "resume it by hand" in job.error


def test_each_loss_under_the_limit_is_counted(job, settings, django_capture_on_commit_callbacks):
    settings.GENERATION_MAX_WORKER_LOSSES = 3
    for losses in (1, 2, 3):
        running(job, silent_for=settings.GENERATION_STALL_SECONDS + 1, losses=losses - 1)
        assert checked(django_capture_on_commit_callbacks)[0] == (1, 0)
        job.refresh_from_db()
        assert (job.status, job.worker_losses) == ("queued", losses)


def test_a_manual_resume_starts_the_count_of_lost_workers_over(
    job, settings, django_capture_on_commit_callbacks
):
    running(job, silent_for=settings.GENERATION_STALL_SECONDS + 1, losses=3)
    checked(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    generation_job_resume(job=job)
    job.refresh_from_db()
    assert (job.status, job.worker_losses, job.error) == ("queued", 0, "")


def test_a_job_with_a_local_model_goes_back_to_the_generation_queue(
    project, settings, django_capture_on_commit_callbacks
):
    prompts_import(project, 1)
    local = GeneratorFactory(project=project, kind="local", base_url="")
    job = generation_job_create(
        project=project, plan=[{"generator": local.pk, "samples": 1}], created_by=None
    )
    running(job, silent_for=settings.GENERATION_STALL_SECONDS + 1)
    assert checked(django_capture_on_commit_callbacks) == ((1, 0), [f"{RUN} → generation"])


def test_a_queued_job_nobody_took_is_sent_again_once(
    job, settings, django_capture_on_commit_callbacks
):
    sent_at = timezone.now() - timedelta(seconds=settings.GENERATION_STALL_SECONDS + 1)
    GenerationJob.objects.filter(pk=job.pk).update(queued_at=sent_at)
    assert checked(django_capture_on_commit_callbacks) == ((0, 1), [f"{RUN} → default"])
    assert checked(django_capture_on_commit_callbacks) == ((0, 0), [])
    job.refresh_from_db()
    assert (job.status, job.worker_losses) == ("queued", 0)
    assert job.queued_at > sent_at


def test_a_queued_job_sent_again_runs_once_however_many_messages_reach_workers(
    job, settings, echo_server
):
    Generator.objects.filter(pk=job.plan[0]["generator"]).update(base_url=echo_server.base_url)
    assert generation_job_execute(job_id=job.pk) == "succeeded"
    assert generation_job_execute(job_id=job.pk) == "not claimed"  # the lost one, late
    assert len(echo_server.bodies) == 4


def test_a_fresh_running_job_a_fresh_queued_job_and_finished_jobs_are_untouched(
    project, settings, django_capture_on_commit_callbacks
):
    prompts_import(project, 4)
    stall = settings.GENERATION_STALL_SECONDS
    jobs = [
        generation_job_create(
            project=project,
            plan=[{"generator": GeneratorFactory(project=project).pk, "samples": 1}],
            created_by=None,
        )
        for _ in range(5)
    ]
    running(jobs[0], silent_for=stall - 5)
    long_ago = timezone.now() - timedelta(seconds=stall + 1)
    for old, status in zip(jobs[2:], ("succeeded", "failed", "cancelled"), strict=True):
        GenerationJob.objects.filter(pk=old.pk).update(
            status=status, heartbeat_at=long_ago, queued_at=long_ago, finished_at=long_ago
        )
    before = list(GenerationJob.objects.order_by("pk").values())
    assert checked(django_capture_on_commit_callbacks) == ((0, 0), [])
    assert list(GenerationJob.objects.order_by("pk").values()) == before


def test_a_worker_whose_job_was_resumed_elsewhere_stops_and_ends_nothing(job, settings):
    claimed = execute._claim(job.pk)
    GenerationJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.GENERATION_STALL_SECONDS + 1)
    )
    check()  # queued again: the next worker's claim is the job's now
    assert execute._claim(job.pk) is not None
    # A batch the old worker still had: not written (samples, counts and usage alike).
    pending = GenerationSample.objects.filter(job=job).first()
    assert pending is not None
    late = SampleResult(pending.pk, ok=True, text="late", prompt_tokens=5, completion_tokens=9)
    assert execute.results_write(job=claimed, results=[late], names={}) is False
    pending.refresh_from_db()
    assert (pending.status, pending.text) == ("pending", "")
    runner = SimpleNamespace(stop=threading.Event())
    assert execute._beat(claimed, runner) is False
    assert runner.stop.is_set()
    assert execute._end(claimed, "succeeded", "") == execute.LOST
    job.refresh_from_db()
    assert (job.status, job.usage, job.samples_done) == ("running", {}, 0)


@pytest.mark.django_db(transaction=True)
def test_a_check_and_a_resume_at_the_same_moment_queue_the_job_once(job, settings):
    stalled = running(job, silent_for=settings.GENERATION_STALL_SECONDS + 1)
    results: list[tuple[int, int]] = []
    with tasks_published() as sent:
        with transaction.atomic():
            generation_job_resume(job=stalled)  # holds the job's row until it commits
            beat = threading.Thread(target=lambda: results.append(_check_in_thread()))
            beat.start()
            _wait_for_a_lock_wait()
        beat.join(timeout=30)
    assert results == [(0, 0)]
    assert sent == [f"{RUN} → default"]
    job.refresh_from_db()
    assert (job.status, job.worker_losses) == ("queued", 0)


def _check_in_thread() -> tuple[int, int]:
    try:
        return check()
    finally:
        connection.close()


def _wait_for_a_lock_wait(seconds: float = 10) -> None:
    """Until another session of this database waits on a row lock (the check, blocked)."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction the activity view is a snapshot: take a new one each time.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the check never waited on the job's row")
