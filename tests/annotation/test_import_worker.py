"""Import jobs on a real Celery worker process: one imports a file; one killed mid-import
leaves nothing stored, and beat's sweep fails its job."""

import io
import json
import signal
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from annotation.models import ImportJob, Prompt
from annotation.services.import_jobs import WORKER_LOST, import_jobs_fail_orphaned
from annotation.services.imports import items_import
from projects.models import Role
from tests.factories import ImportRecordFactory
from tests.workers import TrainingWorkers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]


@pytest.fixture
def worker(tmp_path, settings):
    """``worker()`` starts a default-queue worker on the test database and its media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RANKWISE_IMPORT_SYNC_BYTES = 100
    workers = TrainingWorkers(tmp_path, queue="default")
    yield workers.start
    workers.stop_all()


@pytest.fixture
def admin_client(client_for, member):
    return client_for(member(Role.ADMIN))


def jsonl(records: list) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def upload(client, project, content: bytes) -> int:
    url = f"/api/v1/projects/{project.id}/imports/"
    response = client.post(url, {"file": SimpleUploadedFile("items.jsonl", content)})
    assert response.status_code == 202, response.json()
    return response.json()["id"]


def wait_for(job_id: int, done, seconds: float = 120) -> ImportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = ImportJob.objects.get(pk=job_id)
        if done(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} stuck: {job.status}, {job.rows_read} read, {job.error}")


def test_a_worker_process_imports_a_queued_file(admin_client, project, worker, tmp_path):
    worker()
    job_id = upload(admin_client, project, jsonl([ImportRecordFactory() for _ in range(50)]))
    job = wait_for(job_id, lambda j: j.status not in ("queued", "running"))
    assert (job.status, job.rows_stored, job.report["created"]) == ("succeeded", 50, 50)
    assert Prompt.objects.filter(project=project).count() == 50
    assert not any((tmp_path / "media" / "imports").iterdir())


def test_a_worker_killed_mid_import_stores_nothing_and_its_job_is_failed(
    admin_client, project, worker, tmp_path
):
    # The file changes the completions of a stored item that another session holds
    # locked, so the worker stops there, mid-import, for as long as the test wants.
    short = [{"text": "a"}, {"text": "b"}]
    items_import(
        project=project,
        file=io.BytesIO(jsonl([ImportRecordFactory(id="held")])),
        file_name="first.jsonl",
    )
    records = [ImportRecordFactory(completions=short) for _ in range(5000)]
    records[4500] = ImportRecordFactory(id="held", completions=short)
    holder = connection.copy()
    holder.set_autocommit(False)
    with holder.cursor() as cursor:
        cursor.execute("SELECT 1 FROM annotation_prompt WHERE external_id = 'held' FOR UPDATE")
    try:
        process = worker()
        job_id = upload(admin_client, project, jsonl(records))
        job = wait_for(job_id, lambda j: j.rows_read >= 4000)
        assert (job.status, job.rows_stored) == ("running", 2000)
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        holder.rollback()
        holder.close()

    # PostgreSQL rolls the dead worker's transaction back (and frees the job's lock) once
    # its session notices the client is gone; the sweep fails the job from then on.
    later = job.started_at + timedelta(minutes=2)
    deadline = time.monotonic() + 60
    while not import_jobs_fail_orphaned(now=later):
        assert time.monotonic() < deadline, "the dead worker's lock was never released"
        time.sleep(0.2)
    job.refresh_from_db()
    assert (job.status, job.error, job.rows_stored) == ("failed", WORKER_LOST, 0)
    assert list(Prompt.objects.values_list("external_id", flat=True)) == ["held"]
    assert not any((tmp_path / "media" / "imports").iterdir())
    # The project's import lock went with the transaction: the next import goes through.
    report = items_import(
        project=project, file=io.BytesIO(jsonl(records[:10])), file_name="x.jsonl"
    )
    assert report.created == 10
