"""Tiny random backbones (seconds to train) with the packaged MiniLM tokenizer."""

import pytest
from transformers import (
    GPT2Config,
    GPT2ForSequenceClassification,
    RobertaConfig,
    RobertaForSequenceClassification,
)

from tests.training.engine.helpers import TINY_ENCODER, save_with_minilm_tokenizer


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
    path = tmp_path_factory.mktemp("gpt2")
    return save_with_minilm_tokenizer(GPT2ForSequenceClassification(config), path)


@pytest.fixture(scope="session")
def tiny_roberta(tmp_path_factory):
    """RoBERTa counts positions from padding_idx + 1 and has a sequence classifier head."""
    # pad_token_id 0: the MiniLM tokenizer's [PAD]; positions 2..129 for 128 tokens
    config = RobertaConfig(**TINY_ENCODER, max_position_embeddings=130, pad_token_id=0)
    path = tmp_path_factory.mktemp("roberta")
    return save_with_minilm_tokenizer(RobertaForSequenceClassification(config), path)


@pytest.fixture(params=["tiny_bert", "tiny_gpt2", "tiny_roberta"])
def backbone(request):
    return request.getfixturevalue(request.param)
