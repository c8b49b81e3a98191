"""Rankwise reward-model training engine: plain PyTorch + transformers, no Django.

    from training.engine import TrainConfig, train, evaluate, RewardScorer

    result = train(TrainConfig(epochs=2), "pairs.jsonl", "eval.jsonl", "out/",
                   on_event=print, should_stop=lambda: False)
    RewardScorer("out/").score(prompt, [completion_a, completion_b])

See model.py for the pooling decision and benchmarks/training/README.md for measurements.
"""

import os

# Weights never come from a hub at run time unless the caller says otherwise.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from training.engine.config import ConfigError, TrainConfig
from training.engine.data import DataError
from training.engine.evaluate import RewardScorer, evaluate
from training.engine.trainer import TrainResult, train

__all__ = [
    "ConfigError",
    "DataError",
    "RewardScorer",
    "TrainConfig",
    "TrainResult",
    "evaluate",
    "train",
]
