"""Tiny random backbones (seconds to train) with the packaged MiniLM tokenizer."""

import pytest
from transformers import (
    AutoTokenizer,
    GPT2Config,
    GPT2ForSequenceClassification,
    RobertaConfig,
    RobertaForSequenceClassification,
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


@pytest.fixture(scope="session")
def tiny_roberta(tmp_path_factory):
    """RoBERTa counts positions from padding_idx + 1 and has a sequence classifier head."""
    config = RobertaConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=130,
        pad_token_id=0,  # the MiniLM tokenizer's [PAD]
        num_labels=1,
    )
    return _save(RobertaForSequenceClassification(config), tmp_path_factory.mktemp("roberta"))


@pytest.fixture(params=["tiny_bert", "tiny_gpt2", "tiny_roberta"])
def backbone(request):
    return request.getfixturevalue(request.param)
