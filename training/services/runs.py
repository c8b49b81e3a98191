"""Training runs: create, cancel, resume, and the liveness rules that keep one worker per run.

A run is claimed by a worker in one conditional UPDATE that also bumps ``attempt``; every
later write of that worker (heartbeat, progress, result) is conditional on the attempt it
claimed. A worker killed with SIGKILL stops heart-beating; ``training_runs_check`` marks
its run stalled, and a resume queues it again to continue from its last checkpoint. If
the old worker was only slow, not dead, its next write finds the attempt moved on and it
stops (fencing), so no two workers ever train the same run.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from config.errors import Conflict
from dataset_versions.models import DatasetVersion
from projects.models import Project
from training.engine.config import USER_KEYS as USER_KEYS  # what the dashboard may set
from training.engine.config import ConfigError, TrainConfig
from training.models import TrainingAttempt, TrainingLogLine, TrainingRun, TrainingSettings
from training.services.attempts import ON_INPUT, attempt_end, attempt_start
from training.services.backbones import backbone_check
from training.tasks import training_run_execute

# The runs a project's cap counts. A stalled run is not one: its worker is gone, it holds
# no queue slot, and counting it would lock a project out (a stalled run cannot be
# cancelled, and resuming it is itself capped).
ACTIVE = (TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING)


class NotResumable(Conflict):
    code = "not_resumable"
    message = "Only a stalled, failed or cancelled run can be resumed."


class ResumeCannotHelp(Conflict):
    code = "resume_cannot_help"

    def __init__(self, run: TrainingRun) -> None:
        super().__init__()
        self.message = (
            f"Run {run.number} failed on its {run.get_failure_display().lower()}, and would "
            "fail the same way again: start a new run with other settings or another dataset "
            "version."
        )


class RunFinished(Conflict):
    code = "run_finished"
    message = "This run has already finished."


class TooManyActiveRuns(Conflict):
    code = "too_many_active_runs"

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.message = (
            f"This project already has {limit} active training run{'s' * (limit != 1)} (the "
            "limit, RANKWISE_MAX_ACTIVE_RUNS_PER_PROJECT); cancel one or wait for it to finish."
        )


def run_dir(run: TrainingRun) -> Path:
    """Where a run keeps its checkpoints and output: under the shared data directory, so a
    resume on another worker finds them when the directory is a shared volume."""
    return Path(settings.DATA_DIR) / "training" / f"run-{run.pk}"


def config_build(*, project: Project, overrides: dict[str, Any]) -> dict[str, Any]:
    """The full, validated TrainConfig of a new run: engine defaults, then the project's
    defaults, then the request's values. Field errors come back as a 400."""
    unknown = sorted(set(overrides) - USER_KEYS)
    if unknown:
        raise ValidationError({"config": [f"Unknown settings: {', '.join(unknown)}."]})
    defaults = TrainingSettings.objects.filter(project=project).values_list("config", flat=True)
    return config_check(project=project, values={**(defaults.first() or {}), **overrides})


def config_check(*, project: Project, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` over the engine's defaults, validated, with a backbone the project offers
    (kept by its name, see services.backbones)."""
    try:
        config = TrainConfig.from_dict(values).validate()
    except (ConfigError, TypeError, ValueError) as error:
        raise ValidationError({"config": [str(error)]}) from error
    config.backbone = backbone_check(project=project, name=config.backbone)
    config.checkpoint_every = config.checkpoint_every or settings.TRAINING_CHECKPOINT_EVERY
    return config.to_dict()


def latest_ready_version(project: Project) -> DatasetVersion:
    version = (
        DatasetVersion.objects.filter(project=project, status=DatasetVersion.Status.READY)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise ValidationError(
            {"dataset_version": ["This project has no ready dataset version yet: create one."]}
        )
    return version


def training_run_create(
    *,
    project: Project,
    config: dict[str, Any],
    dataset_version: int | None = None,
    created_by: User | None = None,
    trigger: str = TrainingRun.Trigger.MANUAL,
) -> TrainingRun:
    """Queue a run on the ``training`` queue once the row is committed."""
    version = (
        latest_ready_version(project)
        if dataset_version is None
        else DatasetVersion.objects.filter(
            project=project, number=dataset_version, status=DatasetVersion.Status.READY
        ).first()
    )
    if version is None:
        raise ValidationError({"dataset_version": [f"No ready version {dataset_version}."]})
    if not version.counts.get("splits", {}).get("train", {}).get("pairs", 0):
        raise ValidationError({"dataset_version": ["This version has no training pairs."]})
    _check_validation_split(version)
    full_config = config_build(project=project, overrides=config)
    with transaction.atomic():
        # The lock serialises numbering and the cap: two requests cannot both see room.
        Project.objects.select_for_update().get(pk=project.pk)
        _check_room(project.pk)
        latest = TrainingRun.objects.filter(project=project).aggregate(n=Max("number"))["n"]
        run = TrainingRun.objects.create(
            project=project,
            number=(latest or 0) + 1,
            dataset_version=version,
            config=full_config,
            trigger=trigger,
            created_by=created_by,
        )
        run_id = run.pk
        transaction.on_commit(lambda: training_run_execute.delay(run_id))
    return run


@transaction.atomic
def training_run_cancel(*, run: TrainingRun) -> TrainingRun:
    """A queued run is cancelled at once; a running one is asked to stop at its next step
    (it saves a checkpoint first, so it can be resumed)."""
    run = TrainingRun.objects.select_for_update().get(pk=run.pk)
    if run.status == TrainingRun.Status.QUEUED:
        run.status = TrainingRun.Status.CANCELLED
        run.finished_at = timezone.now()
    elif run.status == TrainingRun.Status.RUNNING:
        run.cancel_requested = True
    else:
        raise RunFinished()
    run.save(update_fields=["status", "finished_at", "cancel_requested"])
    return run


def _check_validation_split(version: DatasetVersion) -> None:
    """A run without validation pairs could not pick its best weights, stop early or say
    how good its model is."""
    if not version.counts.get("splits", {}).get("validation", {}).get("pairs", 0):
        raise ValidationError(
            {
                "dataset_version": [
                    f"Dataset version {version.number} has no validation prompts; build a "
                    "version with a validation share > 0 or more ranked prompts."
                ]
            }
        )


def can_resume(run: TrainingRun) -> bool:
    """Stalled, cancelled, or failed for a reason that may pass (out of memory, an error
    of the worker's); not after a failure on the run's settings or data."""
    if run.status == TrainingRun.Status.FAILED:
        return run.failure not in ON_INPUT
    return run.status in (TrainingRun.Status.STALLED, TrainingRun.Status.CANCELLED)


def training_run_resume(*, run: TrainingRun) -> TrainingRun:
    """Queue a stalled, failed or cancelled run again; it continues from its last
    checkpoint (or starts over when it never wrote one)."""
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=run.project_id)  # as a new run: capped
        run = TrainingRun.objects.select_for_update().get(pk=run.pk)
        if run.status == TrainingRun.Status.FAILED and run.failure in ON_INPUT:
            raise ResumeCannotHelp(run)
        if not can_resume(run):
            raise NotResumable()
        _check_room(run.project_id)
        run.status = TrainingRun.Status.QUEUED
        run.cancel_requested = False
        run.error = ""
        run.failure = ""
        run.finished_at = None
        run.queued_at = timezone.now()
        changed = ["status", "cancel_requested", "error", "failure", "finished_at", "queued_at"]
        run.save(update_fields=changed)
        log(run=run, message="resume requested")
        run_id = run.pk
        transaction.on_commit(lambda: training_run_execute.delay(run_id))
    return run


def _check_room(project_id: int) -> None:
    """Call holding the project's row lock."""
    limit = settings.TRAINING_MAX_ACTIVE_RUNS_PER_PROJECT
    if TrainingRun.objects.filter(project_id=project_id, status__in=ACTIVE).count() >= limit:
        raise TooManyActiveRuns(limit)


@dataclass(frozen=True)
class Claim:
    run: TrainingRun
    attempt: int


@transaction.atomic
def training_run_claim(*, run_id: int, device: str) -> Claim | None:
    """Take a queued run for this worker, or None (cancelled, taken, or gone). The claim
    is recorded as the run's next attempt; the run's own start stays its first attempt's."""
    now = timezone.now()
    taken = TrainingRun.objects.filter(
        pk=run_id, status=TrainingRun.Status.QUEUED, cancel_requested=False
    ).update(
        status=TrainingRun.Status.RUNNING,
        attempt=F("attempt") + 1,
        worker=f"{socket.gethostname()}:{os.getpid()}",
        device=device,
        heartbeat_at=now,
        started_at=Coalesce(F("started_at"), Value(now)),
    )
    if not taken:
        return None
    run = TrainingRun.objects.get(pk=run_id)
    attempt_start(run=run, at=now)
    return Claim(run, run.attempt)


def mine(claim: Claim) -> Q:
    """Rows this claim may still write: its run, its attempt, still running."""
    return Q(pk=claim.run.pk, attempt=claim.attempt, status=TrainingRun.Status.RUNNING)


def log(*, run: TrainingRun, message: str) -> None:
    TrainingLogLine.objects.create(run=run, message=message[:10_000])


def training_runs_check(*, now: datetime | None = None) -> int:
    """Beat: a running run whose worker has not beaten for ``TRAINING_STALL_SECONDS`` is
    stalled (resumable). A queued run nobody took for as long is sent again: its message
    may have been lost with a broker restart; a duplicate is harmless (the claim is atomic)."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.TRAINING_STALL_SECONDS)
    stalled = list(
        TrainingRun.objects.filter(status=TrainingRun.Status.RUNNING, heartbeat_at__lt=limit)
    )
    for run in stalled:
        # No finished_at: the run did not finish, and nobody knows when its worker died.
        # Its attempt ends at the last heartbeat, the last moment it was known alive.
        changed = TrainingRun.objects.filter(
            pk=run.pk, attempt=run.attempt, status=TrainingRun.Status.RUNNING
        ).update(
            status=TrainingRun.Status.STALLED,
            error=f"The worker {run.worker} stopped reporting at "
            f"{run.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC. Resume to continue from the last "
            "checkpoint.",
        )
        if changed:
            attempt_end(
                run_id=run.pk,
                number=run.attempt,
                outcome=TrainingAttempt.Outcome.STALLED,
                at=run.heartbeat_at,
                step=run.step,
                error=f"no heartbeat from {run.worker}",
            )
            log(run=run, message=f"marked stalled: no heartbeat from {run.worker}")
    waiting = list(
        TrainingRun.objects.filter(
            status=TrainingRun.Status.QUEUED, queued_at__lt=limit, cancel_requested=False
        ).values_list("pk", flat=True)
    )
    TrainingRun.objects.filter(pk__in=waiting).update(queued_at=now)
    for run_id in waiting:
        training_run_execute.delay(run_id)
    return len(stalled)
