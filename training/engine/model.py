"""Backbone + scalar head, read at one token chosen from the attention mask.

Pooling decision. The saved folder must load in plain transformers as
``AutoModelForSequenceClassification`` and give the engine's rewards, so the engine reads
the reward at the token that architecture's own classification head reads, but finds that
token from the attention mask instead of from fixed positions:

* causal decoders (GPT-2, Llama, Qwen, Mistral ... ``*ForSequenceClassification`` with a
  ``score`` layer): the **last attended token**, the only one that has seen the whole text.
  Transformers pools the last non-pad token too, so the scores agree.
* bidirectional encoders (BERT/MiniLM, RoBERTa ...): every token attends to the whole text,
  so "the token that has seen everything" is any of them; the architecture's head reads
  the first ([CLS]) through its pooler, and so does the engine. Reading the last token of
  an encoder would need a custom head that plain transformers cannot load.

Position ids come from the attention mask (``cumsum - 1``), so a sequence scores the same
with left or right padding and in any batch; with right padding they equal the defaults
plain transformers uses.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from training.engine.config import ConfigError


class RewardModel(nn.Module):
    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model
        self.kind = _head_kind(model)
        self.pooling = "last" if self.kind == "score" else "first"

    def backbone(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        position_ids = (attention_mask.cumsum(-1) - 1).clamp(min=0)
        out = self.model.base_model(
            input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids
        )
        return out[0]

    def pool(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        if self.pooling == "last":
            positions = torch.arange(attention_mask.shape[1], device=attention_mask.device)
            index = (positions * attention_mask).argmax(-1)
        else:
            index = attention_mask.argmax(-1)  # first attended position
        return hidden[torch.arange(hidden.shape[0], device=hidden.device), index]

    def head(self, features: torch.Tensor) -> torch.Tensor:
        """Scalar reward from pooled features (B, H) -> (B,), float32."""
        if self.kind == "score":
            out = self.model.score(features)
        elif self.kind == "pooler":
            pooled = self.model.base_model.pooler(features[:, None, :])
            out = self.model.classifier(pooled)
        else:  # RoBERTa-style heads take the sequence and read position 0 themselves
            out = self.model.classifier(features[:, None, :])
        return out.squeeze(-1).float()

    def features(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.pool(self.backbone(input_ids, attention_mask), attention_mask)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(input_ids, attention_mask))

    def head_parameters(self) -> list[nn.Parameter]:
        if self.kind == "score":
            return list(self.model.score.parameters())
        params = list(self.model.classifier.parameters())
        if self.kind == "pooler":
            params += list(self.model.base_model.pooler.parameters())
        return params

    def set_trainable(self, mode: str, top_layers: int) -> None:
        """full: everything; top_layers: head + last N blocks + final norms; head: head only."""
        head_ids = {id(p) for p in self.head_parameters()}
        for p in self.model.parameters():
            p.requires_grad_(mode == "full" or id(p) in head_ids)
        if mode != "top_layers":
            return
        blocks = _blocks(self.model.base_model)
        if top_layers > len(blocks):
            raise ConfigError(f"top_layers={top_layers}: the backbone has {len(blocks)} layers")
        for block in list(blocks)[-top_layers:]:
            block.requires_grad_(True)
        in_blocks = {id(p) for p in blocks.parameters()}
        for name, p in self.model.base_model.named_parameters():
            if id(p) not in in_blocks and "embed" not in name and not name.startswith("wte"):
                p.requires_grad_(True)  # final norms (GPT-2 ln_f, Llama norm)


def load(backbone: str, seed: int) -> tuple[RewardModel, Any]:
    """Model and tokenizer; the seed is set first so a fresh head is the same every run."""
    tokenizer = load_tokenizer(backbone)
    torch.manual_seed(seed)
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            backbone, num_labels=1, dtype=torch.float32
        )
    except (OSError, ValueError) as exc:
        raise ConfigError(f"backbone={backbone!r}: cannot load a model ({exc})") from exc
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    disable_dropout(model)
    return RewardModel(model), tokenizer


def load_tokenizer(backbone: str) -> Any:
    try:
        tokenizer = AutoTokenizer.from_pretrained(backbone)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"backbone={backbone!r} has no usable tokenizer ({exc})") from exc
    if len(tokenizer) <= len(tokenizer.all_special_ids):
        # transformers 5 builds an empty tokenizer from a bare config: that is no tokenizer
        raise ConfigError(f"backbone={backbone!r} has no usable tokenizer (empty vocabulary)")
    if not getattr(tokenizer, "is_fast", False):
        raise ConfigError(f"backbone={backbone!r}: a fast tokenizer is needed")
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise ConfigError(f"backbone={backbone!r}: the tokenizer has no pad or eos token")
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def disable_dropout(model: nn.Module) -> None:
    """Dropout off: the two sides of a pair must see the same network, and runs replay."""
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.0
    config = getattr(model, "config", None)
    for key, value in (vars(config) if config is not None else {}).items():
        if "dropout" in key and isinstance(value, float):
            setattr(config, key, 0.0)


def _head_kind(model: Any) -> str:
    if isinstance(getattr(model, "score", None), nn.Linear):
        return "score"
    classifier = getattr(model, "classifier", None)
    if isinstance(classifier, nn.Linear) and getattr(model.base_model, "pooler", None) is not None:
        return "pooler"
    if isinstance(classifier, nn.Module) and not isinstance(classifier, nn.Linear):
        return "sequence"
    raise ConfigError(
        f"{type(model).__name__}: unsupported head; supported are decoder `score` heads and "
        "BERT/RoBERTa-style classifiers"
    )


def _blocks(base: nn.Module) -> nn.ModuleList:
    lists = [m for m in base.modules() if isinstance(m, nn.ModuleList)]
    if not lists:
        raise ConfigError("top_layers: the backbone has no list of transformer layers")
    return max(lists, key=len)
