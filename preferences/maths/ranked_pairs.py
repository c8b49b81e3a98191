"""Tideman's ranked pairs: a consensus order from pairwise majorities, ties kept as tiers."""

from __future__ import annotations

from itertools import groupby

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


def ranked_pairs(wins: Floats) -> list[list[int]]:
    """Tideman's ranked pairs for one prompt's (K, K) wins: tiers of completion indices.

    Majorities are taken strongest first (margin, then winning votes) and locked unless they
    close a cycle. Majorities of exactly equal strength are decided together, so the result
    does not depend on completion order: each is locked unless it lies on a cycle of the
    locked graph plus that whole group (a perfectly symmetric Condorcet cycle thus locks
    nothing and ends as one tier). Tiers are the layers of the locked graph: first every
    completion no locked edge beats, then those beaten only by the first tier, and so on;
    completions in one tier have no locked edge either way.
    """
    table = np.asarray(wins, dtype=np.float64).tolist()
    # Plain Python sets: K is small and this runs once per prompt, where numpy's per-call
    # overhead would dominate.
    locked: list[set[int]] = [set() for _ in table]
    for _, group in groupby(_majorities(table), key=lambda m: m[:2]):
        edges = [(winner, loser) for *_, winner, loser in group]
        for winner, loser in _lockable(locked, edges):
            locked[winner].add(loser)
    return _layers(locked)


def _majorities(table: list[list[float]]) -> list[tuple[float, float, int, int]]:
    """(-margin, -winning votes, winner, loser), strongest first; rounded so that equal
    strengths computed from weighted sums compare equal."""
    found = []
    for i in range(len(table)):
        for j in range(i + 1, len(table)):
            margin = round(table[i][j] - table[j][i], 9)
            if margin:
                winner, loser = (i, j) if margin > 0 else (j, i)
                found.append((-abs(margin), -round(table[winner][loser], 9), winner, loser))
    return sorted(found)


def _lockable(locked: list[set[int]], edges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The group's edges that lie on no cycle of ``locked`` plus the whole group."""
    graph = [set(losers) for losers in locked]
    for winner, loser in edges:
        graph[winner].add(loser)
    return [(winner, loser) for winner, loser in edges if winner not in _reachable(graph, loser)]


def _reachable(graph: list[set[int]], start: int) -> set[int]:
    seen, frontier = {start}, [start]
    while frontier:
        for nxt in graph[frontier.pop()] - seen:
            seen.add(nxt)
            frontier.append(nxt)
    return seen


def _layers(locked: list[set[int]]) -> list[list[int]]:
    remaining = set(range(len(locked)))
    tiers = []
    while remaining:
        beaten = {loser for i in remaining for loser in locked[i]}
        tier = sorted(remaining - beaten)
        tiers.append(tier)
        remaining -= set(tier)
    return tiers


def ranked_pairs_batch(*, wins: Floats, present: Bools) -> Ints:
    """``ranked_pairs`` for every prompt: tier numbers (P, K), -1 where absent."""
    numbers = np.full(present.shape, -1, dtype=np.int64)
    for p, (prompt_wins, slots) in enumerate(zip(wins, present, strict=True)):
        index = np.flatnonzero(slots)
        for number, tier in enumerate(ranked_pairs(prompt_wins[np.ix_(index, index)])):
            numbers[p, index[tier]] = number
    return numbers
