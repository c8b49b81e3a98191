"""Backbones by name only: the packaged default, a model version of the same project, or
the administrators' allowlist. Anything else is one 400 that says nothing about the
server's files; the worker checks again before it loads weights."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client

from projects.models import Role
from tests.factories import ModelVersionFactory, ProjectFactory, TrainingSettingsFactory
from training.models import ModelVersion, TrainingRun, TrainingSettings
from training.services import execute, runs

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def researcher(project, member, client_for):
    return client_for(member(Role.RESEARCHER))


@pytest.fixture
def backbones_dir(tmp_path, settings):
    """A models folder with two backbones, a hidden folder and a stray file."""
    folder = tmp_path / "backbones"
    for name in ("deberta-small", "roberta.base", ".cache"):
        (folder / name).mkdir(parents=True)
    (folder / "README.txt").write_text("not a model")
    settings.TRAINING_BACKBONES_DIR = folder
    return folder


def _start(client, project, backbone, **config):
    body = {"config": {"backbone": backbone, **config}}
    return client.post(f"/api/v1/projects/{project.id}/training-runs/", body, format="json")


def _backbones(client, project):
    return client.get(f"/api/v1/projects/{project.id}/backbones/")


def test_the_list_offers_the_default_the_allowlist_and_this_projects_models(
    project, researcher, tiny_backbone_allowed, backbones_dir
):
    ModelVersionFactory(project=project, number=1)
    ModelVersionFactory(project=project, number=2, is_active=True)
    ModelVersionFactory(project=ProjectFactory(), number=3)
    response = _backbones(researcher, project)
    assert response.status_code == 200
    assert response.json() == [
        {"name": "default", "label": "Default MiniLM (all-MiniLM-L6-v2)", "kind": "default"},
        {"name": "deberta-small", "label": "deberta-small", "kind": "allowlist"},
        {"name": "roberta.base", "label": "roberta.base", "kind": "allowlist"},
        {"name": "tiny", "label": "tiny", "kind": "allowlist"},
        {"name": "model:2", "label": "Model version 2 (active)", "kind": "model"},
        {"name": "model:1", "label": "Model version 1", "kind": "model"},
    ]


def test_a_backbone_copied_into_the_models_folder_is_offered_without_a_restart(
    project, researcher, backbones_dir
):
    (backbones_dir / "new-encoder").mkdir()
    names = [choice["name"] for choice in _backbones(researcher, project).json()]
    assert "new-encoder" in names


def test_annotators_cannot_list_backbones(project, member, client_for):
    assert _backbones(client_for(member(Role.ANNOTATOR)), project).status_code == 403


def test_a_run_keeps_the_allowlisted_name_and_shows_no_path(
    project, version, researcher, tiny_backbone, tiny_backbone_allowed
):
    response = _start(researcher, project, "tiny")
    assert response.status_code == 201, response.json()
    assert response.json()["config"]["backbone"] == "tiny"
    detail = researcher.get(f"/api/v1/projects/{project.id}/training-runs/{response.json()['id']}/")
    assert detail.json()["config"]["backbone"] == "tiny"
    assert tiny_backbone not in detail.content.decode()


@pytest.mark.parametrize("backbone", ["", "  ", "default"])
def test_an_empty_backbone_is_stored_as_the_default(project, version, researcher, backbone):
    response = _start(researcher, project, backbone)
    assert response.status_code == 201, response.json()
    assert response.json()["config"]["backbone"] == "default"


def test_a_model_version_of_the_project_is_a_backbone(project, version, researcher):
    ModelVersionFactory(project=project, number=4)
    response = _start(researcher, project, "model:4")
    assert response.status_code == 201, response.json()
    assert response.json()["config"]["backbone"] == "model:4"


def _refusals(tiny_backbone, media_root):
    """Values that must all get the same answer, whatever exists behind them."""
    other_model = media_root / "models" / "project-999" / "model-1"
    other_model.mkdir(parents=True, exist_ok=True)
    return [
        "/etc/passwd",
        "/etc",
        "/no/such/folder",
        str(other_model),
        tiny_backbone,  # the allowlisted folder itself, by path
        f"{tiny_backbone}/..",
        "tiny/..",
        "../tiny",
        "deberta-small/../../..",
        ".cache",
        "README.txt",
        "model:7",  # another project's model version
        "model:0",
        "model:01",
        "model:../1",
        "Model:1",
        "sentence-transformers/all-MiniLM-L6-v2",
    ]


def test_anything_else_is_the_same_400_listing_the_names_and_stores_nothing(
    project, version, researcher, tiny_backbone, tiny_backbone_allowed, backbones_dir, settings
):
    settings.MEDIA_ROOT = backbones_dir.parent / "media"
    ModelVersionFactory(project=project, number=1)
    ModelVersionFactory(project=ProjectFactory(), number=7)
    expected = {
        "status": 400,
        "code": "invalid",
        "message": "config.backbone: Not an available backbone. Choose one of: default, "
        "deberta-small, roberta.base, tiny, model:1.",
        "fields": {
            "config.backbone": [
                "Not an available backbone. Choose one of: default, deberta-small, "
                "roberta.base, tiny, model:1."
            ]
        },
    }
    runs_before = TrainingRun.objects.count()  # the models' own
    for backbone in _refusals(tiny_backbone, settings.MEDIA_ROOT):
        response = _start(researcher, project, backbone)
        assert (response.status_code, response.json()["error"]) == (400, expected), backbone
    assert TrainingRun.objects.count() == runs_before


def test_the_services_refuse_a_path_too(project, version, tiny_backbone, tiny_backbone_allowed):
    with pytest.raises(ValidationError) as raised:
        runs.training_run_create(project=project, config={"backbone": tiny_backbone})
    assert "config.backbone" in raised.value.message_dict
    assert not TrainingRun.objects.exists()


def test_a_project_default_config_with_a_path_is_refused_at_run_creation(project, version):
    TrainingSettingsFactory(project=project, config={"backbone": "/etc"})
    with pytest.raises(ValidationError) as raised:
        runs.training_run_create(project=project, config={})
    assert "Not an available backbone" in raised.value.message_dict["config.backbone"][0]


@pytest.fixture
def admin_site(db):
    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client = Client()
    client.force_login(user)
    return client


def _save_training_settings(client, project, config):
    form = {"project": project.pk, "retrain_min_rankings": 10, "rule": "{}"}
    form["config"] = json.dumps(config)
    return client.post("/admin/training/trainingsettings/add/", form)


def test_the_admin_refuses_training_settings_whose_backbone_is_not_offered(
    project, admin_site, tiny_backbone
):
    response = _save_training_settings(admin_site, project, {"backbone": tiny_backbone})
    assert response.status_code == 200  # the form again, with its error
    assert "Not an available backbone. Choose one of: default." in response.content.decode()
    assert not TrainingSettings.objects.exists()


def test_the_admin_saves_training_settings_with_an_allowlisted_backbone(
    project, admin_site, tiny_backbone_allowed
):
    response = _save_training_settings(admin_site, project, {"backbone": "tiny", "epochs": 1})
    assert response.status_code == 302
    assert TrainingSettings.objects.get().config == {"backbone": "tiny", "epochs": 1}


# --- the worker ----------------------------------------------------------------


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    # A heartbeat's own connection cannot see this test's uncommitted run: a beat during a
    # slow run (a loaded machine) would fence it.
    settings.TRAINING_HEARTBEAT_SECONDS = 3600


def _queued(project, config, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return runs.training_run_create(project=project, config=config)


def test_the_worker_refuses_a_name_the_project_no_longer_offers(
    project, version, tiny_config, settings, data_dir, django_capture_on_commit_callbacks
):
    run = _queued(project, tiny_config, django_capture_on_commit_callbacks)
    settings.TRAINING_BACKBONES = {}
    assert execute.training_run_execute(run_id=run.pk) == TrainingRun.Status.FAILED
    run.refresh_from_db()
    assert run.error == "UnknownBackbone: Not an available backbone. Choose one of: default."
    assert run.step == 0


def test_the_worker_refuses_a_path_stored_before_names_were_required(
    project, version, tiny_config, tiny_backbone, data_dir, django_capture_on_commit_callbacks
):
    run = _queued(project, tiny_config, django_capture_on_commit_callbacks)
    TrainingRun.objects.filter(pk=run.pk).update(config=run.config | {"backbone": tiny_backbone})
    assert execute.training_run_execute(run_id=run.pk) == TrainingRun.Status.FAILED
    run.refresh_from_db()
    assert run.error.startswith("UnknownBackbone: Not an available backbone.")
    assert not ModelVersion.objects.exists()


def test_a_backbone_that_fails_to_load_is_named_not_located(
    project, version, tiny_config, settings, tmp_path, data_dir, django_capture_on_commit_callbacks
):
    empty = tmp_path / "srv" / "broken-encoder"
    empty.mkdir(parents=True)
    settings.TRAINING_BACKBONES = {"broken": empty}
    run = _queued(project, tiny_config | {"backbone": "broken"}, django_capture_on_commit_callbacks)
    assert execute.training_run_execute(run_id=run.pk) == TrainingRun.Status.FAILED
    run.refresh_from_db()
    assert "broken" in run.error
    assert str(tmp_path) not in run.error


def test_a_run_trains_from_a_model_version_of_its_project(
    project,
    version,
    tiny_config,
    tiny_backbone,
    researcher,
    data_dir,
    django_capture_on_commit_callbacks,
):
    first = _queued(project, tiny_config, django_capture_on_commit_callbacks)
    assert execute.training_run_execute(run_id=first.pk) == TrainingRun.Status.SUCCEEDED
    second = _queued(
        project, tiny_config | {"backbone": "model:1"}, django_capture_on_commit_callbacks
    )
    assert second.config["backbone"] == "model:1"
    assert execute.training_run_execute(run_id=second.pk) == TrainingRun.Status.SUCCEEDED
    model = ModelVersion.objects.get(training_run=second)
    download = researcher.get(f"/api/v1/projects/{project.id}/models/{model.pk}/download/")
    with zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))) as archive:
        (meta_name,) = [n for n in archive.namelist() if n.endswith("/rankwise.json")]
        meta = archive.read(meta_name).decode()
    assert json.loads(meta)["config"]["backbone"] == "model:1"
    assert tiny_backbone not in meta
    assert "/media/" not in meta


# --- settings ----------------------------------------------------------------


def _import_settings(**variables: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(variables)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("variables", "error"),
    [
        ({"RANKWISE_BACKBONES": "tiny"}, "RANKWISE_BACKBONES='tiny' is not valid"),
        ({"RANKWISE_BACKBONES": "../x=/tmp"}, "RANKWISE_BACKBONES='../x=/tmp' is not valid"),
        (
            {"RANKWISE_BACKBONES": "a=/no/such/folder"},
            "expected an existing directory for a",
        ),
        ({"RANKWISE_BACKBONES": "a=/tmp,a=/"}, "each name once (a is given twice)"),
        ({"RANKWISE_BACKBONES": "default=/tmp"}, "'default' names the packaged MiniLM"),
        ({"RANKWISE_BACKBONES_DIR": "/etc/passwd"}, "expected an existing directory"),
    ],
)
def test_a_malformed_allowlist_stops_the_process_with_the_variables_name(variables, error):
    result = _import_settings(**variables)
    assert result.returncode != 0
    assert error in result.stderr


def test_a_well_formed_allowlist_is_read(tmp_path):
    (tmp_path / "a").mkdir()
    code = "from django.conf import settings; import django; django.setup(); "
    code += "print(settings.TRAINING_BACKBONES, settings.TRAINING_BACKBONES_DIR)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
             "RANKWISE_BACKBONES": f" a = {tmp_path / 'a'} , b={tmp_path}",
             "RANKWISE_BACKBONES_DIR": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"'a': PosixPath('{tmp_path / 'a'}'), 'b': PosixPath('{tmp_path}')" in result.stdout
    assert result.stdout.strip().endswith(f"}} {tmp_path}")
