"""A run's attempts (one per claim, see runs.training_run_claim) and why a run failed.

Every attempt keeps its own start, end, worker and outcome, so a resume never overwrites
when the run really started, and a stalled attempt ends at its last heartbeat rather than
at the moment beat noticed the silence.
"""

from __future__ import annotations

from datetime import datetime

from training.engine import ConfigError, DataError
from training.models import TrainingAttempt, TrainingRun
from training.services.backbones import UnknownBackbone

# Failures that resuming cannot help: the same settings or data fail the same way.
ON_INPUT = (TrainingRun.Failure.CONFIGURATION, TrainingRun.Failure.DATA)


def attempt_start(*, run: TrainingRun, at: datetime) -> TrainingAttempt:
    """Record the attempt ``run`` was just claimed for (``run.attempt``)."""
    return TrainingAttempt.objects.create(
        run=run, number=run.attempt, worker=run.worker, device=run.device, started_at=at
    )


def attempt_end(
    *, run_id: int, number: int, outcome: str, at: datetime | None, step: int, error: str = ""
) -> None:
    TrainingAttempt.objects.filter(run_id=run_id, number=number).update(
        outcome=outcome, ended_at=at, end_step=step, error=error
    )


def failure_kind(error: BaseException) -> str:
    """Which ``TrainingRun.Failure`` an exception that ended a run is."""
    if isinstance(error, ConfigError | UnknownBackbone):
        return TrainingRun.Failure.CONFIGURATION
    if isinstance(error, DataError):
        return TrainingRun.Failure.DATA
    if isinstance(error, MemoryError) or type(error).__name__ == "OutOfMemoryError":
        return TrainingRun.Failure.OUT_OF_MEMORY  # torch's, on any device
    return TrainingRun.Failure.ERROR
