"""What a run records across its life: curve points each step once (the final evaluation is
no point), every attempt with its own times, failures that say whether resuming can help,
and the best evaluation's weights as the model."""

import json
from datetime import timedelta

import pytest
import torch
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from annotation.services.queue import assignment_next
from annotation.services.rankings import ranking_submit
from dataset_versions.models import DatasetVersion
from dataset_versions.services import datasets
from dataset_versions.services.datasets import Rule, dataset_version_create
from projects.models import Role
from tests.factories import TrainingRunFactory, TrainingSettingsFactory, item_with_completions
from training.engine import ConfigError, DataError
from training.engine.evaluate import METADATA
from training.models import (
    ModelVersion,
    TrainingAttempt,
    TrainingPoint,
    TrainingRun,
)
from training.selectors import backbone_label
from training.services import execute, retrain, runs

pytestmark = pytest.mark.django_db


@pytest.fixture
def storage(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"


def _create(project, config, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return runs.training_run_create(project=project, config=config)


def _steps(run, kind):
    points = TrainingPoint.objects.filter(run=run, kind=kind).order_by("step")
    return list(points.values_list("step", flat=True))


def test_the_final_evaluation_is_the_runs_metrics_not_a_point_at_step_zero(
    project, version, tiny_config, storage, django_capture_on_commit_callbacks
):
    config = tiny_config | {"eval_every": 1, "early_stopping_patience": 0}
    run = _create(project, config, django_capture_on_commit_callbacks)
    assert execute.training_run_execute(run_id=run.pk) == "succeeded"
    run.refresh_from_db()
    assert _steps(run, "eval") == list(range(1, run.total_steps + 1))
    assert run.metrics["log_loss"] is not None


def test_a_resumed_run_charts_every_step_once(
    project, version, tiny_config, storage, monkeypatch, django_capture_on_commit_callbacks
):
    config = tiny_config | {
        "eval_every": 1,
        "early_stopping_patience": 0,
        "checkpoint_every": 2,
        "epochs": 1,
        "token_budget": 192,  # a few prompts a step: steps enough to die in the middle
    }
    run = _create(project, config, django_capture_on_commit_callbacks)
    polls = {"n": 0}

    def worker_dies_at_step_four(beat):  # after step 3's points, past the step-2 checkpoint
        polls["n"] += 1
        if polls["n"] == 4:
            raise RuntimeError("worker lost")
        return False

    with monkeypatch.context() as patched:
        patched.setattr(execute._Heartbeat, "should_stop", worker_dies_at_step_four)
        assert execute.training_run_execute(run_id=run.pk) == "failed"
    assert _steps(run, "train") == [1, 2, 3]
    run.refresh_from_db()
    assert runs.can_resume(run)  # a worker's error, not the run's settings
    with django_capture_on_commit_callbacks(execute=False):
        runs.training_run_resume(run=run)
    assert execute.training_run_execute(run_id=run.pk) == "succeeded"
    run.refresh_from_db()
    assert run.total_steps > 4
    assert _steps(run, "train") == list(range(1, run.total_steps + 1))
    assert _steps(run, "eval") == list(range(1, run.total_steps + 1))
    first, second = TrainingAttempt.objects.filter(run=run)
    assert (first.outcome, first.end_step) == ("failed", 3)
    assert "RuntimeError: worker lost" in first.error
    assert (second.outcome, second.start_step, second.end_step) == (
        "succeeded",
        2,
        run.total_steps,
    )
    assert run.started_at == first.started_at < second.started_at


def test_a_stalled_run_has_no_finish_and_its_attempt_ends_at_the_last_heartbeat(
    project, version, django_capture_on_commit_callbacks
):
    run = _create(project, {}, django_capture_on_commit_callbacks)
    runs.training_run_claim(run_id=run.pk, device="cpu")
    run.refresh_from_db()
    started, heard = run.started_at, run.heartbeat_at
    assert runs.training_runs_check(now=timezone.now() + timedelta(hours=1)) == 1
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.STALLED
    assert run.finished_at is None
    attempt = TrainingAttempt.objects.get(run=run)
    assert (attempt.outcome, attempt.started_at, attempt.ended_at) == ("stalled", started, heard)

    with django_capture_on_commit_callbacks(execute=False):
        runs.training_run_resume(run=run)
    runs.training_run_claim(run_id=run.pk, device="cpu")
    run.refresh_from_db()
    assert run.started_at == started  # the real start is kept
    assert list(TrainingAttempt.objects.filter(run=run).values_list("number", "outcome")) == [
        (1, "stalled"),
        (2, "running"),
    ]


@pytest.mark.parametrize(
    ("error", "failure", "resumable"),
    [
        (ConfigError("backbone='x': cannot load a model"), "configuration", False),
        (DataError("the dataset has no preference pairs"), "data", False),
        (torch.OutOfMemoryError("CUDA out of memory"), "out_of_memory", True),
        (ConnectionError("the database went away"), "error", True),
    ],
)
def test_a_failure_is_classified_and_resumable_only_where_resuming_can_help(
    project, version, storage, monkeypatch, error, failure, resumable,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    run = _create(project, {}, django_capture_on_commit_callbacks)

    def fails(*args, **kwargs):
        raise error

    monkeypatch.setattr(execute, "_train", fails)
    assert execute.training_run_execute(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert (run.failure, runs.can_resume(run)) == (failure, resumable)
    assert TrainingAttempt.objects.get(run=run).outcome == "failed"


def test_a_backbone_that_cannot_load_fails_the_run_as_a_configuration_error(
    project, version, storage, settings, tmp_path, django_capture_on_commit_callbacks
):
    (tmp_path / "empty").mkdir()
    settings.TRAINING_BACKBONES = {"empty": tmp_path / "empty"}  # no model in it
    run = _create(project, {"backbone": "empty"}, django_capture_on_commit_callbacks)
    assert execute.training_run_execute(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert run.failure == TrainingRun.Failure.CONFIGURATION
    with pytest.raises(runs.ResumeCannotHelp, match="failed on its configuration"):
        runs.training_run_resume(run=run)


def test_resuming_a_run_that_failed_on_its_settings_is_a_409_that_says_why(
    project, version, member, client_for
):
    run = TrainingRunFactory(
        project=project, dataset_version=version, config={}, status="failed",
        failure=TrainingRun.Failure.CONFIGURATION, error="ConfigError: backbone cannot load",
    )  # fmt: skip
    client = client_for(member(Role.RESEARCHER))
    url = f"/api/v1/projects/{project.id}/training-runs/{run.pk}/"
    assert client.get(url).json()["can_resume"] is False
    response = client.post(f"{url}resume/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "resume_cannot_help"
    assert "would fail the same way again" in response.json()["error"]["message"]


def test_a_version_without_validation_prompts_cannot_be_trained_on(project, version):
    empty = dataset_version_create(
        project=project,
        rule=Rule(include_imported=True),
        split={"train": 1.0, "validation": 0.0, "test": 0.0},
    )
    with pytest.raises(ValidationError) as raised:
        runs.training_run_create(project=project, config={}, dataset_version=empty.number)
    assert raised.value.message_dict["dataset_version"] == [
        f"Dataset version {empty.number} has no validation prompts; build a version with a "
        "validation share > 0 or more ranked prompts."
    ]


def test_the_model_is_the_best_evaluations_weights_and_says_which_step(
    project, version, tiny_config, storage, django_capture_on_commit_callbacks
):
    config = tiny_config | {"eval_every": 1, "early_stopping_patience": 0, "epochs": 4}
    run = _create(project, config, django_capture_on_commit_callbacks)
    assert execute.training_run_execute(run_id=run.pk) == "succeeded"
    run.refresh_from_db()
    losses = dict(
        TrainingPoint.objects.filter(run=run, kind="eval").values_list("step", "values__log_loss")
    )
    assert losses[run.best_step] <= min(losses.values()) + 1e-4  # within the engine's margin
    assert run.metrics["log_loss"] == pytest.approx(losses[run.best_step], abs=1e-5)
    model = ModelVersion.objects.get(training_run=run)
    with default_storage.open(f"{model.artifact}/{METADATA}") as handle:
        assert json.load(handle)["best_step"] == run.best_step
    messages = " ".join(run.log_lines.values_list("message", flat=True))
    assert f"the model is step {run.best_step}'s weights" in messages


def test_periodic_retraining_skips_a_version_without_validation_pairs(
    project, member, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(datasets, "DEFAULT_SPLIT", {"train": 1.0, "validation": 0.0, "test": 0.0})
    TrainingSettingsFactory(project=project, retrain_min_rankings=2)
    annotator = member(Role.ANNOTATOR)
    for _ in range(2):
        item_with_completions(project, k=2)
        lease = assignment_next(project=project, annotator=annotator)
        tiers = [[i] for i in lease.display_order]
        ranking_submit(project=project, annotator=annotator, prompt_id=lease.prompt_id, tiers=tiers)
    with django_capture_on_commit_callbacks(execute=False):
        assert retrain._project_retrain(project.pk) is None  # skipped, not failed
    assert DatasetVersion.objects.get(project=project).counts["splits"]["train"]["prompts"] == 2
    assert not TrainingRun.objects.filter(project=project).exists()


def test_a_run_shows_the_settings_a_researcher_chose_and_the_backbone_by_name(
    project, version, member, client_for, django_capture_on_commit_callbacks
):
    TrainingSettingsFactory(project=project, config={"ema_decay": 0.9})
    run = _create(project, {"epochs": 3}, django_capture_on_commit_callbacks)
    body = (
        client_for(member(Role.RESEARCHER))
        .get(f"/api/v1/projects/{project.id}/training-runs/{run.pk}/")
        .json()
    )
    assert body["backbone_label"] == "all-MiniLM-L6-v2 (default)"
    assert body["chosen_settings"] == [
        "backbone", "mode", "epochs", "learning_rate", "max_length", "token_budget", "seed",
        "early_stopping_patience", "ema_decay",
    ]  # fmt: skip
    assert {"center_coef", "extra", "checkpoint_every", "log_every"} <= body["config"].keys()


def test_a_run_on_an_allowlisted_or_model_backbone_shows_that_name():
    assert backbone_label("model:3") == "model:3"
    assert backbone_label("deberta-v3-small") == "deberta-v3-small"
    assert backbone_label("") == backbone_label("default") == "all-MiniLM-L6-v2 (default)"
