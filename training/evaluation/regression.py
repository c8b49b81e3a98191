"""Is a model version worse than another on an evaluation set, beyond noise?

Plain numpy, no Django. Both versions scored the same items, so their difference is
measured paired: resample the set's items with replacement (pairs of one prompt are not
independent, so items are the unit), recompute the metric of both versions on each
resample, and take the central interval of the differences. A **regression** is a
difference whose whole interval lies below zero: the new version is worse on this set
whatever the luck of the draw of items.

The interval is 95% for the whole set. Per category it is widened by Bonferroni
(1 - 0.05 / number of categories), so that a set of many small categories (RewardBench
has 23) does not flag one by chance when two versions are equally good.

The metrics compared are ratios over items (``RATIOS``): pairwise accuracy (correct pairs
over pairs) and best-of-N accuracy (hits over items with K > 2).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from training.evaluation.metrics import OVERALL, ScoredItem, best_of_n_hit, correct_pairs

RESAMPLES = 1000
LEVEL = 0.95
SEED = 0  # the same flags on every page load
CHUNK = 100  # resamples drawn at once: memory stays at CHUNK x items indices

Ratio = Callable[[ScoredItem], tuple[float, float]]  # (numerator, denominator) of one item


def _accuracy(item: ScoredItem) -> tuple[float, float]:
    return float(correct_pairs(item)), float(_pair_count(item))


def _pair_count(item: ScoredItem) -> int:
    sizes = [len(tier) for tier in item.tiers]
    return sum(a * sum(sizes[i + 1 :]) for i, a in enumerate(sizes))


def _best_of_n(item: ScoredItem) -> tuple[float, float]:
    if len(item.rewards) <= 2:
        return 0.0, 0.0
    return float(best_of_n_hit(item)), 1.0


RATIOS: dict[str, Ratio] = {"accuracy": _accuracy, "best_of_n_accuracy": _best_of_n}


@dataclass(frozen=True)
class Difference:
    metric: str
    baseline: float
    candidate: float
    low: float  # the interval of candidate - baseline
    high: float
    level: float

    @property
    def delta(self) -> float:
        return self.candidate - self.baseline

    @property
    def regression(self) -> bool:
        return self.high < 0

    def as_dict(self) -> dict[str, float | str | bool]:
        return {
            "metric": self.metric,
            "baseline": self.baseline,
            "candidate": self.candidate,
            "delta": self.delta,
            "low": self.low,
            "high": self.high,
            "level": self.level,
            "regression": self.regression,
        }


def ratio_difference(
    metric: str,
    baseline: Sequence[ScoredItem],
    candidate: Sequence[ScoredItem],
    *,
    level: float = LEVEL,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Difference | None:
    """The paired bootstrap interval of ``metric`` (candidate - baseline); ``None`` where
    the items give the metric nothing to count (no pairs, no item with K > 2)."""
    if len(baseline) != len(candidate):
        raise ValueError("Both versions must be scored on the same items.")
    ratio = RATIOS[metric]
    base = np.array([ratio(item) for item in baseline], dtype=np.float64).reshape(-1, 2)
    cand = np.array([ratio(item) for item in candidate], dtype=np.float64).reshape(-1, 2)
    denominator = base[:, 1]
    if denominator.sum() == 0:
        return None
    gain = cand[:, 0] - base[:, 0]
    deltas = _bootstrap(gain, denominator, resamples, np.random.default_rng(seed))
    tail = (1 - level) / 2
    low, high = np.quantile(deltas, [tail, 1 - tail])
    total = denominator.sum()
    return Difference(
        metric, base[:, 0].sum() / total, cand[:, 0].sum() / total, float(low), float(high), level
    )


def _bootstrap(
    gain: np.ndarray, denominator: np.ndarray, resamples: int, rng: np.random.Generator
) -> np.ndarray:
    n = len(gain)
    out = []
    for start in range(0, resamples, CHUNK):
        size = min(CHUNK, resamples - start)
        drawn = rng.integers(0, n, size=(size, n))
        den = denominator[drawn].sum(axis=1)
        # A resample without a counted item says nothing: no difference.
        out.append(np.divide(gain[drawn].sum(axis=1), den, out=np.zeros(size), where=den > 0))
    return np.concatenate(out)


def set_differences(
    baseline: Sequence[ScoredItem], candidate: Sequence[ScoredItem]
) -> dict[str, list[Difference]]:
    """Every compared metric, for the whole set (``overall``) and each category."""
    out = {OVERALL: _differences(baseline, candidate, LEVEL)}
    categories = sorted({item.category for item in baseline if item.category})
    level = 1 - (1 - LEVEL) / max(len(categories), 1)
    for name in categories:
        keep = [i for i, item in enumerate(baseline) if item.category == name]
        out[name] = _differences([baseline[i] for i in keep], [candidate[i] for i in keep], level)
    return out


def _differences(
    baseline: Sequence[ScoredItem], candidate: Sequence[ScoredItem], level: float
) -> list[Difference]:
    found = (ratio_difference(m, baseline, candidate, level=level) for m in RATIOS)
    return [difference for difference in found if difference is not None]
