"""Inter-annotator agreement and per-annotator quality statistics, on plain data.

A ranking is *tiers*: completion ids, best tier first; ids in one tier are tied. Several
annotators rank the same prompt. No Django here: selectors load the rankings and hand them
over, so every statistic can be checked by hand.

The pair preference of completions ``a < b`` (by id) is +1 when ``a`` is ranked above
``b``, -1 when below and 0 when tied. Krippendorff's alpha treats it as an interval value,
so a tie sits half-way between the two strict preferences.
"""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import numpy.typing as npt

Tiers = Sequence[Sequence[int]]
PairKey = tuple[int, int]
Units = Mapping[Hashable, Mapping[Hashable, int]]

PREFERENCE_VALUES = (-1, 0, 1)


# --- rankings as data -------------------------------------------------------------------------


def tier_index(*, tiers: Tiers) -> dict[int, int]:
    """Each completion id's tier number, 0 for the best tier."""
    index: dict[int, int] = {}
    for number, tier in enumerate(tiers):
        for completion_id in tier:
            if completion_id in index:
                raise ValueError(f"Completion {completion_id} appears twice in one ranking.")
            index[completion_id] = number
    return index


def pair_preferences(*, tiers: Tiers) -> dict[PairKey, int]:
    """+1 / -1 / 0 for every pair ``(a, b)`` with ``a < b``: a above b, below, or tied."""
    index = tier_index(tiers=tiers)
    return {(a, b): _sign(index[b] - index[a]) for a, b in combinations(sorted(index), 2)}


def pair_units(
    *, rankings: Mapping[Hashable, Mapping[Hashable, Tiers]]
) -> dict[tuple[Hashable, int, int], dict[Hashable, int]]:
    """Alpha's units from ``{prompt: {rater: tiers}}``: one per (prompt, a, b), rater → value."""
    units: dict[tuple[Hashable, int, int], dict[Hashable, int]] = {}
    for prompt, by_rater in rankings.items():
        for rater, tiers in by_rater.items():
            for (a, b), value in pair_preferences(tiers=tiers).items():
                units.setdefault((prompt, a, b), {})[rater] = value
    return units


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)


def _doubled_average_ranks(*, tiers: Tiers) -> dict[int, int]:
    """Twice each id's 1-based average rank (tied ids share the mean of their positions).

    Doubling keeps the ranks integers, so sums of them compare exactly.
    """
    ranks: dict[int, int] = {}
    before = 0
    for tier in tiers:
        for completion_id in tier:
            ranks[completion_id] = 2 * before + len(tier) + 1
        before += len(tier)
    return ranks


def _common_ids(rankings: Iterable[Tiers]) -> list[int]:
    """The ids every ranking orders; rankings of different completion sets are a caller bug."""
    id_sets = [set(tier_index(tiers=tiers)) for tiers in rankings]
    if any(ids != id_sets[0] for ids in id_sets):
        raise ValueError("The rankings do not order the same completions.")
    return sorted(id_sets[0]) if id_sets else []


# --- agreement between raters -----------------------------------------------------------------


def kendall_w(*, rankings: Sequence[Tiers]) -> float | None:
    """Kendall's W for one item's raters, with the tie correction.

    W = 12 S / (m²(n³ - n) - m Σ T_j), where S is the sum of squared deviations of the
    items' rank sums from their mean m(n + 1)/2, ranks within a tier are averaged, and
    T_j = Σ (t³ - t) over rater j's tiers of size t. None when there are fewer than two
    raters or items, or when every rater ties everything (the denominator is then 0).
    """
    if len(rankings) < 2:
        return None
    ids = _common_ids(rankings)
    if len(ids) < 2:
        return None
    m, n = len(rankings), len(ids)
    doubled = [_doubled_average_ranks(tiers=tiers) for tiers in rankings]
    rank_sums = np.array([sum(ranks[i] for ranks in doubled) / 2 for i in ids])
    deviations = rank_sums - m * (n + 1) / 2
    ties = sum(len(tier) ** 3 - len(tier) for tiers in rankings for tier in tiers)
    denominator = m * m * (n**3 - n) - m * ties
    if denominator == 0:
        return None
    return 12 * float(deviations @ deviations) / denominator


def _pairable_counts(units: Units) -> npt.NDArray[np.float64]:
    """Per unit with at least two raters, how many raters gave -1, 0 and +1: (units, 3)."""
    rows = []
    for key, values in units.items():
        if len(values) < 2:
            continue
        row = [0.0, 0.0, 0.0]
        for value in values.values():
            if value not in PREFERENCE_VALUES:
                raise ValueError(f"Unit {key!r} has value {value!r}; use -1, 0 or +1.")
            row[value + 1] += 1
        rows.append(row)
    return np.array(rows, dtype=np.float64).reshape(-1, 3)


def krippendorff_alpha_pairs(*, units: Units) -> float | None:
    """Krippendorff's alpha, interval metric, over pair-preference units.

    Coincidences: o_ck = Σ_u n_uc (n_uk - [c = k]) / (m_u - 1) over units with m_u ≥ 2
    values; n_c = Σ_k o_ck, n = Σ_c n_c; δ²_ck = (c - k)². Then
    alpha = 1 - (n - 1) Σ o_ck δ²_ck / Σ n_c n_k δ²_ck. None when nothing is pairable or
    every value is the same (no expected disagreement to compare with).
    """
    counts = _pairable_counts(units)
    if not len(counts):
        return None
    shares = counts / (counts.sum(axis=1, keepdims=True) - 1)
    coincidences = shares.T @ counts - np.diag(shares.sum(axis=0))
    marginals = coincidences.sum(axis=1)
    values = np.array(PREFERENCE_VALUES, dtype=np.float64)
    distance = (values[:, None] - values[None, :]) ** 2
    expected = float(marginals @ distance @ marginals)
    if expected == 0:
        return None
    observed = float((coincidences * distance).sum())
    return 1 - (marginals.sum() - 1) * observed / expected


def pairwise_agreement_rate(*, units: Units) -> float | None:
    """Share of rater pairs, pooled over units, that gave the same value; None if no pairs."""
    counts = _pairable_counts(units)
    raters = counts.sum(axis=1)
    # Both sums count ordered pairs, so the ratio is the share of unordered pairs.
    total = float((raters * (raters - 1)).sum())
    if total == 0:
        return None
    return float((counts * (counts - 1)).sum()) / total


# --- per-annotator statistics -----------------------------------------------------------------


@dataclass(frozen=True)
class AgreementCount:
    """A rater's strict pairs that the consensus also orders (total), and how many agree."""

    agree: int = 0
    total: int = 0

    def __add__(self, other: AgreementCount) -> AgreementCount:
        return AgreementCount(agree=self.agree + other.agree, total=self.total + other.total)

    @property
    def rate(self) -> float | None:
        return self.agree / self.total if self.total else None


def consensus_agreement_counts(
    *, rater_tiers: Tiers, others_tiers_list: Sequence[Tiers]
) -> AgreementCount:
    """Leave-one-out agreement of one rater on one prompt, as counts to pool across prompts.

    The consensus of the *other* raters is Borda's (average rank): each completion's mean
    rank over the others, ties in a tier sharing their average position. It is always a
    weak order (majority voting can cycle) and needs nothing iterative, which matters when
    it runs once per rater per prompt. Pairs the rater ties, or the consensus ties, are left
    out.
    """
    ids = _common_ids([rater_tiers, *others_tiers_list])
    if not others_tiers_list:
        return AgreementCount()
    others = [_doubled_average_ranks(tiers=tiers) for tiers in others_tiers_list]
    consensus = {i: sum(ranks[i] for ranks in others) for i in ids}
    mine = tier_index(tiers=rater_tiers)
    agree = total = 0
    for a, b in combinations(ids, 2):
        said, held = _sign(mine[b] - mine[a]), _sign(consensus[b] - consensus[a])
        if said and held:
            total += 1
            agree += said == held
    return AgreementCount(agree=agree, total=total)


def agreement_with_consensus(
    *, rater_tiers: Tiers, others_tiers_list: Sequence[Tiers]
) -> float | None:
    """Share of the rater's strict pairs that the other raters' Borda consensus orders the
    same way (see ``consensus_agreement_counts``); None when nothing is comparable."""
    return consensus_agreement_counts(
        rater_tiers=rater_tiers, others_tiers_list=others_tiers_list
    ).rate


def consensus_agreement_batch(
    *, ranks: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``consensus_agreement_counts`` for every rater slot of many prompts at once.

    ``ranks`` is (P, R, K): the tier number each rater slot gave each completion slot,
    -1 for an empty rater slot or a padding completion slot. Returns ``(agree, total)``,
    each (P, R); zero for empty slots and for raters with nobody to compare with.
    """
    ranked = ranks >= 0
    _check_full_coverage(ranked)
    # For each completion i: how many ranked j sit strictly above it, and in its tier.
    both = ranked[..., :, None] & ranked[..., None, :]
    above = (both & (ranks[..., None, :] < ranks[..., :, None])).sum(axis=-1)
    level = (both & (ranks[..., None, :] == ranks[..., :, None])).sum(axis=-1)
    doubled = np.where(ranked, 2 * above + level + 1, 0)
    others = doubled.sum(axis=1, keepdims=True) - doubled
    said_above = both & (ranks[..., :, None] < ranks[..., None, :])
    held_strict = others[..., :, None] != others[..., None, :]
    held_above = others[..., :, None] < others[..., None, :]
    has_others = (ranked.any(axis=-1).sum(axis=1, keepdims=True) > 1)[..., None, None]
    total = (said_above & held_strict & has_others).sum(axis=(-1, -2))
    agree = (said_above & held_above & has_others).sum(axis=(-1, -2))
    return agree.astype(np.int64), total.astype(np.int64)


def _check_full_coverage(ranked: npt.NDArray[np.bool_]) -> None:
    """Every rater who ranked a prompt must have ranked all its completions."""
    present = ranked.any(axis=1, keepdims=True)
    active = ranked.any(axis=-1, keepdims=True)
    if np.any(active & (ranked != present)):
        raise ValueError("A rater slot ranks only some of its prompt's completions.")


def gold_score(*, rater_tiers: Tiers, gold_tiers: Tiers) -> float:
    """1 - normalised Kendall distance with ties against a gold ranking.

    Over all C(n, 2) pairs: a reversed pair costs 1, a pair tied in exactly one of the two
    rankings costs 0.5. Identical rankings score 1.0, a reversal of a strict one 0.0.
    """
    ids = _common_ids([rater_tiers, gold_tiers])
    if len(ids) < 2:
        raise ValueError("A gold score needs at least two completions.")
    said, gold = pair_preferences(tiers=rater_tiers), pair_preferences(tiers=gold_tiers)
    distance = sum(_pair_distance(said[pair], gold[pair]) for pair in said)
    return 1 - distance / len(said)


def _pair_distance(said: int, gold: int) -> float:
    if said == gold:
        return 0.0
    return 0.5 if said == 0 or gold == 0 else 1.0


@dataclass(frozen=True)
class PositionBias:
    """How often the first displayed completion was put in the top tier, against chance."""

    rate: float
    chance: float


def position_bias(*, rankings: Sequence[tuple[Tiers, Sequence[int]]]) -> PositionBias | None:
    """Share of ``(tiers, display_order)`` whose top tier holds the first displayed id.

    Chance is the mean of |top tier| / K: a rater ignoring position puts the first shown
    completion in a top tier of size t with probability t / K (1/K without ties).
    """
    if not rankings:
        return None
    hits = [order[0] in tiers[0] for tiers, order in rankings]
    chances = [len(tiers[0]) / len(order) for tiers, order in rankings]
    return PositionBias(rate=sum(hits) / len(hits), chance=sum(chances) / len(chances))


def length_bias(*, pairs: Sequence[tuple[int, int]]) -> float | None:
    """Share of ``(winner_len, loser_len)`` pairs of unequal length that the longer won."""
    strict = [(winner, loser) for winner, loser in pairs if winner != loser]
    if not strict:
        return None
    return sum(winner > loser for winner, loser in strict) / len(strict)


def median_time(*, ms_values: Sequence[float]) -> float | None:
    """Median time per ranking; the median, because a few abandoned tabs skew a mean."""
    return float(statistics.median(ms_values)) if ms_values else None
