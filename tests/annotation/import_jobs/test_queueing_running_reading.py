"""Import jobs: large API uploads queued, imported by a worker, listed and read."""

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.utils import timezone

from annotation.models import Completion, ImportJob, Prompt, Ranking
from annotation.services.import_jobs import (
    import_job_execute,
)
from annotation.tasks import import_job_run
from projects.models import Role
from tests.annotation.import_jobs.helpers import SYNC_BYTES, job_of, jsonl, post, uploads, url
from tests.factories import ImportRecordFactory, PairRecordFactory, ProjectFactory, UserFactory

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
