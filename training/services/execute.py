"""What a training worker does with a run: claim it, train it with the engine, report
progress, heartbeat and honour cancel while it trains, and register the model it made.

Runs in the worker process that took the task from the ``training`` queue. The engine
knows nothing of Django; this module adapts its events to rows.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from annotation.models import Completion, Prompt
from dataset_versions.models import DatasetPair
from training.engine import TrainConfig, TrainResult, train
from training.engine.evaluate import METADATA, resolve_device
from training.models import TrainingAttempt, TrainingPoint, TrainingRun
from training.services.attempts import attempt_end, failure_kind
from training.services.backbones import backbone_hide, backbone_path
from training.services.registry import model_version_register
from training.services.retrain import model_version_decide
from training.services.runs import Claim, log, mine, run_dir, training_run_claim
from training.tasks import model_feedback_refresh

logger = logging.getLogger(__name__)

# The dashboard charts a run's loss from the points the reporter keeps: at least this many
# when the run has the steps, at most one per configured ``log_every``.
CHART_POINTS = 50
# Up to this many optimizer steps the engine reports every step and the reporter picks the
# points. A longer run keeps the configured interval: a report costs the device a sync.
EVERY_STEP_UP_TO = 20_000


def training_run_execute(*, run_id: int) -> str:
    """Train a queued run to its end (or to a cancel); returns the run's final status."""
    config = TrainingRun.objects.filter(pk=run_id).values_list("config", flat=True).first()
    if config is None:
        return "missing"
    claim = training_run_claim(run_id=run_id, device=_device_name(config.get("device", "auto")))
    if claim is None:
        return "not claimed"
    beat = _Heartbeat(claim)
    beat.start()
    name, backbone = str(config.get("backbone", "")), ""
    try:
        # Checked again here, where the weights are read: a name the project no longer
        # offers (or a path stored before names were required) fails the run.
        backbone = backbone_path(project_id=claim.run.project_id, name=name)
        status = _train(claim, beat, backbone)
    except Exception as error:
        logger.exception("training run %s failed", run_id)
        error_text = backbone_hide(f"{type(error).__name__}: {error}", name=name, path=backbone)
        _finish(claim, TrainingRun.Status.FAILED, error=error_text, failure=failure_kind(error))
        status = TrainingRun.Status.FAILED
    finally:
        beat.stop()
    return str(status)


def _train(claim: Claim, beat: _Heartbeat, backbone: str) -> str:
    run = claim.run
    config = TrainConfig.from_dict(run.config | {"backbone": backbone})
    # The chart keeps points at the configured interval, closer for a short run; the
    # engine reports as often as that needs.
    reporter = _Reporter(claim, log_every=config.log_every)
    train_data = list(dataset_records(version_id=run.dataset_version_id, split="train"))
    eval_data = list(dataset_records(version_id=run.dataset_version_id, split="validation"))
    config.log_every = engine_log_every(config, prompts=len({r["prompt"] for r in train_data}))
    log(run=run, message=f"{len(train_data)} train and {len(eval_data)} validation records")
    try:
        result = train(
            config,
            train_data,
            eval_data or None,
            run_dir(run),
            on_event=reporter.on_event,
            should_stop=beat.should_stop,
            resume=True,
        )
    finally:
        reporter.flush()  # the step reached is the attempt's end, also when training raised
    if beat.fenced:
        return "fenced"
    if result.status == "cancelled":
        _finish(claim, TrainingRun.Status.CANCELLED, metrics=result.metrics)
        return TrainingRun.Status.CANCELLED
    log(run=run, message=_kept(result, config.early_stopping_patience))
    _name_backbone(run_dir(run), run.config.get("backbone", ""))
    model = model_version_register(run=run, folder=run_dir(run), metrics=result.metrics)
    if run.trigger == TrainingRun.Trigger.PERIODIC:
        model = model_version_decide(model=model, eval_data=eval_data)
    _finish(claim, TrainingRun.Status.SUCCEEDED, metrics=model.metrics, best_step=result.best_step)
    log(run=run, message=f"model {model.number} registered. {model.decision}")
    if model.is_active:
        model_id = model.pk
        transaction.on_commit(lambda: model_feedback_refresh.delay(model_id))
    return TrainingRun.Status.SUCCEEDED


def _kept(result: TrainResult, patience: int) -> str:
    """The log line that says which weights became the model, and why training ended."""
    ended = (
        f"stopped early at step {result.steps} of {result.total_steps}: {patience} "
        "evaluations without a validation log-loss gain"
        if result.status == "early_stopped"
        else f"trained all {result.total_steps} steps"
    )
    if result.best_step is None:
        return f"{ended}; the model is the last step's weights"
    return (
        f"{ended}; the model is step {result.best_step}'s weights, the best validation "
        f"log-loss ({result.best_log_loss:.4f})"
    )


def _name_backbone(folder: Path, name: str) -> None:
    """The model's metadata names its backbone as the run does, not by the server path the
    engine loaded: researchers download the folder."""
    meta = json.loads((folder / METADATA).read_text())
    meta["config"]["backbone"] = name
    (folder / METADATA).write_text(json.dumps(meta, indent=2, default=str))


def engine_log_every(config: TrainConfig, *, prompts: int) -> int:
    """Every step for a run of at most ``EVERY_STEP_UP_TO`` steps, else the configured
    interval. The engine counts its steps only once it has tokenized, but every micro-batch
    holds at least one prompt, which bounds them from the data."""
    most_steps = math.ceil(math.ceil(config.epochs) * prompts / config.grad_accum)
    return 1 if most_steps <= EVERY_STEP_UP_TO else config.log_every


def dataset_records(*, version_id: int, split: str) -> Iterator[dict[str, Any]]:
    """A version's pairs of one split as the engine's pairs records, streamed."""
    pairs = DatasetPair.objects.filter(version_id=version_id, split=split).order_by("prompt_id")
    rows = pairs.values_list("prompt_id", "chosen_id", "rejected_id", "weight", "margin")
    for chunk in _chunks(rows.iterator(chunk_size=2000), 2000):
        prompts = dict(
            Prompt.objects.filter(pk__in={r[0] for r in chunk}).values_list("pk", "text")
        )
        texts = dict(
            Completion.objects.filter(
                pk__in={r[1] for r in chunk} | {r[2] for r in chunk}
            ).values_list("pk", "text")
        )
        for prompt_id, chosen, rejected, weight, margin in chunk:
            record = {
                "prompt": prompts[prompt_id],
                "chosen": texts[chosen],
                "rejected": texts[rejected],
                "weight": weight,
            }
            if margin:
                record["margin"] = margin
            yield record


def _chunks(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _finish(
    claim: Claim,
    status: str,
    *,
    error: str = "",
    failure: str = "",
    metrics: dict[str, Any] | None = None,
    best_step: int | None = None,
) -> None:
    now = timezone.now()
    fields: dict[str, Any] = {
        "status": status,
        "finished_at": now,
        "error": error,
        "failure": failure,
        "best_step": best_step,
    }
    if metrics is not None:
        fields["metrics"] = metrics
    if TrainingRun.objects.filter(mine(claim)).update(**fields):
        step = TrainingRun.objects.filter(pk=claim.run.pk).values_list("step", flat=True).get()
        outcome = TrainingAttempt.Outcome(status)
        attempt_end(
            run_id=claim.run.pk,
            number=claim.attempt,
            outcome=outcome,
            at=now,
            step=step,
            error=error,
        )
    if error:
        log(run=claim.run, message=error)


def _device_name(device: str) -> str:
    resolved = resolve_device(device)
    if resolved.type == "cuda":
        import torch

        return torch.cuda.get_device_name(resolved)
    return "cpu"


class _Reporter:
    """Engine events → progress, metric points and log lines (throttled to the database)."""

    def __init__(self, claim: Claim, *, log_every: int) -> None:
        self.claim = claim
        self.log_every = log_every
        self.last_progress = 0.0
        self.last_point = 0
        self.unwritten: dict[str, Any] | None = None  # progress the throttle held back

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        run = self.claim.run
        if kind == "start":
            self.start(event["step"], event["total_steps"])
        elif kind == "step":
            step, total = event["step"], event.get("total_steps") or event["step"]
            stride = min(self.log_every, max(1, total // CHART_POINTS))
            if step - self.last_point >= stride or step == total:
                self.last_point = step
                TrainingPoint.objects.create(
                    run=run,
                    kind=TrainingPoint.Kind.TRAIN,
                    step=step,
                    values={"loss": event.get("loss"), "lr": event.get("lr")},
                )
            self.unwritten = {
                "step": step,
                "total_steps": event.get("total_steps", 0),
                "eta_seconds": event.get("eta_s"),
            }
            now = time.monotonic()
            if now - self.last_progress >= 1.0 or step == event.get("total_steps"):
                self.last_progress = now
                self.flush()
        elif kind == "eval" and not event.get("final"):
            # The final evaluation is the model's (the run's metrics), not a point of the
            # curve: recorded at step 0 it drew the end's loss at the start.
            values = {k: v for k, v in event.items() if isinstance(v, int | float) and k != "step"}
            TrainingPoint.objects.create(
                run=run, kind=TrainingPoint.Kind.EVAL, step=event["step"], values=values
            )
        elif kind == "log":
            log(run=run, message=str(event.get("message", "")))

    def flush(self) -> None:
        if self.unwritten is not None:
            TrainingRun.objects.filter(mine(self.claim)).update(**self.unwritten)
            self.unwritten = None

    def start(self, step: int, total_steps: int) -> None:
        """The engine starts from ``step`` (a checkpoint's, or 0): the points an earlier
        attempt recorded past it are trained again, so they go, or the curve would hold
        them twice."""
        run = self.claim.run
        TrainingPoint.objects.filter(run=run, step__gt=step).delete()
        self.last_point = step
        TrainingRun.objects.filter(mine(self.claim)).update(step=step, total_steps=total_steps)
        TrainingAttempt.objects.filter(run=run, number=self.claim.attempt).update(start_step=step)


class _Heartbeat(threading.Thread):
    """Beats every ``TRAINING_HEARTBEAT_SECONDS`` on its own connection and reads the
    cancel flag. When the run is no longer this claim's (declared stalled and taken by
    another worker), it fences: the engine is told to stop and nothing more is written."""

    def __init__(self, claim: Claim) -> None:
        super().__init__(daemon=True, name=f"heartbeat-run-{claim.run.pk}")
        self.claim = claim
        self.stopping = threading.Event()
        self.cancel = False
        self.fenced = False

    def run(self) -> None:
        try:
            while not self.stopping.wait(settings.TRAINING_HEARTBEAT_SECONDS):
                self.beat()
        finally:
            close_old_connections()

    def beat(self) -> None:
        alive = TrainingRun.objects.filter(mine(self.claim)).update(heartbeat_at=timezone.now())
        if not alive:
            self.fenced = True
            return
        self.cancel = TrainingRun.objects.filter(
            pk=self.claim.run.pk, cancel_requested=True
        ).exists()

    def should_stop(self) -> bool:
        return self.cancel or self.fenced

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)
