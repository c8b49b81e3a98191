"""The end of a run that was not cancelled: final metrics, reward statistics and the
``save_pretrained`` folder with its metadata (the same for both training modes)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from training.engine import checkpoint
from training.engine.evaluate import METADATA, full_metrics
from training.engine.head_mode import head_scores
from training.engine.prepared import PreparedRun, TrainResult, precision_name, score_groups


def finish(run: PreparedRun, out_dir: Path, result: TrainResult) -> None:
    """Final metrics, reward statistics and the save_pretrained folder with metadata."""
    if not run.dist.is_main:
        return
    # Without eval data, statistics come from a sample of the training prompts.
    target = run.eval if run.eval is not None else run.train[:256]
    rewards = head_scores(run, target) if run.config.mode == "head" else score_groups(run, target)
    metrics = full_metrics(target, rewards)
    metrics["on"] = "eval" if run.eval is not None else "train_sample"
    # The model's metrics, not a point of the run's curve: the weights kept may be an
    # earlier step's (the best evaluation).
    run.emit({"event": "eval", "final": True, "step": result.best_step or result.steps, **metrics})
    out_dir.mkdir(parents=True, exist_ok=True)
    run.rm.model.save_pretrained(out_dir)
    run.tokenizer.save_pretrained(out_dir)
    meta = {
        "format": 1,
        "engine": "rankwise.training.engine",
        "status": result.status,
        "data_sha256": run.train_sha,
        "config": run.config.to_dict(),
        "pooling": run.rm.pooling,
        "precision": precision_name(run.device, run.config.precision),
        "metrics": metrics,
        "reward_mean": metrics["reward_mean"],
        "reward_std": metrics["reward_std"],
        "counts": run.counts,
        "steps": result.steps,
        "total_steps": result.total_steps,
        "stopped_early": result.status == "early_stopped",
        "best_step": result.best_step,  # None: the last weights (no evaluation data)
        "best_log_loss": result.best_log_loss,
        "seconds": round(result.seconds, 2),
        "weights_sha256": _weights_hash(out_dir),
    }
    (out_dir / METADATA).write_text(json.dumps(meta, indent=2, default=str))
    checkpoint.clear(out_dir)
    result.metrics, result.counts = metrics, run.counts


def _weights_hash(out_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(out_dir.glob("*.safetensors")):
        digest.update(path.read_bytes())
    return digest.hexdigest()
