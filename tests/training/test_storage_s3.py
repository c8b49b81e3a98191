"""Artifacts in an S3-compatible bucket (RANKWISE_STORAGE=s3), against a real S3 endpoint on
localhost: moto's server speaks the S3 HTTP API, so boto3 and django-storages run unchanged."""

import io
import zipfile

import boto3
import pytest
from django.core.files.storage import default_storage
from moto.server import ThreadedMotoServer
from storages.backends.s3 import S3Storage

from config.storage import default_storage_from_env
from dataset_versions.models import ExportJob
from dataset_versions.services.exports import export_run
from projects.models import Role
from tests.factories import ExportJobFactory
from training.models import ModelVersion, TrainingRun
from training.services import execute, registry
from training.services.runs import training_run_create

pytestmark = pytest.mark.django_db

BUCKET = "rankwise-artifacts"
PREFIX = "team-a/rankwise"
CREDENTIALS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint):
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def s3(bucket, s3_endpoint, settings, monkeypatch, tmp_path):
    """STORAGES["default"] as the settings build it from the environment, for the bucket."""
    for name, value in {
        "RANKWISE_STORAGE": "s3",
        "RANKWISE_S3_BUCKET": BUCKET,
        "RANKWISE_S3_ENDPOINT_URL": s3_endpoint,
        "RANKWISE_S3_REGION": "us-east-1",
        "RANKWISE_S3_PREFIX": PREFIX,
        "RANKWISE_S3_ADDRESSING_STYLE": "path",
        "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
    }.items():
        monkeypatch.setenv(name, value)
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    # pytest-django's settings fixture sends setting_changed: default_storage is rebuilt.
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_from_env()}
    assert isinstance(default_storage, S3Storage)
    return bucket


def _keys(client):
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


@pytest.fixture
def researcher(project, member, client_for):
    return client_for(member(Role.RESEARCHER))


@pytest.fixture
def model(s3, project, version, tiny_config, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = training_run_create(project=project, config=tiny_config)
    assert execute.training_run_execute(run_id=run.pk) == TrainingRun.Status.SUCCEEDED
    return ModelVersion.objects.get(training_run=run)


def test_a_registered_model_lands_in_the_bucket_under_the_prefix(s3, model, settings):
    assert "model.safetensors" in model.files
    assert _keys(s3) == {f"{PREFIX}/{model.artifact}/{name}" for name in model.files}
    assert not settings.MEDIA_ROOT.exists()  # nothing went around the storage to local disk


def test_a_model_in_the_bucket_scores_through_the_api(s3, model, project, researcher, settings):
    response = researcher.post(
        f"/api/v1/projects/{project.id}/score/",
        {"prompt": "What is 3 plus 3?", "completions": ["6.", "No idea."], "model": model.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert sorted(s["rank"] for s in response.json()["scores"]) == [1, 2]
    cached = registry.model_local_dir(model)
    assert cached.is_relative_to(settings.DATA_DIR / "model-cache")
    assert {p.name for p in cached.iterdir()} >= set(model.files)


def test_a_model_in_the_bucket_downloads_as_a_zip_of_its_folder(s3, model, project, researcher):
    response = researcher.get(f"/api/v1/projects/{project.id}/models/{model.pk}/download/")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    folder = f"{project.slug}-model-{model.number}"
    assert sorted(archive.namelist()) == sorted(f"{folder}/{name}" for name in model.files)
    stored = s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{model.artifact}/config.json")
    assert archive.read(f"{folder}/config.json") == stored["Body"].read()


def test_a_run_trains_from_a_model_version_in_the_bucket_through_the_cache(
    s3, model, project, tiny_config, settings, django_capture_on_commit_callbacks
):
    settings.TRAINING_HEARTBEAT_SECONDS = 3600  # its thread cannot see this test's rows
    config = tiny_config | {"backbone": f"model:{model.number}"}
    with django_capture_on_commit_callbacks(execute=False):
        run = training_run_create(project=project, config=config)
    assert execute.training_run_execute(run_id=run.pk) == TrainingRun.Status.SUCCEEDED
    assert (settings.DATA_DIR / "model-cache" / model.artifact / "model.safetensors").is_file()
    assert ModelVersion.objects.get(training_run=run).number == model.number + 1


def test_a_stale_cached_copy_under_a_reused_prefix_is_fetched_anew(s3, model):
    cached = registry.model_local_dir(model)
    (cached / "config.json").write_text("{}")
    (cached / registry._CACHE_STAMP).write_text("another model that had this prefix")
    again = registry.model_local_dir(model)
    assert again == cached
    assert (again / "config.json").read_text() != "{}"


def test_a_dataset_export_in_the_bucket_downloads_through_the_api(s3, project, version, researcher):
    job = ExportJobFactory(version=version, queued=True)
    job = export_run(job=job, split="train")  # one split: one JSONL file, not a zip
    assert job.status == ExportJob.Status.SUCCEEDED, job.error
    assert f"{PREFIX}/{job.file.name}" in _keys(s3)
    response = researcher.get(f"/api/v1/projects/{project.id}/exports/{job.pk}/download/")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == job.rows_done > 0
