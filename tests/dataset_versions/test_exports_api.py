import json

import pytest

from config.celery import app as celery_app
from dataset_versions.models import ExportJob
from projects.models import Role
from tests.dataset_versions.test_exports import version_with_pairs
from tests.factories import ExportJobFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def version(project):
    return version_with_pairs(project)


def _create_url(project, number=1):
    return f"/api/v1/projects/{project.pk}/datasets/{number}/exports/"


def _queue(client, project, django_capture_on_commit_callbacks, **body):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(_create_url(project), {"format": "trl_jsonl", **body}, format="json")


def test_a_researcher_queues_an_export_and_gets_202_with_the_job(
    project, version, member, client_for
):
    client = client_for(member(Role.RESEARCHER))
    response = client.post(_create_url(project), {"format": "parquet"}, format="json")
    assert response.status_code == 202
    assert response.data["status"] == "queued"
    assert response.data["download_url"] is None
    assert ExportJob.objects.get().format == "parquet"


def test_the_job_runs_after_commit_and_reports_progress_and_a_download_url(
    project, version, member, client_for, django_capture_on_commit_callbacks
):
    client = client_for(member(Role.ADMIN))
    job_id = _queue(client, project, django_capture_on_commit_callbacks).data["id"]
    detail = client.get(f"/api/v1/projects/{project.pk}/exports/{job_id}/")
    assert (detail.data["status"], detail.data["rows_done"], detail.data["rows_total"]) == (
        "succeeded", 4, 4,
    )  # fmt: skip
    assert detail.data["download_url"].endswith(
        f"/api/v1/projects/{project.pk}/exports/{job_id}/download/"
    )


def test_the_download_streams_the_file_with_its_name(
    project, version, member, client_for, django_capture_on_commit_callbacks
):
    client = client_for(member(Role.RESEARCHER))
    job_id = _queue(client, project, django_capture_on_commit_callbacks, split="train").data["id"]
    response = client.get(f"/api/v1/projects/{project.pk}/exports/{job_id}/download/")
    assert response.status_code == 200
    assert f'filename="{project.slug}-v1-trl_jsonl-train.jsonl"' in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [json.loads(line)["split"] for line in lines] == ["train", "train"]


def test_a_download_of_an_unfinished_job_is_404(project, version, member, client_for):
    client = client_for(member(Role.RESEARCHER))
    job = ExportJobFactory(version=version, queued=True)
    assert (
        client.get(f"/api/v1/projects/{project.pk}/exports/{job.pk}/download/").status_code == 404
    )


def test_an_unknown_format_is_a_400_on_the_format_field(project, version, member, client_for):
    client = client_for(member(Role.RESEARCHER))
    response = client.post(_create_url(project), {"format": "csv"}, format="json")
    assert response.status_code == 400
    assert "format" in response.data["error"]["fields"]


def test_a_version_that_is_not_ready_is_a_409(project, version, member, client_for):
    version.status = "building"
    version.save()
    client = client_for(member(Role.RESEARCHER))
    response = client.post(_create_url(project), {"format": "trl_jsonl"}, format="json")
    assert response.status_code == 409
    assert response.data["error"]["code"] == "version_not_ready"


def test_an_unknown_version_is_404(project, version, member, client_for):
    client = client_for(member(Role.RESEARCHER))
    response = client.post(_create_url(project, number=7), {"format": "trl_jsonl"}, format="json")
    assert response.status_code == 404


def test_annotators_may_not_export(project, version, member, client_for):
    client = client_for(member(Role.ANNOTATOR))
    assert (
        client.post(_create_url(project), {"format": "trl_jsonl"}, format="json").status_code == 403
    )


def test_annotators_may_not_see_or_download_a_job(project, version, member, client_for):
    job = ExportJobFactory(version=version, queued=True)
    client = client_for(member(Role.ANNOTATOR))
    assert client.get(f"/api/v1/projects/{project.pk}/exports/{job.pk}/").status_code == 403
    assert (
        client.get(f"/api/v1/projects/{project.pk}/exports/{job.pk}/download/").status_code == 403
    )


def test_outsiders_get_404(project, version, client_for):
    job = ExportJobFactory(version=version, queued=True)
    client = client_for(UserFactory())
    assert (
        client.post(_create_url(project), {"format": "trl_jsonl"}, format="json").status_code == 404
    )
    assert client.get(f"/api/v1/projects/{project.pk}/exports/{job.pk}/").status_code == 404


def test_a_job_of_another_project_is_404(project, version, member, client_for):
    other = version_with_pairs(ProjectFactory())
    job = ExportJobFactory(version=other, queued=True)
    client = client_for(member(Role.ADMIN))
    assert client.get(f"/api/v1/projects/{project.pk}/exports/{job.pk}/").status_code == 404
