"""Import jobs: large API uploads imported by a worker, followed, listed and cancelled."""

import io
import json
import threading
import time
from datetime import timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from annotation.models import Completion, ImportJob, Prompt, Ranking
from annotation.services.import_jobs import (
    IMPORT_JOB_LOCK,
    WORKER_LOST,
    import_job_execute,
    import_jobs_fail_orphaned,
)
from annotation.services.imports import items_import
from annotation.tasks import import_job_run
from config.celery import app as celery_app
from projects.models import Role
from tests.factories import ImportRecordFactory, PairRecordFactory, ProjectFactory, UserFactory

SYNC_BYTES = 100


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploads land in a folder of the test's own; files over 100 bytes become jobs."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RANKWISE_IMPORT_SYNC_BYTES = SYNC_BYTES
    return settings.MEDIA_ROOT


@pytest.fixture
def eager():
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def admin(member):
    return member(Role.ADMIN)


@pytest.fixture
def admin_client(client_for, admin):
    return client_for(admin)


def url(project, tail: str = "") -> str:
    return f"/api/v1/projects/{project.id}/imports/{tail}"


def jsonl(records: list) -> bytes:
    return b"".join(
        (r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records
    )


def post(client, project, content: bytes, name: str = "items.jsonl", **fields):
    return client.post(url(project), {"file": SimpleUploadedFile(name, content), **fields})


@pytest.fixture
def queue(admin_client, project, django_capture_on_commit_callbacks):
    """``queue(content)`` uploads as the admin; the job runs as its commit queues it."""

    def upload(content: bytes, name: str = "items.jsonl", **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return post(admin_client, project, content, name, **fields)

    return upload


def uploads(media) -> list[str]:
    folder = media / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def job_of(client, project, response) -> dict:
    assert response.status_code == 202, response.json()
    return client.get(url(project, f"{response.json()['id']}/")).json()


# --- queueing ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_upload_over_the_sync_size_answers_202_with_a_queued_job_and_keeps_the_file(
    admin_client, project, media, django_capture_on_commit_callbacks
):
    content = jsonl([ImportRecordFactory() for _ in range(3)])
    with django_capture_on_commit_callbacks() as queued:
        response = post(admin_client, project, content, "Items.JSONL.gz".lower())
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["file_name"], body["file_size"]) == (
        "queued", "items.jsonl.gz", len(content),
    )  # fmt: skip
    assert (body["rows_read"], body["rows_stored"], body["rows_rejected"]) == (0, 0, 0)
    assert (body["report"], body["errors"], body["error"]) == (None, [], "")
    assert len(queued) == 1
    [stored] = uploads(media)
    assert stored.endswith(".jsonl.gz")
    assert (media / "imports" / stored).read_bytes() == content
    assert not Prompt.objects.exists()


@pytest.mark.django_db
def test_an_upload_of_exactly_the_sync_size_still_imports_in_the_request(
    admin_client, project, media
):
    record = {"id": "a", "prompt": "Hi?", "completions": [{"text": "a"}, {"text": "b"}]}
    line = json.dumps(record).encode()
    content = line[:-1] + b" " * (SYNC_BYTES - len(line) - 1) + b"}\n"
    assert len(content) == SYNC_BYTES
    response = post(admin_client, project, content)
    assert response.status_code == 201
    assert response.json()["created"] == 1
    assert not ImportJob.objects.exists()
    assert uploads(media) == []


@pytest.mark.django_db
def test_an_unknown_file_type_is_refused_at_once_without_a_job(admin_client, project, media):
    response = post(
        admin_client, project, jsonl([ImportRecordFactory() for _ in range(3)]), "items.txt"
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Unknown file type 'items.txt'")
    assert not ImportJob.objects.exists()
    assert uploads(media) == []


@pytest.mark.django_db
def test_a_blank_source_is_refused_at_once_without_a_job(admin_client, project, media):
    response = post(
        admin_client, project, jsonl([PairRecordFactory() for _ in range(3)]), source="   "
    )
    assert response.status_code == 400
    assert "source" in response.json()["error"]["message"]
    assert not ImportJob.objects.exists()
    assert uploads(media) == []


# --- running ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_queued_job_imports_the_file_reports_it_and_deletes_the_upload(
    admin_client, project, queue, eager, media
):
    job = job_of(admin_client, project, queue(jsonl([ImportRecordFactory() for _ in range(3)])))
    assert job["status"] == "succeeded"
    assert (job["rows_read"], job["rows_stored"], job["rows_rejected"]) == (3, 3, 0)
    assert job["report"]["created"] == 3
    assert (job["report"]["format"], job["report"]["kind"]) == ("jsonl", "items")
    assert job["started_at"] is not None
    assert job["finished_at"] is not None
    assert Prompt.objects.filter(project=project).count() == 3
    assert Completion.objects.count() == 12
    assert uploads(media) == []


@pytest.mark.django_db
def test_a_job_with_an_invalid_record_stores_nothing_and_names_its_line(
    admin_client, project, queue, eager, media
):
    records = [
        ImportRecordFactory(),
        ImportRecordFactory(),
        {"id": "x", "prompt": "Hi?", "completions": [{"text": "a"}]},
    ]
    job = job_of(admin_client, project, queue(jsonl(records)))
    assert job["status"] == "failed"
    assert job["errors"] == ["line 3 (id x): completions: Give at least 2 completions."]
    assert (job["error"], job["error_total"]) == (job["errors"][0], 1)
    assert (job["rows_read"], job["rows_stored"], job["rows_rejected"]) == (3, 0, 1)
    assert job["report"] is None
    assert not Prompt.objects.exists()
    assert uploads(media) == []


@pytest.mark.django_db
def test_a_job_with_many_invalid_records_lists_the_first_hundred_and_counts_them_all(
    admin_client, project, queue, eager
):
    job = job_of(admin_client, project, queue(jsonl([{"id": f"bad-{n}"} for n in range(130)])))
    assert (job["status"], job["error_total"], len(job["errors"])) == ("failed", 130, 100)
    assert job["error"] == "130 problems in the file; nothing was stored."


@pytest.mark.django_db
def test_a_skip_invalid_job_stores_the_valid_records_and_reports_the_others(
    admin_client, project, queue, eager
):
    records = [
        ImportRecordFactory(),
        {"id": "x", "prompt": "Hi?", "completions": [{"text": "a"}]},
        ImportRecordFactory(),
    ]
    job = job_of(admin_client, project, queue(jsonl(records), skip_invalid="true"))
    assert job["status"] == "succeeded"
    assert (job["report"]["created"], job["report"]["skipped"]) == (2, 1)
    assert job["errors"] == ["line 2 (id x): completions: Give at least 2 completions."]
    assert (job["rows_stored"], job["rows_rejected"], job["error_total"]) == (2, 1, 1)
    assert Prompt.objects.count() == 2


@pytest.mark.django_db
def test_a_pairs_job_records_its_preferences_under_the_given_source(
    admin_client, project, queue, eager
):
    job = job_of(
        admin_client, project, queue(jsonl([PairRecordFactory() for _ in range(2)]), source="hh")
    )
    assert (job["status"], job["source"], job["report"]["rankings_created"]) == (
        "succeeded", "hh", 2,
    )  # fmt: skip
    assert set(Ranking.objects.values_list("import_source", flat=True)) == {"hh"}


@pytest.mark.django_db
def test_a_parquet_job_is_read_back_from_storage(admin_client, project, queue, eager):
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist([ImportRecordFactory() for _ in range(3)]), out)
    job = job_of(admin_client, project, queue(out.getvalue(), "items.parquet"))
    assert (job["status"], job["report"]["format"]) == ("succeeded", "parquet")
    assert Prompt.objects.count() == 3


@pytest.mark.django_db
def test_a_job_whose_upload_is_gone_fails_with_the_reason(
    admin_client, project, media, django_capture_on_commit_callbacks
):
    response = post(admin_client, project, jsonl([ImportRecordFactory() for _ in range(3)]))
    for name in uploads(media):
        (media / "imports" / name).unlink()
    assert import_job_execute(job_id=response.json()["id"]) == "failed"
    job = ImportJob.objects.get()
    assert job.error.startswith("FileNotFoundError")
    assert not Prompt.objects.exists()


@pytest.mark.django_db
def test_a_task_delivered_again_leaves_a_claimed_job_alone(admin_client, project, media):
    job_id = post(admin_client, project, jsonl([ImportRecordFactory() for _ in range(3)])).json()[
        "id"
    ]
    # Another worker claimed it, then died: running, its upload still there.
    ImportJob.objects.filter(pk=job_id).update(status="running", started_at=timezone.now())
    assert import_job_run(job_id) == "skipped"
    assert ImportJob.objects.get().status == "running"
    assert not Prompt.objects.exists()


@pytest.mark.django_db
def test_a_finished_job_is_not_run_again(admin_client, project, queue, eager):
    job_id = queue(jsonl([ImportRecordFactory() for _ in range(3)])).json()["id"]
    Prompt.objects.all().delete()
    assert import_job_run(job_id) == "skipped"
    assert not Prompt.objects.exists()


# --- reading ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_projects_import_jobs_are_listed_newest_first(admin_client, project, admin):
    first = post(admin_client, project, jsonl([ImportRecordFactory() for _ in range(3)])).json()
    second = post(admin_client, project, jsonl([ImportRecordFactory() for _ in range(4)])).json()
    other = ProjectFactory()
    ImportJob.objects.create(project=other, file_name="other.jsonl")
    body = admin_client.get(url(project)).json()
    assert body["count"] == 2
    assert [job["id"] for job in body["results"]] == [second["id"], first["id"]]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.RESEARCHER])
def test_only_project_admins_see_and_cancel_import_jobs(client_for, member, project, role):
    job = ImportJob.objects.create(project=project, file_name="items.jsonl")
    client = client_for(member(role))
    assert client.get(url(project)).status_code == 403
    assert client.get(url(project, f"{job.pk}/")).status_code == 403
    assert client.post(url(project, f"{job.pk}/cancel/")).status_code == 403
    assert ImportJob.objects.get().status == "queued"


@pytest.mark.django_db
def test_a_job_of_another_project_is_not_found(admin_client, project, client_for):
    other = ImportJob.objects.create(project=ProjectFactory(), file_name="items.jsonl")
    assert admin_client.get(url(project, f"{other.pk}/")).status_code == 404
    assert admin_client.post(url(project, f"{other.pk}/cancel/")).status_code == 404
    assert client_for(UserFactory()).get(url(project)).status_code == 404


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
