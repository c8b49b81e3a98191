"""Tiny random backbones (seconds to train) with the packaged MiniLM tokenizer."""

import pytest
from transformers import (
    AutoTokenizer,
    GPT2Config,
    GPT2ForSequenceClassification,
)

from training.engine.config import default_backbone


def _save(model, path):
    tokenizer = AutoTokenizer.from_pretrained(default_backbone())
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


@pytest.fixture(scope="session")
def tiny_bert(tiny_backbone):
    """The tiny BERT of tests/conftest.py."""
    return tiny_backbone


@pytest.fixture(scope="session")
def tiny_gpt2(tmp_path_factory):
    config = GPT2Config(
        vocab_size=30522, n_embd=32, n_layer=2, n_head=2, n_positions=128, num_labels=1
    )
    config.pad_token_id = 0  # the MiniLM tokenizer's [PAD]
    return _save(GPT2ForSequenceClassification(config), tmp_path_factory.mktemp("gpt2"))


@pytest.fixture(params=["tiny_bert", "tiny_gpt2"])
def backbone(request):
    return request.getfixturevalue(request.param)
