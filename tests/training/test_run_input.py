"""A training run's settings are validated the same whatever the body's content type."""

import json

import pytest

from projects.models import Role
from tests.factories import DatasetVersionFactory
from training.models import TrainingRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def researcher(project, member, client_for):
    # Ready as far as starting a run is concerned (these runs never train).
    splits = {"train": {"pairs": 10, "prompts": 5}, "validation": {"pairs": 4, "prompts": 2}}
    DatasetVersionFactory(project=project, counts={"splits": splits})
    return client_for(member(Role.RESEARCHER))


def _start(client, project, body, fmt):
    return client.post(f"/api/v1/projects/{project.id}/training-runs/", body, format=fmt)


def _fields(response):
    assert response.status_code == 400, response.content
    return response.json()["error"]["fields"]


def test_a_multipart_config_with_zero_epochs_is_a_400_and_queues_nothing(project, researcher):
    response = _start(researcher, project, {"config": json.dumps({"epochs": 0})}, "multipart")
    assert set(_fields(response)) == {"config.epochs"}
    assert not TrainingRun.objects.exists()


def test_a_multipart_config_with_an_unknown_setting_is_a_400(project, researcher):
    response = _start(researcher, project, {"config": json.dumps({"epoch": 2})}, "multipart")
    assert "Unknown setting" in _fields(response)["config.epoch"][0]
    assert not TrainingRun.objects.exists()


def test_a_multipart_config_that_is_not_json_is_a_400(project, researcher):
    response = _start(researcher, project, {"config": "{epochs: 2"}, "multipart")
    assert _fields(response)["config"][0].startswith("Not valid JSON")
    assert not TrainingRun.objects.exists()


def test_a_multipart_config_nested_too_deep_is_a_400(project, researcher):
    config = '{"epochs": 2, "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = _start(researcher, project, {"config": config}, "multipart")
    assert "limit of 64 levels" in _fields(response)["config"][0]
    assert not TrainingRun.objects.exists()


def test_config_sent_as_dotted_parts_is_refused_not_dropped(project, researcher):
    response = _start(researcher, project, {"config.epochs": "0"}, "multipart")
    assert "one part holding a JSON object" in _fields(response)["config"][0]
    assert not TrainingRun.objects.exists()


@pytest.mark.parametrize(
    ("config", "fmt"),
    [
        ({"freeze_embeddings": 1}, "json"),
        ({"freeze_embeddings": "yes"}, "json"),
        ({"gradient_checkpointing": "on"}, "multipart"),
        ({"gradient_checkpointing": "true"}, "multipart"),  # a JSON string, not a boolean
    ],
)
def test_a_config_boolean_takes_only_true_or_false(project, researcher, config, fmt):
    body = {"config": json.dumps(config) if fmt == "multipart" else config}
    fields = _fields(_start(researcher, project, body, fmt))
    assert fields == {f"config.{next(iter(config))}": ["Must be true or false."]}
    assert not TrainingRun.objects.exists()


def test_a_multipart_config_with_nan_is_a_400(project, researcher):
    response = _start(researcher, project, {"config": '{"epochs": NaN}'}, "multipart")
    assert "finite" in _fields(response)["config"][0]
    assert not TrainingRun.objects.exists()


@pytest.mark.parametrize("epochs", [True, "2"])
def test_a_json_config_setting_of_the_wrong_type_is_a_400(project, researcher, epochs):
    response = _start(researcher, project, {"config": {"epochs": epochs}}, "json")
    assert set(_fields(response)) == {"config.epochs"}
    assert not TrainingRun.objects.exists()


def test_a_valid_multipart_config_trains_with_its_settings(project, researcher):
    config = {"epochs": 3, "mode": "head", "freeze_embeddings": True}
    response = _start(researcher, project, {"config": json.dumps(config)}, "multipart")
    assert response.status_code == 201, response.content
    run = TrainingRun.objects.get()
    assert (run.config["epochs"], run.config["mode"], run.config["freeze_embeddings"]) == (
        3,
        "head",
        True,
    )


def test_a_multipart_run_without_config_trains_on_the_defaults(project, researcher):
    response = _start(researcher, project, {"dataset_version": "1"}, "multipart")
    assert response.status_code == 201, response.content
    assert TrainingRun.objects.get().dataset_version.number == 1
