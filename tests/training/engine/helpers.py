"""Small configs and data for engine tests."""

from typing import Any

from training.engine.config import TrainConfig, default_backbone

# The size of every tiny random encoder the tests build: 2 layers, 32 wide, the MiniLM
# tokenizer's vocabulary. Trains in seconds.
TINY_ENCODER: dict[str, Any] = {
    "vocab_size": 30522,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "num_labels": 1,
}


def save_with_minilm_tokenizer(model: Any, path: Any) -> str:
    """A random model saved as a backbone folder, with the packaged MiniLM tokenizer."""
    from transformers import AutoTokenizer

    model.save_pretrained(path)
    AutoTokenizer.from_pretrained(default_backbone()).save_pretrained(path)
    return str(path)


def tiny_config(backbone: str, **overrides) -> TrainConfig:
    values: dict[str, Any] = {
        "backbone": backbone,
        "epochs": 2,
        "learning_rate": 1e-3,
        "max_length": 48,
        "min_prompt_tokens": 8,
        "token_budget": 256,
        "log_every": 1,
        "precision": "fp32",  # the same numbers on every CPU (auto measures the CPU)
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
