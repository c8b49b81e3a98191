"""The training loop: listwise batches, AdamW with warmup + cosine, checkpoints, early stop.

Progress goes out as plain dicts through ``on_event``; ``should_stop`` is polled after
every optimizer step (checkpoint, then return ``status="cancelled"``). A new process with
the same ``out_dir`` resumes from the last checkpoint and ends with the same weights.

With evaluation data the run keeps the weights of its best evaluation (lowest validation
log-loss), not its last: a small dataset overfits within a few epochs, and the last weights
can be far worse than the best (log-loss 2.74 at the end after 0.6 near the start). The
best weights, their step and the patience count travel in every checkpoint.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training.engine import batching, checkpoint, distributed, progress
from training.engine import data as data_mod
from training.engine.chat_template import reward_chat_template
from training.engine.config import ConfigError, TrainConfig
from training.engine.evaluate import (
    METADATA,
    autocast,
    full_metrics,
    group_rewards,
    pair_metrics,
    resolve_device,
    score_sequences,
    use_bf16,
)
from training.engine.loss import listwise_loss
from training.engine.model import RewardModel, blocks, load

Event = dict[str, Any]
DataSource = str | Path | list[dict[str, Any]]

# With eval_every = 0, a run evaluates about this many times, evenly spread and at its last
# step: often enough to catch the best weights of a run that overfits, for a few per cent
# of the run's time (an evaluation is a forward pass over the smaller validation split).
AUTO_EVALS = 10


@dataclass
class TrainResult:
    status: str  # "succeeded" | "cancelled" | "early_stopped"
    out_dir: str
    steps: int
    total_steps: int
    metrics: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0  # the whole call: loading, tokenizing, training, evaluating, saving
    pairs_seen: int = 0  # pairs trained on, summed over epochs
    train_seconds: float = 0.0  # forward/backward/optimizer only (no evaluation or saving)
    best_step: int | None = None  # the evaluated step whose weights were kept
    best_log_loss: float | None = None


@dataclass
class _Run:
    """Everything the loop needs, built once (and rebuilt the same way on resume)."""

    config: TrainConfig
    rm: RewardModel
    tokenizer: Any
    device: torch.device
    train: list[batching.Encoded]
    eval: list[batching.Encoded] | None
    emit: Callable[[Event], None]
    dist: distributed.Context
    train_sha: str
    counts: dict[str, Any]


def train(
    config: TrainConfig,
    train_data: DataSource,
    eval_data: DataSource | None = None,
    out_dir: str | Path = "reward-model",
    *,
    on_event: Callable[[Event], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    resume: bool = True,
) -> TrainResult:
    config.validate()
    started = time.perf_counter()
    run = _prepare(config, train_data, eval_data, on_event)
    if not resume:
        if run.dist.is_main:
            checkpoint.clear(out_dir)
        distributed.barrier(run.dist)  # no rank may find a checkpoint that is being cleared
    if config.mode == "head":
        from training.engine.head_mode import train_head

        result = train_head(run, Path(out_dir), should_stop or (lambda: False))
    else:
        result = _loop(run, Path(out_dir), should_stop or (lambda: False))
    result.seconds = time.perf_counter() - started
    if result.status != "cancelled":
        finish(run, Path(out_dir), result)
    distributed.close(run.dist)
    return result


def _prepare(
    config: TrainConfig,
    train_data: DataSource,
    eval_data: DataSource | None,
    on_event: Callable[[Event], None] | None,
) -> _Run:
    dist = distributed.setup(config.device)
    device = dist.device or resolve_device(config.device)
    if config.num_threads:
        torch.set_num_threads(config.num_threads)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

    def emit(event: Event) -> None:
        if on_event is not None and dist.is_main:
            on_event(event)

    train_set = data_mod.load(train_data)
    eval_set = data_mod.load(eval_data) if eval_data is not None else None
    rm, tokenizer = load(config.resolved_backbone(), config.seed, config.dropout)
    encode = _encoder(config, tokenizer)
    train_enc, counts = encode(train_set)
    eval_enc = encode(eval_set)[0] if eval_set is not None else None
    _check_fits(train_enc, config)
    emit({"event": "log", "message": _truncation_message(counts)})
    emit({"event": "log", "message": f"{_precision(device, config.precision)} on {device}"})
    rm.set_trainable(config.mode, config.top_layers, config.freeze_embeddings)
    rm.to(device)
    if config.gradient_checkpointing and config.mode != "head":
        rm.enable_checkpointing()
    all_counts = {"train": counts.as_dict(), "groups": len(train_enc)}
    all_counts |= {
        "records": train_set.n_records,
        "human_ties": sum(g.tied for g in train_set.groups),
    }
    return _Run(
        config, rm, tokenizer, device, train_enc, eval_enc, emit, dist, train_set.sha256, all_counts
    )


def _encoder(config: TrainConfig, tokenizer: Any) -> Callable[[data_mod.Dataset], Any]:
    def encode(dataset: data_mod.Dataset) -> Any:
        return batching.encode_groups(
            dataset.groups,
            tokenizer,
            config.max_length,
            config.min_prompt_tokens,
            config.cache_dir,
            config.max_prompt_tokens,
        )

    return encode


def _check_fits(encoded: list[batching.Encoded], config: TrainConfig) -> None:
    worst = max(encoded, key=lambda e: e.cost)
    if worst.cost > config.token_budget:
        raise ConfigError(
            f"token_budget={config.token_budget} cannot hold one prompt's "
            f"{len(worst.sequences)} completions of up to {worst.longest} tokens "
            f"({worst.cost} tokens); raise token_budget or lower max_length"
        )


def _truncation_message(counts: batching.TruncationCounts) -> str:
    return (
        f"{counts.truncated_sequences} of {counts.sequences} sequences truncated "
        f"(prompt cut from the left); {counts.pairs_with_truncation} of {counts.pairs} pairs "
        "touch a truncated sequence and are kept; 0 pairs dropped"
    )


def _optimizer(run: _Run) -> torch.optim.Optimizer:
    config = run.config
    head = {id(p) for p in run.rm.head_parameters()}
    params = [p for p in run.rm.parameters() if p.requires_grad]
    head_lr = config.head_learning_rate or config.learning_rate * 10
    scale = _layer_scales(run.rm, config.layer_lr_decay)
    by_lr: dict[float, list[torch.nn.Parameter]] = {}
    for p in params:
        lr = head_lr if id(p) in head else config.learning_rate * scale.get(id(p), 1.0)
        by_lr.setdefault(lr, []).append(p)
    groups = [{"params": group, "lr": lr} for lr, group in by_lr.items()]
    # The fused kernel exists for CPU and CUDA; on CPU it is ~6x faster than the default.
    fused = run.device.type in ("cpu", "cuda")
    return torch.optim.AdamW(groups, weight_decay=config.weight_decay, fused=fused)


def _layer_scales(rm: RewardModel, decay: float) -> dict[int, float]:
    """Layer-wise learning-rate decay: the top block trains at the full rate, each block
    below at `decay` times the one above, the embeddings below the lowest block."""
    if decay == 1.0:
        return {}
    layers = list(blocks(rm.model.base_model))
    scale = {
        id(p): decay ** (len(layers) - 1 - i) for i, b in enumerate(layers) for p in b.parameters()
    }
    scale.update({id(p): decay ** len(layers) for p in rm.embedding_parameters()})
    return scale


def schedule(total_steps: int, warmup_ratio: float) -> Callable[[int], float]:
    warmup = int(total_steps * warmup_ratio)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        progress = (step - warmup) / max(total_steps - warmup, 1)
        return 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))

    return factor


def _loop(run: _Run, out_dir: Path, should_stop: Callable[[], bool]) -> TrainResult:
    config, rm, dist = run.config, run.rm, run.dist
    # Packing differs a little between epochs (the order inside a length bucket is
    # shuffled), so each epoch has its own number of micro-batches.
    sizes = [
        len(distributed.shard(batching.plan(run.train, config.token_budget, config.seed, e), dist))
        for e in range(math.ceil(config.epochs))
    ]
    whole = int(config.epochs)
    total_micro = sum(sizes[:whole])
    if config.epochs > whole:
        total_micro += math.ceil((config.epochs - whole) * sizes[whole])
    total_micro = max(1, total_micro)
    total_steps = math.ceil(total_micro / config.grad_accum)
    eval_every = config.eval_every or max(1, math.ceil(total_steps / AUTO_EVALS))
    optimizer = _optimizer(run)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, schedule(total_steps, config.warmup_ratio)
    )
    model = distributed.wrap(rm, dist)
    state: dict[str, Any] = {
        "micro": 0,
        "step": 0,
        "best_loss": math.inf,
        "best_step": None,
        "bad_evals": 0,
        "pairs": 0,
        "train_seconds": 0.0,
        "fingerprint": state_fingerprint(run),
    }
    best: dict[str, torch.Tensor] | None = None
    ema = _Average(rm, config.ema_decay) if config.ema_decay else None
    found = checkpoint.latest(out_dir)
    if found is not None:
        saved = checkpoint.load(found)
        if saved["state"].get("fingerprint") != state_fingerprint(run):  # before any load:
            raise ConfigError(  # other settings may mean other optimizer groups
                f"{found} was written for other data or settings: "
                "pass resume=False (--no-resume) or use a new out_dir"
            )
        rm.load_state_dict(saved["model"], strict=False)
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        state, best = saved["state"], saved.get("best")
        if ema is not None:
            ema.load(saved["ema"])
        if "rng" in saved:  # dropout masks continue as if never interrupted
            torch.set_rng_state(saved["rng"])
        if "cuda_rng" in saved and run.device.type == "cuda":
            torch.cuda.set_rng_state(saved["cuda_rng"], run.device)
        run.emit({"event": "log", "message": f"resumed from {found.name} (step {state['step']})"})

    def snapshot() -> dict[str, Any]:
        return {
            "model": _trainable_state(rm),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "state": dict(state),
            "best": best,
            **({"ema": ema.state()} if ema is not None else {}),
            "rng": torch.get_rng_state(),
            **(
                {"cuda_rng": torch.cuda.get_rng_state(run.device)}
                if run.device.type == "cuda"
                else {}
            ),
        }

    # Where this process starts: a consumer drops what it recorded past a resumed step.
    run.emit({"event": "start", "step": state["step"], "total_steps": total_steps})
    plans: dict[int, list[tuple[list[int], float]]] = {}
    window_start, window_pairs, step_pairs = time.perf_counter(), 0, 0
    eta, timed = progress.Eta(), (state["step"], state["train_seconds"])
    rm.train()
    status = "succeeded"
    while state["micro"] < total_micro:
        tick = time.perf_counter()
        epoch, position = _locate(state["micro"], sizes)
        if epoch not in plans:
            plans = {
                epoch: distributed.shard(
                    batching.plan(run.train, config.token_budget, config.seed, epoch), dist
                )
            }
        items, scale = plans[epoch][position]
        batch = batching.collate(
            [run.train[i] for i in items], run.tokenizer.pad_token_id, config.margin_scale
        )
        batch = batch.to(run.device)
        with autocast(run.device, config.precision):
            rewards = model(batch.input_ids, batch.attention_mask).float()
        loss = listwise_loss(
            rewards,
            batch.chosen,
            batch.rejected,
            batch.weight,
            batch.margin,
            batch.n_records,
            config.center_coef,
        )
        (loss * scale / config.grad_accum).backward()
        state["micro"] += 1
        step_pairs += batch.n_pairs if scale else 0  # scale 0: a rank's filler batch
        if state["micro"] % config.grad_accum and state["micro"] < total_micro:
            state["train_seconds"] += time.perf_counter() - tick
            continue
        if config.max_grad_norm:
            torch.nn.utils.clip_grad_norm_(
                [p for p in rm.parameters() if p.requires_grad], config.max_grad_norm
            )
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        state["step"] += 1
        if ema is not None:
            ema.update(state["step"])
        # One exchange per step: every rank's pairs, and whether any rank was told to stop
        # (a signal reaches each process at its own moment; all must stop at one step).
        stop, step_pairs = (
            int(v) for v in distributed.sum_over_ranks([should_stop(), step_pairs], dist)
        )
        state["pairs"] += step_pairs
        window_pairs, step_pairs = window_pairs + step_pairs, 0
        state["train_seconds"] += time.perf_counter() - tick  # excludes evaluation and saving
        if state["step"] % config.log_every == 0 or state["step"] == total_steps:
            elapsed = time.perf_counter() - window_start
            rate = window_pairs / max(elapsed, 1e-9)
            eta.stepped(state["step"] - timed[0], state["train_seconds"] - timed[1])
            timed = (state["step"], state["train_seconds"])
            left = eta.seconds_left(
                total_steps - state["step"],
                progress.evals_left(state["step"], total_steps, eval_every) if run.eval else 0,
            )
            run.emit(
                {
                    "event": "step",
                    "step": state["step"],
                    "total_steps": total_steps,
                    "epoch": round(_epochs_done(state["micro"], sizes), 3),
                    "loss": float(loss.detach()),
                    "lr": scheduler.get_last_lr()[0],
                    "pairs_per_s": round(rate, 2),
                    "eta_s": None if left is None else round(left, 1),
                }
            )
            window_start, window_pairs = time.perf_counter(), 0
        if run.eval is not None and _eval_due(state["step"], total_steps, eval_every):
            evaluating = time.perf_counter()
            with ema.swapped() if ema is not None else contextlib.nullcontext():
                metrics = pair_metrics(run.eval, _score(run, run.eval))
                improved = metrics["log_loss"] < state["best_loss"] - 1e-4
                if improved:
                    best = _trainable_state(rm)  # the weights evaluated (the average, if on)
            eta.evaluated(time.perf_counter() - evaluating)
            run.emit({"event": "eval", "step": state["step"], **metrics})
            if improved:
                state["best_loss"], state["bad_evals"] = metrics["log_loss"], 0
                state["best_step"] = state["step"]
            else:
                state["bad_evals"] += 1
            patience_out = bool(config.early_stopping_patience) and (
                state["bad_evals"] >= config.early_stopping_patience
            )
            if distributed.any_rank(patience_out, dist):  # every rank stops at the same step
                status = "early_stopped"
                break
        if (
            config.checkpoint_every
            and state["step"] % config.checkpoint_every == 0
            and dist.is_main
        ):
            checkpoint.save(out_dir, state["step"], snapshot(), config.keep_checkpoints)
        if stop:
            if dist.is_main:
                checkpoint.save(out_dir, state["step"], snapshot(), config.keep_checkpoints)
            return _result("cancelled", out_dir, state, total_steps)
    if ema is not None:
        ema.copy_to_model()  # the average is the model that gets evaluated and saved
    if best is not None:
        rm.load_state_dict(best, strict=False)  # the best evaluation's weights are the model
    return _result(status, out_dir, state, total_steps)


class _Average:
    """Exponential moving average of the trainable weights, in float32 beside them.

    The decay ramps up as ``min(decay, (1 + step) / (10 + step))`` so the first steps,
    from the freshly made head, do not dominate the average of a short run."""

    def __init__(self, rm: RewardModel, decay: float):
        self.decay = decay
        self.params: list[torch.Tensor] = [p for p in rm.parameters() if p.requires_grad]
        self.shadow = [p.detach().clone() for p in self.params]

    @torch.no_grad()
    def update(self, step: int) -> None:
        decay = min(self.decay, (1 + step) / (10 + step))
        torch._foreach_lerp_(self.shadow, self.params, 1 - decay)

    def state(self) -> list[torch.Tensor]:
        return [t.detach().cpu().clone() for t in self.shadow]

    def load(self, saved: list[torch.Tensor]) -> None:
        _copy(self.shadow, saved)

    def copy_to_model(self) -> None:
        _copy(self.params, self.shadow)

    @contextlib.contextmanager
    def swapped(self) -> Iterator[None]:
        """The average in the model for a while (an evaluation), the live weights after."""
        live = [p.detach().clone() for p in self.params]
        self.copy_to_model()
        try:
            yield
        finally:
            _copy(self.params, live)


@torch.no_grad()
def _copy(targets: Sequence[torch.Tensor], sources: Sequence[torch.Tensor]) -> None:
    for target, source in zip(targets, sources, strict=True):
        target.copy_(source)


def _result(status: str, out_dir: Path, state: dict[str, Any], total_steps: int) -> TrainResult:
    best_step = state.get("best_step")  # absent from checkpoints of older versions
    return TrainResult(
        status,
        str(out_dir),
        state["step"],
        total_steps,
        pairs_seen=state["pairs"],
        train_seconds=round(state["train_seconds"], 3),
        best_step=best_step,
        best_log_loss=state["best_loss"] if best_step is not None else None,
    )


def _locate(micro: int, sizes: list[int]) -> tuple[int, int]:
    for epoch, size in enumerate(sizes):
        if micro < size:
            return epoch, micro
        micro -= size
    raise IndexError("micro-batch past the last epoch")


def _epochs_done(micro: int, sizes: list[int]) -> float:
    epoch, position = _locate(micro, sizes) if micro < sum(sizes) else (len(sizes), 0)
    return epoch + (position / sizes[epoch] if epoch < len(sizes) else 0.0)


def _eval_due(step: int, total_steps: int, every: int) -> bool:
    """Every ``every`` steps and at the last one (so the end is always compared)."""
    return step % every == 0 or step == total_steps


def state_fingerprint(run: _Run) -> str:
    """What a checkpoint must match to be resumed: the data and the settings that shape
    training (not logging, checkpointing or device placement)."""
    loose = {"checkpoint_every", "keep_checkpoints", "log_every", "device", "num_threads", "extra"}
    settings = {k: v for k, v in run.config.to_dict().items() if k not in loose}
    blob = json.dumps([run.train_sha, settings], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _trainable_state(rm: RewardModel) -> dict[str, torch.Tensor]:
    names = {n for n, p in rm.named_parameters() if p.requires_grad}
    return {k: v.detach().cpu().clone() for k, v in rm.state_dict().items() if k in names}


def _score(run: _Run, encoded: list[batching.Encoded]) -> list[np.ndarray]:
    sequences = [s for e in encoded for s in e.sequences]
    config, pad = run.config, run.tokenizer.pad_token_id
    flat = score_sequences(
        run.rm, sequences, pad, run.device, config.token_budget, precision=config.precision
    )
    return group_rewards(encoded, flat)


def finish(run: _Run, out_dir: Path, result: TrainResult) -> None:
    """Final metrics, reward statistics and the save_pretrained folder with metadata."""
    if not run.dist.is_main:
        return
    # Without eval data, statistics come from a sample of the training prompts.
    target = run.eval if run.eval is not None else run.train[:256]
    if run.config.mode == "head":
        from training.engine.head_mode import head_scores

        rewards = head_scores(run, target)
    else:
        rewards = _score(run, target)
    metrics = full_metrics(target, rewards)
    metrics["on"] = "eval" if run.eval is not None else "train_sample"
    # The model's metrics, not a point of the run's curve: the weights kept may be an
    # earlier step's (the best evaluation).
    run.emit({"event": "eval", "final": True, "step": result.best_step or result.steps, **metrics})
    out_dir.mkdir(parents=True, exist_ok=True)
    run.rm.model.save_pretrained(out_dir)
    # Trainers that load the folder themselves (TRL, verl) render chats with this template.
    run.tokenizer.chat_template = reward_chat_template(run.tokenizer)
    run.tokenizer.save_pretrained(out_dir)
    meta = {
        "format": 1,
        "engine": "rankwise.training.engine",
        "status": result.status,
        "data_sha256": run.train_sha,
        "config": run.config.to_dict(),
        "pooling": run.rm.pooling,
        "precision": _precision(run.device, run.config.precision),
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


def _precision(device: torch.device, setting: str) -> str:
    """What `precision` resolved to: "auto" measures the CPU, so the run records it."""
    return "bf16" if use_bf16(device, setting) else "fp32"


def _weights_hash(out_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(out_dir.glob("*.safetensors")):
        digest.update(path.read_bytes())
    return digest.hexdigest()
