"""What a reward model's scores on an evaluation set say, per category and overall.

Plain numpy, no Django: an item is the rewards the model gave K completions of a prompt,
the human ranking of them (tiers, best first; a tier of several is a human tie), the
completions' lengths and the item's category.

- **accuracy**: share of the human-ordered pairs (a completion of a better tier against one
  of a worse tier) whose better completion got the higher reward. A model tie (equal
  rewards, within ``TIE_TOLERANCE``) is not right: it is counted apart in ``model_ties``.
  Pairs in the same human tier are never scored; they are counted in ``human_ties``, with
  the mean reward gap the model put between them.
- **mean_margin**: mean of r(better) - r(worse) over the human-ordered pairs.
- **ece**: expected calibration error of sigmoid(margin) read as the probability that the
  completion the model prefers is the human one: ten bins of that confidence in [0.5, 1],
  each bin's |hit rate - mean confidence| weighted by its share of pairs (a model tie is
  half a hit at confidence 0.5).
- **best_of_n_accuracy** (items with K > 2): share of items whose top-scored completion is
  in the human top tier (with several top-scored completions, all must be).
- **spearman**, **kendall** (items with K > 2): per item, Spearman's rho (Pearson's r of the
  average ranks) and Kendall's tau-b between the rewards and the human tiers, both tie-aware,
  averaged over the items where they are defined (neither side all tied).
- **length_correlation**: Pearson's r between reward and completion length (characters)
  over every completion: a reward that tracks length is open to verbosity hacking.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

TIE_TOLERANCE = 1e-6
ECE_BINS = 10
OVERALL = "overall"


@dataclass(frozen=True)
class ScoredItem:
    rewards: Sequence[float]
    tiers: Sequence[Sequence[int]]  # completion positions, best tier first
    lengths: Sequence[int]
    category: str = ""


def ordered_pairs(tiers: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
    """Every (better, worse) pair the ranking states, best tiers first."""
    return [
        (better, worse)
        for i, tier in enumerate(tiers)
        for lower in tiers[i + 1 :]
        for better in tier
        for worse in lower
    ]


def tied_pairs(tiers: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
    return [(a, b) for tier in tiers for i, a in enumerate(tier) for b in tier[i + 1 :]]


def item_margins(item: ScoredItem) -> np.ndarray:
    """r(better) - r(worse) for each human-ordered pair of the item."""
    r = np.asarray(item.rewards, dtype=np.float64)
    pairs = ordered_pairs(item.tiers)
    return np.array([r[a] - r[b] for a, b in pairs], dtype=np.float64)


def correct_pairs(item: ScoredItem) -> int:
    return int((item_margins(item) > TIE_TOLERANCE).sum())


def best_of_n_hit(item: ScoredItem) -> bool:
    """Whether every completion the model scored highest is in the human top tier."""
    r = np.asarray(item.rewards, dtype=np.float64)
    top = np.flatnonzero(r >= r.max() - TIE_TOLERANCE)
    return set(top.tolist()) <= set(item.tiers[0])


def report(items: Iterable[ScoredItem]) -> dict[str, Any]:
    """The metrics of every item together (``overall``) and of each category apart."""
    items = list(items)
    by_category: dict[str, list[ScoredItem]] = defaultdict(list)
    for item in items:
        if item.category:
            by_category[item.category].append(item)
    return {
        OVERALL: metrics(items),
        "categories": {name: metrics(group) for name, group in sorted(by_category.items())},
    }


def metrics(items: Sequence[ScoredItem]) -> dict[str, Any]:
    margins = np.concatenate([item_margins(item) for item in items]) if items else np.array([])
    model_ties = np.abs(margins) <= TIE_TOLERANCE
    gaps = [
        abs(float(item.rewards[a]) - float(item.rewards[b]))
        for item in items
        for a, b in tied_pairs(item.tiers)
    ]
    ranked = [item for item in items if len(item.rewards) > 2]
    return {
        "items": len(items),
        "pairs": len(margins),
        "accuracy": _mean((margins > TIE_TOLERANCE).astype(float)),
        "model_ties": int(model_ties.sum()),
        "human_ties": len(gaps),
        "human_tie_gap": _mean(np.array(gaps)),
        "mean_margin": _mean(margins),
        "ece": ece(margins),
        "best_of_n_items": len(ranked),
        "best_of_n_accuracy": _mean(np.array([float(best_of_n_hit(i)) for i in ranked])),
        "spearman": _mean_defined(spearman(i.rewards, _human_scores(i)) for i in ranked),
        "kendall": _mean_defined(kendall_tau_b(i.rewards, _human_scores(i)) for i in ranked),
        "length_correlation": length_correlation(items),
    }


def ece(values: Sequence[float] | np.ndarray, bins: int = ECE_BINS) -> float | None:
    margins = np.asarray(values, dtype=np.float64)
    if len(margins) == 0:
        return None
    confidence = 1 / (1 + np.exp(-np.abs(margins)))
    hit = np.where(np.abs(margins) <= TIE_TOLERANCE, 0.5, (margins > 0).astype(float))
    edges = np.linspace(0.5, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            total += inside.sum() * abs(hit[inside].mean() - confidence[inside].mean())
    return float(total / len(margins))


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    return _pearson(_average_ranks(np.asarray(x, float)), _average_ranks(np.asarray(y, float)))


def kendall_tau_b(x: Sequence[float], y: Sequence[float]) -> float:
    a, b = np.asarray(x, float), np.asarray(y, float)
    i, j = np.triu_indices(len(a), 1)
    dx, dy = _sign(a[i] - a[j]), _sign(b[i] - b[j])
    n_x, n_y = np.count_nonzero(dx), np.count_nonzero(dy)
    if n_x == 0 or n_y == 0:
        return math.nan
    return float((dx * dy).sum() / math.sqrt(n_x * n_y))


def length_correlation(items: Sequence[ScoredItem]) -> float | None:
    rewards = np.array([r for item in items for r in item.rewards], float)
    lengths = np.array([n for item in items for n in item.lengths], float)
    value = _pearson(rewards, lengths)
    return None if math.isnan(value) else value


def _human_scores(item: ScoredItem) -> list[float]:
    """Higher is better: minus the tier index, so a tie is an equal score."""
    score = [0.0] * len(item.rewards)
    for index, tier in enumerate(item.tiers):
        for position in tier:
            score[position] = -float(index)
    return score


def _sign(values: np.ndarray) -> np.ndarray:
    return np.where(np.abs(values) <= TIE_TOLERANCE, 0.0, np.sign(values))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, tied values sharing the mean of their ranks."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] - values[order[start]] <= 1e-12:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if len(values) else None


def _mean_defined(values: Iterable[float]) -> float | None:
    defined = [v for v in values if not math.isnan(v)]
    return float(np.mean(defined)) if defined else None
