"""Small configs and data for engine tests."""

from typing import Any

from training.engine.config import TrainConfig


def tiny_config(backbone: str, **overrides) -> TrainConfig:
    values: dict[str, Any] = {
        "backbone": backbone,
        "epochs": 2,
        "learning_rate": 1e-3,
        "max_length": 48,
        "min_prompt_tokens": 8,
        "token_budget": 256,
        "log_every": 1,
    }
    return TrainConfig(**(values | overrides))


PAIRS = [
    {
        "prompt": f"Question {i}: what is {i} plus {i}?",
        "chosen": f"It is {2 * i}.",
        "rejected": "I do not know, go away." + " really" * (i % 3),
    }
    for i in range(10)
]
RANKINGS = [
    {
        "prompt": f"Write a word about topic {i}.",
        "completions": ["A fine word.", "Nope.", f"Topic {i} is great.", "Maybe later."],
        "ranking": [[2], [0, 3], [1]],
    }
    for i in range(4)
]
