"""Periodic retraining: enough new rankings → a dataset version → a run → promote the
model only if it beats the active one on the new version's validation split."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import QuerySet

from annotation.models import Ranking
from dataset_versions.models import DatasetVersion
from dataset_versions.services.datasets import Rule, dataset_version_create
from projects.services.periodic import projects_each
from training.engine import evaluate
from training.models import ModelVersion, TrainingRun, TrainingSettings
from training.services.registry import model_local_dir, model_version_promote
from training.services.runs import ACTIVE, TooManyActiveRuns, training_run_create

logger = logging.getLogger(__name__)


PERIODIC = "periodic"


def retrain_due() -> list[TrainingRun]:
    """Beat: start a periodic run for every project whose rule says it is time. One project
    at a time: one whose dataset build fails is logged, and the others still get theirs."""
    project_ids = (
        TrainingSettings.objects.filter(retrain_min_rankings__gt=0)
        .order_by("project_id")
        .values_list("project_id", flat=True)
    )
    tally = projects_each(_project_retrain, job="periodic retraining", project_ids=project_ids)
    return [run for run in tally.done.values() if run is not None]


def _project_retrain(project_id: int) -> TrainingRun | None:
    """The project's periodic run, when one is due. The version and the run are each
    committed by their own service, so that a build that fails stays as a failed version
    with its error for the researchers to see."""
    training = TrainingSettings.objects.select_related("project").get(project_id=project_id)
    project = training.project
    if TrainingRun.objects.filter(project_id=project_id, status__in=ACTIVE).exists():
        return None
    if new_rankings(project_id=project_id) < training.retrain_min_rankings:
        return None
    rule = Rule(**training.rule)
    if _failed_on_the_same_input(project_id=project_id, rule=rule):
        return None
    version = dataset_version_create(project=project, rule=rule, name=PERIODIC)
    splits = version.counts.get("splits", {})
    if not splits.get("train", {}).get("pairs", 0):
        return None
    if not splits.get("validation", {}).get("pairs", 0):  # a run would be refused
        logger.info(
            "periodic retraining of %s skipped: dataset version %s has no validation pairs",
            project,
            version.number,
        )
        return None
    try:
        return training_run_create(
            project=project,
            config={},
            dataset_version=version.number,
            trigger=TrainingRun.Trigger.PERIODIC,
        )
    except TooManyActiveRuns:  # researchers' runs filled the cap while it built
        logger.info("periodic retraining of %s skipped: its run cap is full", project)
        return None


def new_rankings(*, project_id: int) -> int:
    """Annotators' rankings made or revised since the project's last ready dataset version.
    A version that failed (or is still building) trained nothing: its rankings stay new."""
    last = (
        DatasetVersion.objects.filter(project_id=project_id, status=DatasetVersion.Status.READY)
        .order_by("-number")
        .first()
    )
    rankings = _annotated_rankings(project_id)
    if last is not None:
        rankings = rankings.filter(updated_at__gt=last.created_at)
    return rankings.count()


def _annotated_rankings(project_id: int) -> QuerySet[Ranking]:
    return Ranking.objects.filter(
        project_id=project_id, annotator__isnull=False, kind=Ranking.Kind.RANKED
    )


def _failed_on_the_same_input(*, project_id: int, rule: Rule) -> bool:
    """The last periodic build failed on this rule and no ranking changed since: another
    build would most likely fail the same way, and leave one more failed version behind
    every beat. A new or revised ranking, or another rule, tries again."""
    last = (
        DatasetVersion.objects.filter(project_id=project_id, name=PERIODIC, created_by=None)
        .order_by("-number")
        .first()
    )
    if last is None or last.status != DatasetVersion.Status.FAILED:
        return False
    if last.rule != rule.as_json():
        return False
    return not _annotated_rankings(project_id).filter(updated_at__gt=last.created_at).exists()


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
