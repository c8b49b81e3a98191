"""Length-grouped, token-budgeted batches of whole prompt groups (listwise batching).

A batch holds whole groups, so every pair's two completions are in the same forward pass
and each distinct completion is scored once. Groups of similar length go together, which
keeps padding small; the batch order is shuffled per epoch with the run's seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch

from training.engine import tokenize
from training.engine.data import Group

_BUCKET = 16  # tokens: lengths within a bucket count as equal, so epochs differ in order


@dataclass
class Encoded:
    """A group after tokenization: one id list per distinct completion."""

    group: Group
    sequences: list[list[int]]

    @property
    def longest(self) -> int:
        return max(len(s) for s in self.sequences)

    @property
    def cost(self) -> int:
        return len(self.sequences) * self.longest


@dataclass
class Batch:
    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    chosen: torch.Tensor  # row index of each pair's chosen completion
    rejected: torch.Tensor
    weight: torch.Tensor
    margin: torch.Tensor
    n_records: int  # source records in the batch: the loss is a mean over them
    n_pairs: int

    def to(self, device: torch.device) -> Batch:
        return Batch(
            self.input_ids.to(device, non_blocking=True),
            self.attention_mask.to(device, non_blocking=True),
            self.chosen.to(device),
            self.rejected.to(device),
            self.weight.to(device),
            self.margin.to(device),
            self.n_records,
            self.n_pairs,
        )


def plan(encoded: list[Encoded], token_budget: int, seed: int, epoch: int) -> list[list[int]]:
    """Group indices per batch for one epoch; deterministic in (seed, epoch)."""
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(len(encoded)))
    rng.shuffle(order)
    order.sort(key=lambda i: encoded[i].longest // _BUCKET)
    batches: list[list[int]] = []
    current: list[int] = []
    rows = longest = 0
    for i in order:
        item = encoded[i]
        grown = (rows + len(item.sequences)) * max(longest, item.longest)
        if current and grown > token_budget:
            batches.append(current)
            current, rows, longest = [], 0, 0
        current.append(i)
        rows += len(item.sequences)
        longest = max(longest, item.longest)
    if current:
        batches.append(current)
    rng.shuffle(batches)
    return batches


def collate(items: list[Encoded], pad_id: int, margin_scale: float = 1.0) -> Batch:
    sequences = [s for item in items for s in item.sequences]
    width = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    chosen, rejected, weight, margin = [], [], [], []
    offset = n_records = 0
    for item in items:
        for pair in item.group.pairs:
            chosen.append(offset + pair.chosen)
            rejected.append(offset + pair.rejected)
            weight.append(pair.weight)
            margin.append(pair.margin * margin_scale)
        offset += len(item.sequences)
        n_records += item.group.n_records
    return Batch(
        ids,
        mask,
        torch.tensor(chosen, dtype=torch.long),
        torch.tensor(rejected, dtype=torch.long),
        torch.tensor(weight, dtype=torch.float32),
        torch.tensor(margin, dtype=torch.float32),
        n_records,
        len(chosen),
    )


@dataclass
class TruncationCounts:
    sequences: int = 0
    truncated_sequences: int = 0
    pairs: int = 0
    pairs_with_truncation: int = 0  # kept and trained on, never dropped

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


def encode_groups(
    groups: list[Group],
    tokenizer: object,
    max_length: int,
    min_prompt_tokens: int,
    cache_dir: str = "",
    max_prompt_tokens: int = 0,
) -> tuple[list[Encoded], TruncationCounts]:
    """Tokenize every distinct prompt and completion once and join them with truncation."""
    specials = tokenize.specials_of(tokenizer)
    prompts = tokenize.encode(tokenizer, [g.prompt for g in groups], cache_dir)
    flat = [c for g in groups for c in g.completions]
    completions = iter(tokenize.encode(tokenizer, flat, cache_dir))
    counts = TruncationCounts()
    encoded = []
    for group, prompt in zip(groups, prompts, strict=True):
        sequences, cut = [], []
        for _ in group.completions:
            ids, was_cut = tokenize.join(
                prompt,
                next(completions),
                specials,
                max_length,
                min_prompt_tokens,
                max_prompt_tokens,
            )
            sequences.append(ids)
            cut.append(was_cut)
        counts.sequences += len(sequences)
        counts.truncated_sequences += sum(cut)
        counts.pairs += len(group.pairs)
        counts.pairs_with_truncation += sum(cut[p.chosen] or cut[p.rejected] for p in group.pairs)
        encoded.append(Encoded(group, sequences))
    return encoded, counts
