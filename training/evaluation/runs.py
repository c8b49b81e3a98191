"""Evaluating a model version on an evaluation set: scheduled when either is created,
run by a training worker (it needs the model), idempotent per (model version, set).

A run holds a PostgreSQL advisory lock on its evaluation for as long as it scores: a
duplicate message finds it held and leaves; a worker that dies lets it go with its
connection. The results are written in one transaction at the end, so a killed run leaves
the evaluation ``running`` with no numbers, and re-running it (the broker redelivers an
unacknowledged task, or a researcher asks) starts it over.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from config.errors import Conflict
from training import tasks
from training.evaluation import metrics
from training.models import Evaluation, EvaluationItem, EvaluationSet, ModelVersion
from training.services.scoring import scorer_for

logger = logging.getLogger(__name__)

LOCK_NAMESPACE = 0x52574556  # "RWEV": the advisory-lock namespace of evaluations


class EvaluationRunning(Conflict):
    code = "evaluation_running"
    message = "A worker is evaluating this model on this set right now."


class EvaluationDone(Conflict):
    code = "evaluation_succeeded"
    message = "This evaluation has succeeded; its results do not change."


def evaluations_schedule(
    *, model_versions: list[ModelVersion], evaluation_sets: list[EvaluationSet]
) -> list[int]:
    """An evaluation of every model on every set that has none yet, each sent to a worker
    once the caller's transaction commits. Returns the ids sent."""
    if not model_versions or not evaluation_sets:
        return []
    Evaluation.objects.bulk_create(
        [
            Evaluation(model_version=m, evaluation_set=s)
            for m in model_versions
            for s in evaluation_sets
        ],
        ignore_conflicts=True,
    )
    ids = list(
        Evaluation.objects.filter(
            model_version__in=model_versions,
            evaluation_set__in=evaluation_sets,
            status=Evaluation.Status.QUEUED,
        ).values_list("pk", flat=True)
    )
    for evaluation_id in ids:
        _send_on_commit(evaluation_id)
    return ids


def model_evaluations_schedule(*, model: ModelVersion) -> list[int]:
    """A newly registered model's evaluation on every set of its project."""
    sets = list(EvaluationSet.objects.filter(project_id=model.project_id))
    return evaluations_schedule(model_versions=[model], evaluation_sets=sets)


def _send_on_commit(evaluation_id: int) -> None:
    # Robust: a broker that is down must not fail the upload or the run that committed;
    # the evaluation stays queued and "Evaluate again" sends it.
    transaction.on_commit(lambda: tasks.evaluation_execute.delay(evaluation_id), robust=True)


def evaluation_rerun(*, evaluation: Evaluation) -> Evaluation:
    """Send a queued (message lost), failed or abandoned (worker killed) evaluation again."""
    if evaluation.status == Evaluation.Status.SUCCEEDED:
        raise EvaluationDone
    with _lock_held(evaluation.pk) as held:
        if not held:
            raise EvaluationRunning
        Evaluation.objects.filter(pk=evaluation.pk).update(
            status=Evaluation.Status.QUEUED, items_scored=0, queued_at=timezone.now()
        )
    _send_on_commit(evaluation.pk)
    evaluation.refresh_from_db()
    return evaluation


@contextmanager
def _lock_held(evaluation_id: int) -> Iterator[bool]:
    """Whether this process holds the evaluation's lock (always, off PostgreSQL: the
    embedded mode has one worker)."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, evaluation_id])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, evaluation_id])


def evaluation_execute(*, evaluation_id: int) -> str:
    """Score every item of the set with the model and store the metrics: "succeeded",
    "failed", or why nothing was done ("done" already, "busy" elsewhere, "gone")."""
    with _lock_held(evaluation_id) as held:
        if not held:
            return "busy"
        evaluation = (
            Evaluation.objects.select_related("model_version", "evaluation_set")
            .filter(pk=evaluation_id)
            .first()
        )
        if evaluation is None:
            return "gone"
        if evaluation.status == Evaluation.Status.SUCCEEDED:
            return "done"
        _start(evaluation)
        try:
            rewards, report = _evaluate(evaluation)
        except Exception as error:
            logger.exception("evaluation %s failed", evaluation_id)
            _end(
                evaluation,
                status=Evaluation.Status.FAILED,
                error=f"{type(error).__name__}: {error}",
            )
            return Evaluation.Status.FAILED
        _end(evaluation, status=Evaluation.Status.SUCCEEDED, rewards=rewards, metrics=report)
        return Evaluation.Status.SUCCEEDED


def _start(evaluation: Evaluation) -> None:
    Evaluation.objects.filter(pk=evaluation.pk).update(
        status=Evaluation.Status.RUNNING,
        attempts=F("attempts") + 1,
        items_scored=0,
        error="",
        worker=f"{socket.gethostname()}:{os.getpid()}",
        started_at=timezone.now(),
        finished_at=None,
    )


def _end(evaluation: Evaluation, *, status: str, **fields: Any) -> None:
    with transaction.atomic():
        Evaluation.objects.filter(pk=evaluation.pk).update(
            status=status, finished_at=timezone.now(), **fields
        )


def _evaluate(evaluation: Evaluation) -> tuple[list[list[float]], dict[str, Any]]:
    """Every item's rewards (scored a chunk at a time through the engine's length-sorted
    batches, progress written between chunks) and the metrics of them."""
    scorer = scorer_for(evaluation.model_version)
    rows = (
        EvaluationItem.objects.filter(evaluation_set_id=evaluation.evaluation_set_id)
        .order_by("position")
        .values_list("prompt", "completions", "tiers", "category")
        .iterator(chunk_size=2000)
    )
    rewards: list[list[float]] = []
    scored: list[metrics.ScoredItem] = []
    chunk_items = int(settings.EVALUATION_CHUNK_ITEMS)
    while chunk := list(islice(rows, chunk_items)):
        found = scorer.score_groups([(prompt, completions) for prompt, completions, _, _ in chunk])
        for (_, completions, tiers, category), item_rewards in zip(chunk, found, strict=True):
            rewards.append(item_rewards)
            scored.append(
                metrics.ScoredItem(item_rewards, tiers, [len(c) for c in completions], category)
            )
        Evaluation.objects.filter(pk=evaluation.pk).update(items_scored=len(rewards))
    return rewards, metrics.report(scored)
