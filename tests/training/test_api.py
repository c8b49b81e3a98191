"""The training API: runs, models, scoring and disputes, for researchers and admins."""

import pytest

from projects.models import Role
from training.api.views import ConfigInput
from training.models import ModelVersion, TrainingRun
from training.services import execute, runs

pytestmark = pytest.mark.django_db


@pytest.fixture
def researcher(project, member, client_for):
    return client_for(member(Role.RESEARCHER))


def _start(client, project, **body):
    return client.post(f"/api/v1/projects/{project.id}/training-runs/", body, format="json")


@pytest.fixture
def trained(
    project,
    version,
    researcher,
    tiny_config,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=False):
        response = _start(researcher, project, config={"epochs": 1})
    assert response.status_code == 201, response.json()
    TrainingRun.objects.filter(pk=response.json()["id"]).update(
        config=TrainingRun.objects.get(pk=response.json()["id"]).config | tiny_config
    )
    execute.training_run_execute(run_id=response.json()["id"])
    return response.json()["id"]


def test_a_researcher_starts_a_run_on_the_latest_version(
    project, version, researcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _start(researcher, project, config={"mode": "head", "epochs": 3})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "queued"
    assert body["dataset_version"] == version.number
    assert body["config"]["mode"] == "head"
    assert body["config"]["epochs"] == 3
    assert len(callbacks) == 1  # the task is sent once the row is committed


def test_a_bad_setting_is_a_400_naming_the_field(project, version, researcher):
    response = _start(researcher, project, config={"mode": "sideways"})
    assert response.status_code == 400
    assert "config.mode" in response.json()["error"]["fields"]
    assert not TrainingRun.objects.exists()


def test_a_misspelt_setting_is_a_400_not_a_silent_default(project, version, researcher):
    response = _start(researcher, project, config={"learning_rat": 0.1})
    assert response.status_code == 400
    assert "Unknown setting" in str(response.json()["error"]["fields"]["config.learning_rat"])
    assert not TrainingRun.objects.exists()


def test_the_api_accepts_every_setting_the_run_service_does(
    project, version, researcher, django_capture_on_commit_callbacks
):
    assert set(ConfigInput().fields) == runs.USER_KEYS
    with django_capture_on_commit_callbacks(execute=False):
        response = _start(researcher, project, config={"ema_decay": 0.95, "dropout": None})
    assert response.status_code == 201, response.json()
    assert response.json()["config"]["ema_decay"] == 0.95
    assert response.json()["config"]["dropout"] is None


def test_an_unknown_dataset_version_is_a_400(project, version, researcher):
    response = _start(researcher, project, dataset_version=99)
    assert response.status_code == 400
    assert "dataset_version" in response.json()["error"]["fields"]


def test_annotators_cannot_see_training(project, member, client_for):
    client = client_for(member(Role.ANNOTATOR))
    assert client.get(f"/api/v1/projects/{project.id}/training-runs/").status_code == 403


def test_a_finished_run_shows_its_series_logs_and_model(project, researcher, trained):
    run = researcher.get(f"/api/v1/projects/{project.id}/training-runs/{trained}/").json()
    assert run["status"] == "succeeded"
    assert len(run["series"]["train"]) == run["total_steps"]
    assert run["series"]["eval"]
    assert run["model_version"] is not None
    logs = researcher.get(f"/api/v1/projects/{project.id}/training-runs/{trained}/logs/").json()
    assert logs["lines"]
    last = logs["lines"][-1]["seq"]
    more = researcher.get(
        f"/api/v1/projects/{project.id}/training-runs/{trained}/logs/?after={last}"
    ).json()
    assert more["lines"] == []


def test_the_playground_scores_and_ranks_candidates(project, researcher, trained):
    model = ModelVersion.objects.get()
    response = researcher.post(
        f"/api/v1/projects/{project.id}/score/",
        {
            "prompt": "What is 3 plus 3?",
            "completions": ["It is 6.", "No idea.", "Six."],
            "model": model.pk,
        },
        format="json",
    )
    assert response.status_code == 200
    scores = response.json()["scores"]
    assert sorted(s["rank"] for s in scores) == [1, 2, 3]
    assert response.json()["model"] == ModelVersion.objects.get().pk


def test_scoring_names_a_model_or_uses_the_active_one(project, researcher, trained):
    url = f"/api/v1/projects/{project.id}/score/"
    body = {"prompt": "2 + 2?", "completions": ["4", "5"]}
    assert researcher.post(url, body, format="json").status_code == 400  # none active yet
    model = ModelVersion.objects.get()
    researcher.post(f"/api/v1/projects/{project.id}/models/{model.pk}/promote/")
    assert researcher.post(url, body, format="json").json()["model"] == model.pk


def test_scoring_without_a_model_is_a_400(project, researcher):
    response = researcher.post(
        f"/api/v1/projects/{project.id}/score/",
        {"prompt": "x", "completions": ["a"]},
        format="json",
    )
    assert response.status_code == 400


def test_a_model_downloads_as_a_folder_transformers_loads(project, researcher, trained, tmp_path):
    import io
    import zipfile

    from transformers import AutoModelForSequenceClassification

    model = ModelVersion.objects.get()
    response = researcher.get(f"/api/v1/projects/{project.id}/models/{model.pk}/download/")
    assert response.status_code == 200
    zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).extractall(tmp_path / "dl")
    (folder,) = (tmp_path / "dl").iterdir()
    assert AutoModelForSequenceClassification.from_pretrained(folder).config.num_labels == 1


def test_promoting_a_model_deactivates_the_previous_one(
    project, researcher, trained, tiny_config, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        second = _start(researcher, project, config={"epochs": 1}).json()["id"]
    TrainingRun.objects.filter(pk=second).update(
        config=TrainingRun.objects.get(pk=second).config | tiny_config
    )
    execute.training_run_execute(run_id=second)
    first = ModelVersion.objects.get(training_run_id=trained)
    researcher.post(f"/api/v1/projects/{project.id}/models/{first.pk}/promote/")
    newer = ModelVersion.objects.get(training_run_id=second)
    assert not newer.is_active
    response = researcher.post(f"/api/v1/projects/{project.id}/models/{newer.pk}/promote/")
    assert response.status_code == 200
    assert list(ModelVersion.objects.filter(is_active=True).values_list("pk", flat=True)) == [
        newer.pk
    ]
