"""A run made ready: data loaded and tokenized, the model built and placed, and what both
training modes (the full loop in ``trainer`` and ``head_mode``) share about it.

Both modes take a ``PreparedRun`` and return a ``TrainResult``; neither imports the other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training.engine import batching, distributed
from training.engine import data as data_mod
from training.engine.config import ConfigError, TrainConfig
from training.engine.evaluate import group_rewards, resolve_device, score_sequences, use_bf16
from training.engine.model import RewardModel, load

Event = dict[str, Any]
DataSource = str | Path | list[dict[str, Any]]


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
class PreparedRun:
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


def prepare(
    config: TrainConfig,
    train_data: DataSource,
    eval_data: DataSource | None,
    on_event: Callable[[Event], None] | None,
) -> PreparedRun:
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
    emit({"event": "log", "message": f"{precision_name(device, config.precision)} on {device}"})
    rm.set_trainable(config.mode, config.top_layers, config.freeze_embeddings)
    rm.to(device)
    if config.gradient_checkpointing and config.mode != "head":
        rm.enable_checkpointing()
    all_counts = {"train": counts.as_dict(), "groups": len(train_enc)}
    all_counts |= {
        "records": train_set.n_records,
        "human_ties": sum(g.tied for g in train_set.groups),
    }
    return PreparedRun(
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


def schedule(total_steps: int, warmup_ratio: float) -> Callable[[int], float]:
    warmup = int(total_steps * warmup_ratio)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        progress = (step - warmup) / max(total_steps - warmup, 1)
        return 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))

    return factor


def score_groups(run: PreparedRun, encoded: list[batching.Encoded]) -> list[np.ndarray]:
    sequences = [s for e in encoded for s in e.sequences]
    config, pad = run.config, run.tokenizer.pad_token_id
    flat = score_sequences(
        run.rm, sequences, pad, run.device, config.token_budget, precision=config.precision
    )
    return group_rewards(encoded, flat)


def precision_name(device: torch.device, setting: str) -> str:
    """What `precision` resolved to: "auto" measures the CPU, so the run records it."""
    return "bf16" if use_bf16(device, setting) else "fp32"
