"""Training runs end to end in this process: the worker's code path without a broker."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from training.engine import TrainConfig
from training.models import ModelVersion, TrainingPoint, TrainingRun
from training.services import execute, runs
from training.services.scoring import completions_score

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(project, version, tiny_config, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return runs.training_run_create(project=project, config=tiny_config)


def test_a_run_trains_and_registers_a_model_that_waits_for_promotion(run, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    assert execute.training_run_execute(run_id=run.pk) == "succeeded"
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED
    assert run.step == run.total_steps > 0
    assert 0.0 <= run.metrics["accuracy"] <= 1.0
    assert TrainingPoint.objects.filter(run=run, kind="train").count() == run.total_steps
    assert TrainingPoint.objects.filter(run=run, kind="eval").exists()
    model = ModelVersion.objects.get(training_run=run)
    assert not model.is_active
    assert model.number == 1
    scores = completions_score(model=model, prompt="What is 2 plus 2?", completions=["4.", "No."])
    assert sorted(s.rank for s in scores) == [1, 2]


def test_a_run_nobody_can_claim_twice(run):
    assert runs.training_run_claim(run_id=run.pk, device="cpu") is not None
    assert runs.training_run_claim(run_id=run.pk, device="cpu") is None


def test_a_cancelled_queued_run_is_never_trained(run):
    runs.training_run_cancel(run=run)
    assert execute.training_run_execute(run_id=run.pk) == "not claimed"
    assert TrainingRun.objects.get(pk=run.pk).status == TrainingRun.Status.CANCELLED


def test_a_run_cancelled_while_training_stops_and_can_resume(
    run, tiny_backbone, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    settings.TRAINING_HEARTBEAT_SECONDS = 1
    claim = runs.training_run_claim(run_id=run.pk, device="cpu")
    runs.training_run_cancel(run=run)
    beat = execute._Heartbeat(claim)
    beat.beat()  # reads the flag: the engine stops at its first step
    assert beat.should_stop()
    status = execute._train(claim, beat, tiny_backbone)
    assert status == TrainingRun.Status.CANCELLED
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.CANCELLED
    assert runs.can_resume(run)


def test_a_silent_worker_is_marked_stalled_and_its_late_writes_are_fenced(run):
    claim = runs.training_run_claim(run_id=run.pk, device="cpu")
    later = timezone.now() + timedelta(hours=1)
    assert runs.training_runs_check(now=later) == 1
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.STALLED
    assert "stopped reporting" in run.error
    beat = execute._Heartbeat(claim)
    beat.beat()
    assert beat.fenced
    assert beat.should_stop()


def test_a_failure_is_recorded_with_its_error(
    project, version, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path
    (tmp_path / "empty").mkdir()
    settings.TRAINING_BACKBONES = {"empty": tmp_path / "empty"}  # no model in it
    with django_capture_on_commit_callbacks(execute=False):
        run = runs.training_run_create(project=project, config={"backbone": "empty"})
    assert execute.training_run_execute(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED
    assert run.error
    assert not runs.can_resume(run)  # its settings would fail it again (test_run_history)


def test_an_unknown_setting_is_a_field_error(project, version):
    with pytest.raises(ValidationError) as raised:
        runs.training_run_create(project=project, config={"learning_rat": 0.1})
    assert "learning_rat" in str(raised.value.message_dict["config"])


def test_the_engine_tuning_settings_reach_the_run_config(project, version):
    tuning = {"ema_decay": 0.95, "freeze_embeddings": False, "layer_lr_decay": 0.9}
    run = runs.training_run_create(project=project, config=tuning)
    assert tuning.items() <= run.config.items()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"gradient_checkpointing": "no"}, "must be true or false"),
        ({"epochs": "2"}, "a number"),
        ({"ema_decay": 1}, "ema_decay=1: must be in [0, 1)"),
    ],
)
def test_a_setting_of_the_wrong_type_is_a_field_error_and_creates_no_run(
    project, version, config, message
):
    with pytest.raises(ValidationError) as raised:
        runs.training_run_create(project=project, config=config)
    assert message in str(raised.value.message_dict["config"])
    assert not TrainingRun.objects.filter(project=project).exists()


def test_a_project_without_a_ready_version_cannot_train(project):
    with pytest.raises(ValidationError) as raised:
        runs.training_run_create(project=project, config={})
    assert "dataset_version" in raised.value.message_dict


def test_a_short_run_charts_a_loss_point_for_every_step(
    project, version, tiny_config, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    config = {k: v for k, v in tiny_config.items() if k != "log_every"}
    with django_capture_on_commit_callbacks(execute=False):
        run = runs.training_run_create(project=project, config=config)
    assert run.config["log_every"] == TrainConfig().log_every > 1
    assert execute.training_run_execute(run_id=run.pk) == "succeeded"
    run.refresh_from_db()
    assert 1 < run.total_steps < run.config["log_every"]
    steps = TrainingPoint.objects.filter(run=run, kind="train").values_list("step", flat=True)
    assert sorted(steps) == list(range(1, run.total_steps + 1))


@pytest.mark.parametrize(
    ("total_steps", "log_every", "kept"),
    [(40, 10, 40), (300, 10, 50), (2000, 10, 200), (300, 1, 300)],
)
def test_the_chart_keeps_fifty_points_or_more_and_at_most_one_per_log_every(
    run, total_steps, log_every, kept
):
    reporter = execute._Reporter(
        runs.training_run_claim(run_id=run.pk, device="cpu"), log_every=log_every
    )
    for step in range(1, total_steps + 1):
        reporter.on_event({"event": "step", "step": step, "total_steps": total_steps, "loss": 0.5})
    assert TrainingPoint.objects.filter(run=run, kind="train").count() == kept


def test_the_engine_reports_every_step_only_of_a_run_that_cannot_be_long():
    config = TrainConfig(epochs=2, log_every=10)
    assert execute.engine_log_every(config, prompts=5_000) == 1
    assert execute.engine_log_every(config, prompts=50_000) == 10
