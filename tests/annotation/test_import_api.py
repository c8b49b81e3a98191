"""POST /api/v1/projects/<id>/imports/: uploads, permissions and the error body."""

import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation.models import Completion, Prompt, Ranking
from projects.models import Role
from tests.factories import ImportRecordFactory, PairRecordFactory, UserFactory
from tests.shared_data import ALPACA_K4 as ALPACA

pytestmark = pytest.mark.django_db


def url(project) -> str:
    return f"/api/v1/projects/{project.id}/imports/"


def jsonl(records: list) -> bytes:
    return b"".join(
        (r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records
    )


def upload(client, project, content: bytes, name: str = "items.jsonl", **fields):
    return client.post(url(project), {"file": SimpleUploadedFile(name, content), **fields})


@pytest.fixture
def admin_client(client_for, member):
    return client_for(member(Role.ADMIN))


def test_an_admin_imports_the_alpaca_eval_items(admin_client, project):
    with ALPACA.open("rb") as stream:
        response = admin_client.post(url(project), {"file": stream})
    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["updated"], body["skipped"], body["errors"]) == (805, 0, 0, [])
    assert (body["format"], body["kind"]) == ("jsonl", "items")
    assert Prompt.objects.filter(project=project).count() == 805
    assert Completion.objects.filter(prompt__project=project).count() == 805 * 4
    first = Prompt.objects.get(project=project, external_id="alpaca_eval-000")
    assert first.metadata == {"source": "helpful_base"}
    assert first.completions.get(position=0).model_name == "gpt4_1106_preview"


def test_the_report_lists_every_count(admin_client, project):
    body = upload(admin_client, project, jsonl([ImportRecordFactory()])).json()
    assert set(body) == {
        "format", "kind", "source", "created", "updated", "unchanged", "skipped", "errors",
        "rankings_created", "elapsed_seconds",
    }  # fmt: skip


def test_uploading_the_same_file_again_is_idempotent(admin_client, project):
    content = jsonl([ImportRecordFactory() for _ in range(3)])
    upload(admin_client, project, content)
    body = upload(admin_client, project, content).json()
    assert (body["created"], body["unchanged"]) == (0, 3)
    assert Prompt.objects.count() == 3


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.RESEARCHER])
def test_only_project_admins_may_import(client_for, project, member, role):
    response = upload(client_for(member(role)), project, jsonl([ImportRecordFactory()]))
    assert response.status_code == 403
    assert not Prompt.objects.exists()


def test_a_non_member_is_told_the_project_does_not_exist(client_for, project):
    response = upload(client_for(UserFactory()), project, jsonl([ImportRecordFactory()]))
    assert response.status_code == 404


def test_an_anonymous_upload_is_refused(api_client, project):
    response = upload(api_client, project, jsonl([ImportRecordFactory()]))
    assert response.status_code in (401, 403)


def test_a_superuser_may_import_anywhere(client_for, project):
    response = upload(
        client_for(UserFactory(is_superuser=True)), project, jsonl([ImportRecordFactory()])
    )
    assert response.status_code == 201


def test_an_invalid_record_is_a_400_naming_its_line_and_nothing_is_stored(admin_client, project):
    records = [
        ImportRecordFactory(),
        ImportRecordFactory(),
        {"id": "x", "prompt": "Hi?", "completions": [{"text": "a"}]},
    ]
    response = upload(admin_client, project, jsonl(records))
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "status": 400,
            "code": "invalid",
            "message": "line 3 (id x): completions: Give at least 2 completions.",
            "fields": {"file": ["line 3 (id x): completions: Give at least 2 completions."]},
        }
    }
    assert not Prompt.objects.exists()


def test_the_400_lists_the_first_hundred_errors_and_the_total(admin_client, project):
    response = upload(admin_client, project, jsonl([{"id": f"bad-{n}"} for n in range(130)]))
    listed = response.json()["error"]["fields"]["file"]
    assert len(listed) == 101
    assert listed[0].startswith("line 1 (id bad-0): ")
    assert listed[-1] == "130 problems in all; the first 100 are listed."


def test_skip_invalid_imports_the_rest_and_reports_what_was_skipped(admin_client, project):
    records = [
        ImportRecordFactory(),
        {"id": "x", "prompt": "Hi?", "completions": [{"text": "a"}]},
        ImportRecordFactory(),
    ]
    response = upload(admin_client, project, jsonl(records), skip_invalid="true")
    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["skipped"]) == (2, 1)
    assert body["errors"] == ["line 2 (id x): completions: Give at least 2 completions."]


def test_an_unknown_file_type_is_a_400(admin_client, project):
    response = upload(admin_client, project, jsonl([ImportRecordFactory()]), "items.txt")
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Unknown file type 'items.txt'")


def test_an_empty_file_is_a_400(admin_client, project):
    response = upload(admin_client, project, b"")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"file": ["The submitted file is empty."]}


def test_a_file_with_no_records_is_a_400(admin_client, project):
    response = upload(admin_client, project, gzip.compress(b"\n\n"), "items.jsonl.gz")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "The file holds no records."


def test_a_request_without_a_file_is_a_400(admin_client, project):
    response = admin_client.post(url(project), {"skip_invalid": "true"})
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]


def test_a_file_over_the_size_limit_is_a_400(admin_client, project, settings):
    content = jsonl([ImportRecordFactory() for _ in range(5)])
    settings.RANKWISE_MAX_IMPORT_BYTES = len(content) - 1
    response = upload(admin_client, project, content)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        f"file: The file is {len(content):,} bytes; "
        f"imports are limited to {len(content) - 1:,} bytes."
    )
    assert not Prompt.objects.exists()


def test_an_upload_far_over_the_limit_is_refused_before_it_is_read(admin_client, project, settings):
    settings.RANKWISE_MAX_IMPORT_BYTES = 1000
    response = upload(admin_client, project, b"x" * 200_000)
    assert response.status_code == 400
    assert "imports are limited to 1,000 bytes" in response.json()["error"]["message"]


def test_a_pairs_upload_records_the_preferences_under_the_given_source(admin_client, project):
    response = upload(admin_client, project, jsonl([PairRecordFactory()]), "p.jsonl", source="hh")
    assert response.json()["rankings_created"] == 1
    assert Ranking.objects.get().import_source == "hh"


def test_a_blank_source_in_the_form_means_the_file_name(admin_client, project):
    response = upload(admin_client, project, jsonl([PairRecordFactory()]), "p.jsonl", source="")
    assert response.status_code == 201
    assert Ranking.objects.get().import_source == "p"


def test_a_source_longer_than_a_ranking_can_hold_is_a_400(admin_client, project):
    content = jsonl([PairRecordFactory()])
    response = upload(admin_client, project, content, "p.jsonl", source="s" * 201)
    assert response.status_code == 400
    assert "source" in response.json()["error"]["fields"]


def test_a_large_upload_spooled_to_disk_imports(admin_client, project, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    content = gzip.compress(jsonl([ImportRecordFactory() for _ in range(20)]))
    response = upload(admin_client, project, content, "items.jsonl.gz")
    assert response.status_code == 201
    assert response.json()["created"] == 20


def test_a_parquet_upload_imports(admin_client, project):
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist([ImportRecordFactory() for _ in range(3)]), out)
    response = upload(admin_client, project, out.getvalue(), "items.parquet")
    assert response.status_code == 201
    assert response.json()["format"] == "parquet"
    assert Prompt.objects.count() == 3


def test_a_csv_upload_imports(admin_client, project):
    content = b"id,prompt,completion_1,completion_2\na,Hi?,Hello,Hey\n"
    response = upload(admin_client, project, content, "items.csv")
    assert response.status_code == 201
    assert Completion.objects.filter(prompt__external_id="a").count() == 2
