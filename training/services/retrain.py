"""Periodic retraining: enough new rankings → a dataset version → a run → promote the
model only if it beats the active one on the new version's validation split."""

from __future__ import annotations

import logging
from typing import Any

from annotation.models import DatasetVersion, Ranking
from annotation.services.datasets import Rule, dataset_version_create
from training.engine import evaluate
from training.models import ModelVersion, TrainingRun, TrainingSettings
from training.services.registry import model_local_dir, model_version_promote
from training.services.runs import ACTIVE, TooManyActiveRuns, training_run_create

logger = logging.getLogger(__name__)


def retrain_due() -> list[TrainingRun]:
    """Beat: start a periodic run for every project whose rule says it is time."""
    started = []
    for rule in TrainingSettings.objects.filter(retrain_min_rankings__gt=0).select_related(
        "project"
    ):
        project = rule.project
        if TrainingRun.objects.filter(project=project, status__in=ACTIVE).exists():
            continue
        if new_rankings(project_id=project.pk) < rule.retrain_min_rankings:
            continue
        version = dataset_version_create(project=project, rule=Rule(**rule.rule), name="periodic")
        if not version.counts.get("splits", {}).get("train", {}).get("pairs", 0):
            continue
        try:
            run = training_run_create(
                project=project,
                config={},
                dataset_version=version.number,
                trigger=TrainingRun.Trigger.PERIODIC,
            )
        except TooManyActiveRuns:  # researchers' runs filled the cap while it built
            logger.info("periodic retraining of %s skipped: its run cap is full", project)
            continue
        started.append(run)
    return started


def new_rankings(*, project_id: int) -> int:
    """Annotators' rankings made or revised since the project's last dataset version."""
    last = DatasetVersion.objects.filter(project_id=project_id).order_by("-number").first()
    rankings = Ranking.objects.filter(
        project_id=project_id, annotator__isnull=False, kind=Ranking.Kind.RANKED
    )
    if last is not None:
        rankings = rankings.filter(updated_at__gt=last.created_at)
    return rankings.count()


def model_version_decide(*, model: ModelVersion, eval_data: list[dict[str, Any]]) -> ModelVersion:
    """After a periodic run: compare with the active model on the same validation pairs
    (accuracy first, log-loss on a tie) and promote only a better model. The decision and
    both sets of numbers are recorded on the model."""
    active = ModelVersion.objects.filter(project_id=model.project_id, is_active=True).first()
    if active is None:
        return model_version_promote(model=model, decision="Promoted: the project's first model.")
    if active.pk == model.pk:
        return model
    if not eval_data:
        model.decision = "Not promoted: the new version has no validation pairs to compare on."
        model.save(update_fields=["decision"])
        return model
    mine = model.metrics
    theirs = evaluate(model_local_dir(active), eval_data)
    better = (mine["accuracy"], -mine["log_loss"]) > (theirs["accuracy"], -theirs["log_loss"])
    numbers = (
        f"accuracy {mine['accuracy']:.4f} vs {theirs['accuracy']:.4f}, log-loss "
        f"{mine['log_loss']:.4f} vs {theirs['log_loss']:.4f} (model {active.number}) on "
        f"{len(eval_data)} validation pairs of dataset version {model.dataset_version.number}"
    )
    if better:
        return model_version_promote(model=model, decision=f"Promoted: {numbers}.")
    model.decision = f"Not promoted: {numbers}."
    model.save(update_fields=["decision"])
    return model
