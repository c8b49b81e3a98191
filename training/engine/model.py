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

Position ids come from the attention mask (``cumsum - 1``, shifted past the padding index
for RoBERTa-style embeddings), so a sequence scores the same with left or right padding and
in any batch; with right padding they equal the defaults plain transformers uses.

Encoder fast path. For BERT-family encoders (BERT, MiniLM, RoBERTa, ELECTRA ... with
absolute positions) the engine runs the blocks itself with the model's own modules:

* the tokens are packed without padding for every linear layer, GELU and LayerNorm (only
  attention sees the padded layout), so padding costs nothing outside attention;
* the last block runs for the pooled token only: its keys and values still come from every
  token, but the query, the attention output and the feed-forward layer run on one position
  (a sixth of MiniLM's compute);
* on CPU under bf16 autocast the attention runs in float32: PyTorch's CPU flash-attention
  kernel was ~2x faster in float32 than in bf16 for 32-wide heads (benchmarks/training).

The result equals transformers' own forward and its gradients (tested), so the saved
folder scores the same in plain transformers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from training.engine.config import ConfigError


class RewardModel(nn.Module):
    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model
        self.kind = _head_kind(model)
        self.pooling = "last" if self.kind == "score" else "first"
        self.encoder_layers = _encoder_layers(model) if self.pooling == "first" else None

    def enable_checkpointing(self) -> None:
        """Activation (gradient) checkpointing: transformers 5 name first, then 4's."""
        kwargs = {"use_reentrant": False}
        if hasattr(self.model, "activation_checkpointing_enable"):
            self.model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
        else:
            self.model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)

    @property
    def checkpointing(self) -> bool:
        """True once checkpointing is on: the flag transformers sets on the layers it wraps."""
        return any(getattr(m, "gradient_checkpointing", False) for m in self.model.modules())

    def position_ids(self, attention_mask: torch.Tensor) -> torch.Tensor:
        positions = (attention_mask.cumsum(-1) - 1).clamp(min=0)
        embeddings = getattr(self.model.base_model, "embeddings", None)
        padding_idx = getattr(embeddings, "padding_idx", None)
        if isinstance(padding_idx, int):  # RoBERTa counts positions from padding_idx + 1
            positions = (positions + padding_idx + 1) * attention_mask + padding_idx * (
                1 - attention_mask
            )
        return positions

    def backbone(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.model.base_model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=self.position_ids(attention_mask),
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
        if self.encoder_layers is not None:
            return self._encoder_features(input_ids, attention_mask)
        return self.pool(self.backbone(input_ids, attention_mask), attention_mask)

    def _encoder_features(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        """The fast path: the pooled token's last hidden state, (B, H)."""
        assert self.encoder_layers is not None
        hidden = self.model.base_model.embeddings(
            input_ids=input_ids, position_ids=self.position_ids(attention_mask)
        )
        packed = _Packed.of(attention_mask)
        tokens = packed.unpad(hidden)
        *lower, last = self.encoder_layers
        recompute = self.training and self.checkpointing
        for layer in lower:
            if recompute:  # what transformers' layers do when checkpointing is on
                tokens = checkpoint(_encoder_block, layer, tokens, packed, use_reentrant=False)
            else:
                tokens = _encoder_block(layer, tokens, packed)
        # Rows are packed in order, so a row's first attended token follows the rows before.
        lengths = attention_mask.sum(-1)
        first = lengths.cumsum(0) - lengths
        return _encoder_block(last, tokens, packed, queries=tokens[first])

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(input_ids, attention_mask))

    def head_parameters(self) -> list[nn.Parameter]:
        if self.kind == "score":
            return list(self.model.score.parameters())
        params = list(self.model.classifier.parameters())
        if self.kind == "pooler":
            params += list(self.model.base_model.pooler.parameters())
        return params

    def embedding_parameters(self) -> list[nn.Parameter]:
        """The backbone's parameters below its first block: token, position and type
        embeddings and their norm (BERT `embeddings.*`, GPT-2 `wte`/`wpe`, Llama
        `embed_tokens`)."""
        token = self.model.get_input_embeddings().weight
        return [
            p
            for name, p in self.model.base_model.named_parameters()
            if p is token or "embed" in name or name.startswith(("wte", "wpe"))
        ]

    def set_trainable(self, mode: str, top_layers: int, freeze_embeddings: bool = False) -> None:
        """full: everything; top_layers: head + last N blocks + final norms; head: head only.
        ``freeze_embeddings`` keeps the token embedding matrix fixed in every mode."""
        head_ids = {id(p) for p in self.head_parameters()}
        for p in self.model.parameters():
            p.requires_grad_(mode == "full" or id(p) in head_ids)
        if freeze_embeddings:
            self.model.get_input_embeddings().requires_grad_(False)
        if mode != "top_layers":
            return
        layers = blocks(self.model.base_model)
        if top_layers > len(layers):
            raise ConfigError(f"top_layers={top_layers}: the backbone has {len(layers)} layers")
        for block in list(layers)[-top_layers:]:
            block.requires_grad_(True)
        below = {id(p) for p in layers.parameters()} | {id(p) for p in self.embedding_parameters()}
        for p in self.model.base_model.parameters():
            if id(p) not in below:
                p.requires_grad_(True)  # final norms (GPT-2 ln_f, Llama norm)


def load(backbone: str, seed: int, dropout: float | None = 0.0) -> tuple[RewardModel, Any]:
    """Model and tokenizer; the seed is set first so a fresh head is the same every run.

    ``dropout``: a probability for every dropout layer, or None for the backbone's own."""
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
    if dropout is not None:
        set_dropout(model, dropout)
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
    """Dropout off, for scoring."""
    set_dropout(model, 0.0)


def set_dropout(model: nn.Module, p: float) -> None:
    """Every dropout layer (and the config values saved with the model) at probability p."""
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = p
    config = getattr(model, "config", None)
    for key, value in (vars(config) if config is not None else {}).items():
        if "dropout" in key and isinstance(value, float):
            setattr(config, key, p)


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


def _encoder_layers(model: Any) -> list[nn.Module] | None:
    """The blocks of a BERT-family encoder the fast path can run, or None (full forward)."""
    config, base = model.config, model.base_model
    if getattr(config, "is_decoder", False) or getattr(config, "add_cross_attention", False):
        return None
    if getattr(config, "position_embedding_type", "absolute") not in (None, "absolute"):
        return None
    layers = getattr(getattr(base, "encoder", None), "layer", None)
    if not isinstance(layers, nn.ModuleList) or not hasattr(base, "embeddings"):
        return None
    parts = ("query", "key", "value", "num_attention_heads", "attention_head_size")
    for layer in layers:
        attention = getattr(layer, "attention", None)
        self_attention = getattr(attention, "self", None)
        if not (
            all(hasattr(self_attention, name) for name in parts)
            and hasattr(attention, "output")
            and hasattr(layer, "intermediate")
            and hasattr(layer, "output")
        ):
            return None
    return list(layers)


@dataclass
class _Packed:
    """The attended tokens of a padded (B, L) batch, packed row by row into (N, H): the
    blocks' linear layers skip padding, and only attention sees the padded layout."""

    index: torch.Tensor  # (N,) flat positions of the attended tokens in B * L
    batch: int
    length: int
    keys: torch.Tensor  # (B, 1, 1, L) bool: padding is never a key

    @classmethod
    def of(cls, attention_mask: torch.Tensor) -> _Packed:
        index = attention_mask.flatten().nonzero().squeeze(1)
        keys = attention_mask.bool()[:, None, None, :]
        return cls(index, attention_mask.shape[0], attention_mask.shape[1], keys)

    def pad(self, tokens: torch.Tensor) -> torch.Tensor:
        """(N, H) -> (B, L, H) with zeros at padding."""
        out = tokens.new_zeros(self.batch * self.length, tokens.shape[-1])
        out.index_copy_(0, self.index, tokens)  # in place on a fresh buffer: no extra copy
        return out.view(self.batch, self.length, -1)

    def unpad(self, padded: torch.Tensor) -> torch.Tensor:
        """(B, L, H) -> (N, H)."""
        return padded.reshape(self.batch * self.length, -1).index_select(0, self.index)


def _encoder_block(
    layer: Any, tokens: torch.Tensor, packed: _Packed, queries: torch.Tensor | None = None
) -> torch.Tensor:
    """One BERT block with the block's own modules on packed tokens (N, H). With `queries`
    (B, H), only those positions come out (B, H); keys and values still come from all."""
    attention = layer.attention.self
    heads, size = attention.num_attention_heads, attention.attention_head_size

    def split(x: torch.Tensor) -> torch.Tensor:  # (B, T, H) -> (B, heads, T, size)
        return x.view(x.shape[0], x.shape[1], heads, size).transpose(1, 2)

    inputs = tokens if queries is None else queries
    width = attention.key.out_features
    if queries is None:  # one GEMM and one scatter for q, k and v together
        qkv = packed.pad(_fused(tokens, attention.query, attention.key, attention.value))
        q, k, v = (split(part) for part in qkv.split(width, dim=-1))
    else:
        q = split(attention.query(queries)[:, None])
        kv = packed.pad(_fused(tokens, attention.key, attention.value))
        k, v = (split(part) for part in kv.split(width, dim=-1))
    dropout = attention.dropout.p if layer.training else 0.0
    if q.device.type == "cpu" and q.dtype == torch.bfloat16:
        with torch.autocast("cpu", enabled=False):  # float32 attention is faster on CPU
            context = F.scaled_dot_product_attention(
                q.float(), k.float(), v.float(), attn_mask=packed.keys, dropout_p=dropout
            ).to(q.dtype)
    else:
        context = F.scaled_dot_product_attention(q, k, v, attn_mask=packed.keys, dropout_p=dropout)
    context = context.transpose(1, 2).flatten(2)  # (B, T, H)
    context = packed.unpad(context) if queries is None else context[:, 0]
    attended = layer.attention.output(context, inputs)
    return layer.output(layer.intermediate(attended), attended)


def _fused(x: torch.Tensor, *linears: nn.Linear) -> torch.Tensor:
    """Several projections of the same input as one matrix product (outputs side by side)."""
    weight = torch.cat([m.weight for m in linears])
    biases = [m.bias for m in linears]
    bias = None if any(b is None for b in biases) else torch.cat(biases)  # type: ignore[arg-type]
    return F.linear(x, weight, bias)


def blocks(base: nn.Module) -> nn.ModuleList:
    lists = [m for m in base.modules() if isinstance(m, nn.ModuleList)]
    if not lists:
        raise ConfigError("top_layers: the backbone has no list of transformer layers")
    return max(lists, key=len)
