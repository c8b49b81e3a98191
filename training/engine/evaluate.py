"""Scoring and evaluation: accuracy, log-loss, calibration, ranking agreement, length checks."""

from __future__ import annotations

import functools
import json
import math
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training.engine import data as data_mod
from training.engine.batching import Encoded, encode_groups
from training.engine.model import RewardModel, disable_dropout, load_tokenizer

METADATA = "rankwise.json"


def score_sequences(
    rm: RewardModel,
    sequences: list[list[int]],
    pad_id: int,
    device: torch.device,
    token_budget: int,
    features: bool = False,
    precision: str = "fp32",
) -> torch.Tensor:
    """Rewards (or pooled features) in input order, batched longest-first under the budget."""
    order = sorted(range(len(sequences)), key=lambda i: -len(sequences[i]))
    out: list[torch.Tensor] = [torch.empty(0)] * len(sequences)
    start = 0
    was_training = rm.training
    rm.eval()
    with torch.inference_mode(), autocast(device, precision):
        while start < len(order):
            width = len(sequences[order[start]])
            rows = max(1, token_budget // max(width, 1))
            chunk = order[start : start + rows]
            ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
            mask = torch.zeros_like(ids)
            for r, i in enumerate(chunk):
                ids[r, : len(sequences[i])] = torch.tensor(sequences[i])
                mask[r, : len(sequences[i])] = 1
            ids, mask = ids.to(device), mask.to(device)
            result = rm.features(ids, mask).float() if features else rm(ids, mask)
            for r, i in enumerate(chunk):
                out[i] = result[r].cpu()
            start += len(chunk)
    rm.train(was_training)
    return torch.stack(out) if out else torch.empty(0)


def autocast(device: torch.device, precision: str) -> Any:
    """bf16 autocast on GPUs and on CPUs where it measures faster, else fp32 (`use_bf16`)."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16(device, precision))


def use_bf16(device: torch.device, precision: str) -> bool:
    if precision != "auto":
        return precision == "bf16"
    if device.type == "cuda":
        return True
    # On CPU bf16 pays only where the hardware multiplies it fast, which feature flags do
    # not tell: with AVX512-BF16 an AMD EPYC ran MiniLM's GEMMs 2.2x faster in bf16, an
    # Intel Xeon 1.6x slower (benchmarks/training). So measure once per process.
    return device.type == "cpu" and cpu_bf16_pays()


@functools.cache
def cpu_bf16_pays() -> bool:
    """Whether a bf16 matrix product of MiniLM's shape runs at least 1.25x faster than a
    float32 one on this CPU (best of five each; ~0.1 s, once per process)."""
    return _best_matmul_seconds(torch.float32) > 1.25 * _best_matmul_seconds(torch.bfloat16)


def _best_matmul_seconds(dtype: torch.dtype, repeats: int = 5) -> float:
    own = torch.Generator().manual_seed(0)  # the global RNG stays as the caller seeded it
    a = torch.randn(1024, 384, generator=own).to(dtype)
    b = torch.randn(384, 1536, generator=own).to(dtype)
    a @ b  # warm-up: kernel selection
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - started)
    return best


def group_rewards(encoded: list[Encoded], flat: torch.Tensor) -> list[np.ndarray]:
    out, at = [], 0
    for item in encoded:
        out.append(flat[at : at + len(item.sequences)].numpy().astype(np.float64))
        at += len(item.sequences)
    return out


def pair_metrics(encoded: list[Encoded], rewards: list[np.ndarray]) -> dict[str, float]:
    """Accuracy (model ties counted apart), log-loss and expected calibration error."""
    diffs = np.array(
        [
            r[p.chosen] - r[p.rejected]
            for e, r in zip(encoded, rewards, strict=True)
            for p in e.group.pairs
        ]
    )
    ties = np.abs(diffs) <= 1e-6
    confidence = 1 / (1 + np.exp(-np.abs(diffs)))
    correct = (diffs > 0) & ~ties
    return {
        "pairs": len(diffs),
        "accuracy": float(correct.mean()),
        "ties": int(ties.sum()),
        "log_loss": float(np.mean(np.logaddexp(0, -diffs))),
        "ece": _ece(confidence, correct),
        "mean_margin": float(diffs.mean()),
    }


def _ece(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    # Confidence of the predicted side is in [0.5, 1]: bin it and compare with hit rate.
    edges = np.linspace(0.5, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        hit = which == b
        if hit.any():
            total += hit.sum() * abs(correct[hit].mean() - confidence[hit].mean())
    return float(total / max(len(confidence), 1))


def full_metrics(encoded: list[Encoded], rewards: list[np.ndarray]) -> dict[str, Any]:
    metrics: dict[str, Any] = pair_metrics(encoded, rewards)
    metrics.update(_ranking_metrics(encoded, rewards))
    metrics.update(_human_ceiling(encoded))
    metrics.update(_length_checks(encoded, rewards))
    every = np.concatenate(rewards)
    metrics["reward_mean"] = float(every.mean())
    metrics["reward_std"] = float(every.std()) or 1.0
    return metrics


def _ranking_metrics(encoded: list[Encoded], rewards: list[np.ndarray]) -> dict[str, Any]:
    """Per prompt with 3+ completions: Kendall τ-b and top-1 against the consensus
    (net weighted wins over every rater's pairs)."""
    taus, top1 = [], []
    for item, r in zip(encoded, rewards, strict=True):
        k = len(item.group.completions)
        if k < 3:
            continue
        net = np.zeros(k)
        for p in item.group.pairs:
            net[p.chosen] += p.weight
            net[p.rejected] -= p.weight
        tau = _kendall_tau_b(r, net)
        if not math.isnan(tau):
            taus.append(tau)
        top1.append(float(net[int(np.argmax(r))] >= net.max() - 1e-12))
    return {
        "ranking_prompts": len(top1),
        "kendall_tau": float(np.mean(taus)) if taus else None,
        "top1_accuracy": float(np.mean(top1)) if top1 else None,
    }


def _kendall_tau_b(x: np.ndarray, y: np.ndarray) -> float:
    i, j = np.triu_indices(len(x), 1)
    dx, dy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
    n_x, n_y = np.count_nonzero(dx), np.count_nonzero(dy)
    if n_x == 0 or n_y == 0:
        return math.nan
    return float((dx * dy).sum() / math.sqrt(n_x * n_y))


def _human_ceiling(encoded: list[Encoded]) -> dict[str, Any]:
    """Where 2+ raters judged the same two completions: the share of judgments that agree
    with the majority, the best any model can score against individual judgments."""
    agree = total = 0.0
    overlapping = 0
    for item in encoded:
        votes: dict[tuple[int, int], list[int]] = defaultdict(list)
        for p in item.group.pairs:
            a, b = sorted((p.chosen, p.rejected))
            votes[(a, b)].append(1 if p.chosen == a else 0)
        for vote in votes.values():
            if len(vote) >= 2:
                overlapping += 1
                agree += max(sum(vote), len(vote) - sum(vote))
                total += len(vote)
    return {
        "overlapping_pairs": overlapping,
        "human_ceiling": agree / total if total else None,
    }


def _length_checks(encoded: list[Encoded], rewards: list[np.ndarray]) -> dict[str, Any]:
    """Length-only baseline and reward-length correlation: a reward that mostly tracks
    length is being hacked by verbosity."""
    wins = []
    for item in encoded:
        size = [len(c) for c in item.group.completions]
        wins += [size[p.chosen] > size[p.rejected] for p in item.group.pairs]
    lengths = np.array([len(c) for item in encoded for c in item.group.completions], float)
    every = np.concatenate(rewards)
    corr = float(np.corrcoef(lengths, every)[0, 1]) if every.std() and lengths.std() else None
    return {"length_baseline_accuracy": float(np.mean(wins)), "reward_length_corr": corr}


class RewardScorer:
    """Scores completions with a saved model folder; the Django scoring API wraps this."""

    def __init__(
        self,
        model_dir: str | Path,
        device: str = "auto",
        token_budget: int = 8192,
        precision: str = "fp32",
        remember_tokens: bool = True,
    ):
        """``remember_tokens=False`` for a long-lived server: tokenized texts are not kept
        in the process's token cache (see ``tokenize.encode``)."""
        from transformers import AutoModelForSequenceClassification

        self.dir = Path(model_dir)
        self.meta = json.loads((self.dir / METADATA).read_text())
        self.device = resolve_device(device)
        self.tokenizer = load_tokenizer(str(self.dir))
        model = AutoModelForSequenceClassification.from_pretrained(self.dir, dtype=torch.float32)
        disable_dropout(model)
        self.model = RewardModel(model).to(self.device).eval()
        self.token_budget = token_budget
        self.precision = precision
        self.remember_tokens = remember_tokens

    def score(self, prompt: str, completions: list[str]) -> list[float]:
        return self.score_groups([(prompt, completions)])[0]

    def score_normalized(self, prompt: str, completions: list[str]) -> list[float]:
        mean, std = self.meta["reward_mean"], self.meta["reward_std"] or 1.0
        return [(r - mean) / std for r in self.score(prompt, completions)]

    def score_groups(self, items: list[tuple[str, list[str]]]) -> list[list[float]]:
        groups = [data_mod.Group(p, list(c)) for p, c in items]
        encoded = self.encode(groups)
        flat = self.score_encoded(encoded)
        return [[float(x) for x in r] for r in group_rewards(encoded, flat)]

    def encode(self, groups: list[data_mod.Group]) -> list[Encoded]:
        config = self.meta["config"]
        encoded, _ = encode_groups(
            groups,
            self.tokenizer,
            config["max_length"],
            config["min_prompt_tokens"],
            max_prompt_tokens=config.get("max_prompt_tokens", 0),  # absent in older models
            remember=self.remember_tokens,
        )
        return encoded

    def score_encoded(self, encoded: list[Encoded]) -> torch.Tensor:
        sequences = [s for e in encoded for s in e.sequences]
        pad = self.tokenizer.pad_token_id
        return score_sequences(
            self.model, sequences, pad, self.device, self.token_budget, precision=self.precision
        )


def evaluate(
    model_dir: str | Path,
    data: str | Path | list[dict[str, Any]],
    device: str = "auto",
) -> dict[str, Any]:
    """All metrics of a saved model on a pairs or rankings dataset."""
    scorer = RewardScorer(model_dir, device=device)
    dataset = data_mod.load(data)
    encoded = scorer.encode(dataset.groups)
    rewards = group_rewards(encoded, scorer.score_encoded(encoded))
    return full_metrics(encoded, rewards) | {"data_sha256": dataset.sha256}


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)
