"""Import jobs: cancelled by an admin, and failed or resumed when their worker dies."""

import io
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from annotation.models import ImportJob, Prompt
from annotation.services.import_jobs import (
    IMPORT_JOB_LOCK,
    WORKER_LOST,
    import_job_execute,
    import_jobs_fail_orphaned,
)
from annotation.services.imports import items_import
from annotation.tasks import import_job_run
from tests.annotation.import_jobs.helpers import jsonl, post, uploads, url
from tests.factories import ImportRecordFactory

# --- cancelling ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_queued_job_is_cancelled_at_once_and_its_upload_deleted(
    admin_client, project, media, django_capture_on_commit_callbacks
):
    job_id = post(admin_client, project, jsonl([ImportRecordFactory() for _ in range(3)])).json()[
        "id"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url(project, f"{job_id}/cancel/"))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_requested"]) == (
        "cancelled", True,
    )  # fmt: skip
    assert uploads(media) == []
    assert import_job_run(job_id) == "skipped"
    assert not Prompt.objects.exists()


@pytest.mark.django_db
def test_cancelling_a_job_that_ended_is_a_409(admin_client, project, queue, eager):
    job_id = queue(jsonl([ImportRecordFactory() for _ in range(3)])).json()["id"]
    response = admin_client.post(url(project, f"{job_id}/cancel/"))
    assert response.status_code == 409
    assert response.json()["error"] == {
        "status": 409,
        "code": "import_finished",
        "message": "Only a queued or running import can be cancelled.",
        "fields": {},
    }
    assert ImportJob.objects.get().status == "succeeded"


# --- workers that die ---------------------------------------------------------------------


@pytest.fixture
def running_job(admin_client, project, media):
    """A job that a worker claimed two minutes ago (its upload still in storage)."""
    job_id = post(admin_client, project, jsonl([ImportRecordFactory() for _ in range(3)])).json()[
        "id"
    ]
    started = timezone.now() - timedelta(minutes=2)
    ImportJob.objects.filter(pk=job_id).update(status="running", started_at=started)
    return ImportJob.objects.get(pk=job_id)


@pytest.mark.django_db
def test_a_running_job_whose_worker_is_gone_is_failed_and_its_upload_deleted(
    running_job, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert import_jobs_fail_orphaned() == 1
    running_job.refresh_from_db()
    assert (running_job.status, running_job.error) == ("failed", WORKER_LOST)
    assert running_job.finished_at is not None
    assert uploads(media) == []


@pytest.mark.django_db
def test_an_orphaned_job_that_was_asked_to_cancel_ends_cancelled(running_job, admin_client):
    response = admin_client.post(url(running_job.project, f"{running_job.pk}/cancel/"))
    assert (response.status_code, response.json()["status"]) == (200, "running")
    assert import_jobs_fail_orphaned() == 1
    running_job.refresh_from_db()
    assert running_job.status == "cancelled"


@pytest.mark.django_db
def test_a_job_claimed_less_than_a_minute_ago_is_not_judged(running_job):
    just_after = running_job.started_at + timedelta(seconds=30)
    assert import_jobs_fail_orphaned(now=just_after) == 0
    running_job.refresh_from_db()
    assert running_job.status == "running"


@pytest.mark.django_db
def test_a_running_job_whose_worker_holds_its_lock_is_left_running(running_job, media):
    worker = connection.copy()  # the worker's session, its import transaction open
    try:
        with worker.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [IMPORT_JOB_LOCK, running_job.pk]
            )
            assert import_jobs_fail_orphaned() == 0
            cursor.execute("ROLLBACK")
    finally:
        worker.close()
    running_job.refresh_from_db()
    assert running_job.status == "running"
    assert len(uploads(media)) == 1


# --- a job followed while it runs (its own transactions, so a second session sees them) ---


def many_items(n: int, changed_at: int, changed_id: str) -> bytes:
    records = [ImportRecordFactory(completions=[{"text": "a"}, {"text": "b"}]) for _ in range(n)]
    records[changed_at] = ImportRecordFactory(id=changed_id)
    return jsonl(records)


def wait_for(read, done, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = read()
        if done(value):
            return value
        time.sleep(0.05)
    raise AssertionError(f"still {value!r} after {seconds} s")


@pytest.mark.django_db(transaction=True)
def test_progress_shows_while_the_job_runs_and_a_cancel_then_rolls_it_back(
    admin_client, project, media
):
    # A stored item whose completions the file changes, row-locked by another session: the
    # import stops there, after its first two batches of 2,000, until the lock is let go.
    items_import(
        project=project,
        file=io.BytesIO(jsonl([ImportRecordFactory(id="held")])),
        file_name="a.jsonl",
    )
    holder = connection.copy()
    holder.set_autocommit(False)
    with holder.cursor() as cursor:
        cursor.execute("SELECT 1 FROM annotation_prompt WHERE external_id = 'held' FOR UPDATE")
    job_id = post(admin_client, project, many_items(5000, 4500, "held")).json()["id"]

    def work() -> None:
        try:
            import_job_execute(job_id=job_id)
        finally:
            connection.close()  # this thread's own

    worker = threading.Thread(target=work)
    worker.start()
    try:

        def progress():
            return admin_client.get(url(project, f"{job_id}/")).json()

        mid = wait_for(progress, lambda job: job["rows_read"] >= 4000)
        assert (mid["status"], mid["rows_read"], mid["rows_stored"]) == ("running", 4000, 2000)
        assert Prompt.objects.count() == 1  # the batches written so far are not committed
        cancel = admin_client.post(url(project, f"{job_id}/cancel/"))
        assert (cancel.status_code, cancel.json()["cancel_requested"]) == (200, True)
    finally:
        holder.rollback()
        holder.close()
        worker.join(timeout=120)
    job = ImportJob.objects.get(pk=job_id)
    assert (job.status, job.rows_stored, job.error) == (
        "cancelled", 0, "Cancelled; nothing was stored.",
    )  # fmt: skip
    assert list(Prompt.objects.values_list("external_id", flat=True)) == ["held"]
    assert uploads(media) == []
