"""What the API answers is what its OpenAPI schema says: each 409 a service can raise, and
the media type of each download, are documented on their operation."""

import importlib
import pkgutil
import re

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

import annotation.services
import training.services
from config.errors import Conflict
from dataset_versions.models import DatasetVersion, ExportJob
from projects.models import Role
from tests.factories import (
    DatasetVersionFactory,
    ExportJobFactory,
    TrainingRunFactory,
    item_with_completions,
)
from training.models import TrainingRun

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def documented(schema, response) -> dict:
    """The schema's entry for this response: its operation's response for its status."""
    request = response.wsgi_request
    route = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", resolve(request.path_info).route)
    operation = schema["paths"][route][request.method.lower()]
    assert str(response.status_code) in operation["responses"], (route, response.status_code)
    return operation["responses"][str(response.status_code)]


def assert_documented_conflict(schema, response, code: str) -> None:
    assert response.status_code == 409
    assert response.json()["error"]["code"] == code
    content = documented(schema, response)["content"]
    assert content == {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    assert f"`{code}`" in documented(schema, response)["description"]


@pytest.mark.parametrize("endpoint", ["rankings", "skips", "flags"])
def test_an_item_not_leased_answers_a_documented_409(schema, project, member, client_for, endpoint):
    prompt = item_with_completions(project, k=2)
    first, second = prompt.completions.order_by("position")
    body = {
        "rankings": {"tiers": [[first.pk], [second.pk]]},
        "skips": {"reason": "Too long."},
        "flags": {"reason": "broken"},
    }[endpoint]
    response = client_for(member(Role.ANNOTATOR)).post(
        f"/api/v1/projects/{project.pk}/{endpoint}/",
        {"prompt_id": prompt.pk, **body},
        format="json",
    )
    assert_documented_conflict(schema, response, "not_assigned")


def test_cancelling_a_finished_run_answers_a_documented_409(schema, project, member, client_for):
    run = TrainingRunFactory(project=project, status=TrainingRun.Status.SUCCEEDED)
    response = client_for(member(Role.RESEARCHER)).post(
        f"/api/v1/projects/{project.pk}/training-runs/{run.pk}/cancel/"
    )
    assert_documented_conflict(schema, response, "run_finished")


def test_resuming_a_queued_run_answers_a_documented_409(schema, project, member, client_for):
    run = TrainingRunFactory(project=project, status=TrainingRun.Status.QUEUED)
    response = client_for(member(Role.RESEARCHER)).post(
        f"/api/v1/projects/{project.pk}/training-runs/{run.pk}/resume/"
    )
    assert_documented_conflict(schema, response, "not_resumable")


def test_exporting_a_version_still_building_answers_a_documented_409(
    schema, project, member, client_for
):
    version = DatasetVersionFactory(project=project, status=DatasetVersion.Status.BUILDING)
    response = client_for(member(Role.RESEARCHER)).post(
        f"/api/v1/projects/{project.pk}/datasets/{version.number}/exports/",
        {"format": "trl_jsonl"},
        format="json",
    )
    assert_documented_conflict(schema, response, "version_not_ready")


@pytest.mark.parametrize(
    ("export_format", "file_name", "media_type"),
    [
        (ExportJob.Format.HF_DATASET, "dataset.zip", "application/zip"),
        (ExportJob.Format.TRL_JSONL, "pairs.jsonl", "application/octet-stream"),
        (ExportJob.Format.PARQUET, "pairs.parquet", "application/octet-stream"),
    ],
)
def test_an_export_downloads_with_a_documented_media_type(
    schema, project, member, client_for, settings, tmp_path, export_format, file_name, media_type
):
    settings.MEDIA_ROOT = tmp_path
    job = ExportJobFactory(
        version=DatasetVersionFactory(project=project),
        format=export_format,
        file__filename=file_name,
    )
    response = client_for(member(Role.RESEARCHER)).get(
        f"/api/v1/projects/{project.pk}/exports/{job.pk}/download/"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == media_type
    assert documented(schema, response)["content"][media_type]["schema"] == {
        "type": "string",
        "format": "binary",
    }


def test_the_schema_gives_the_shape_of_a_rankings_tiers(schema):
    ranking = schema["components"]["schemas"]["RankingSubmitRequest"]["properties"]["tiers"]
    assert ranking["type"] == "array"
    assert ranking["minItems"] == 1
    assert ranking["items"] == {"type": "array", "minItems": 1, "items": {"type": "integer"}}


def test_the_schema_says_a_rater_filter_names_someone(schema):
    version = schema["components"]["schemas"]["DatasetVersionCreateRequest"]["properties"]
    assert version["rater_ids"]["minItems"] == 1


def test_a_member_patch_without_a_role_changes_nothing(schema, project, member, client_for):
    annotator = member(Role.ANNOTATOR)
    membership = annotator.memberships.get(project=project)
    response = client_for(member(Role.ADMIN)).patch(
        f"/api/v1/projects/{project.pk}/members/{membership.pk}/", {}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["role"] == Role.ANNOTATOR
    assert "role" not in schema["components"]["schemas"]["PatchedMemberRoleRequest"].get(
        "required", []
    )


def test_the_schema_says_a_training_config_takes_known_settings_only(schema):
    config = schema["components"]["schemas"]["TrainingConfigInputRequest"]
    assert config["additionalProperties"] is False
    assert "x-schema-keywords" not in config


def test_the_schema_says_a_preferences_patch_changes_one_known_preference_or_more(schema):
    update = schema["components"]["schemas"]["PatchedPreferencesUpdateRequest"]
    assert (update["additionalProperties"], update["minProperties"]) == (False, 1)


def test_a_body_in_a_media_type_the_operation_does_not_read_is_a_documented_415(
    schema, project, member, client_for
):
    response = client_for(member(Role.ANNOTATOR)).post(
        f"/api/v1/projects/{project.pk}/rankings/", "prompt 1: B > A", content_type="text/plain"
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert documented(schema, response)["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }


def test_the_schema_says_a_preferences_patch_needs_a_body(schema):
    operation = schema["paths"]["/api/v1/me/preferences/"]["patch"]
    assert operation["requestBody"]["required"] is True


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


def test_every_conflict_a_service_can_raise_is_documented_as_a_409(schema):
    for package in (annotation.services, training.services):
        for module in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    documented_409s = " ".join(
        operation["responses"].get("409", {}).get("description", "")
        for path in schema["paths"].values()
        for operation in path.values()
    )
    undocumented = [
        c.__name__ for c in _subclasses(Conflict) if f"`{c.code}`" not in documented_409s
    ]
    assert undocumented == []
