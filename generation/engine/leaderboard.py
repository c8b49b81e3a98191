"""Bradley-Terry over models from human rankings, with bootstrap confidence intervals.

Every ranking orders the completions of one prompt; each pair of completions from two
different models is a game between those models (a tie is half a win each). Strengths are
fitted by Hunter's MM algorithm (2004), which climbs the likelihood at every step and
needs no step size. A small prior (``prior`` games each way between every two models)
keeps a model that never won finite and the fit defined when models never met.

The intervals resample prompts, not games: the games of one prompt share its difficulty,
so resampling them one by one would claim more certainty than the data holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ELO_SCALE = 400 / math.log(10)
ELO_BASE = 1000.0


@dataclass(frozen=True)
class Game:
    prompt: int  # any key that groups the games of one prompt
    first: int  # model indexes
    second: int
    score: float  # 1: first won, 0.5: tie, 0: second won


@dataclass(frozen=True)
class Standing:
    model: int
    rating: float  # Elo-like: 1000 + 400·log10(strength), mean strength 1
    lower: float
    upper: float
    wins: float  # ties count half
    games: int


@dataclass(frozen=True)
class Board:
    standings: list[Standing]  # best first
    win_rate: list[list[float | None]]  # [i][j]: share of i's games against j won by i
    games_between: list[list[int]]
    prompts: int
    games: int


def bt_fit(wins: np.ndarray, *, prior: float = 0.1, tolerance: float = 1e-9) -> np.ndarray:
    """Log-strengths (mean 0) from ``wins[i, j]``, the games i won against j."""
    m = wins.shape[0]
    w = wins + prior * (1 - np.eye(m))
    games = w + w.T
    won = w.sum(axis=1)
    strength = np.ones(m)
    for _ in range(10_000):
        denominator = (games / (strength[:, None] + strength[None, :])).sum(axis=1)
        updated = won / denominator
        updated /= math.exp(np.log(updated).mean())
        done = np.abs(np.log(updated) - np.log(strength)).max() < tolerance
        strength = updated
        if done:
            break
    logs: np.ndarray = np.log(strength)
    return logs


def _wins_matrix(
    first: np.ndarray, second: np.ndarray, score: np.ndarray, weight: np.ndarray, m: int
) -> np.ndarray:
    forward = np.bincount(first * m + second, weights=score * weight, minlength=m * m)
    backward = np.bincount(second * m + first, weights=(1 - score) * weight, minlength=m * m)
    matrix: np.ndarray = (forward + backward).reshape(m, m)
    return matrix


def board_compute(
    games: list[Game], models: int, *, resamples: int = 200, seed: int = 0, prior: float = 0.1
) -> Board:
    """The standings of ``models`` models (indexes 0..models-1) over ``games``."""
    if not games:
        empty: list[list[float | None]] = [[None] * models for _ in range(models)]
        zero = [[0] * models for _ in range(models)]
        rows = [Standing(i, ELO_BASE, ELO_BASE, ELO_BASE, 0.0, 0) for i in range(models)]
        return Board(rows, empty, zero, 0, 0)
    prompt_keys = np.array([g.prompt for g in games])
    _, prompt_of = np.unique(prompt_keys, return_inverse=True)
    first = np.array([g.first for g in games])
    second = np.array([g.second for g in games])
    score = np.array([g.score for g in games], dtype=float)
    ones = np.ones(len(games))
    wins = _wins_matrix(first, second, score, ones, models)
    rating = ELO_BASE + ELO_SCALE * bt_fit(wins, prior=prior)
    prompts = int(prompt_of.max()) + 1
    rng = np.random.default_rng(seed)
    draws = np.empty((resamples, models))
    for b in range(resamples):
        multiplicity = np.bincount(rng.integers(0, prompts, prompts), minlength=prompts)
        resampled = _wins_matrix(first, second, score, multiplicity[prompt_of], models)
        draws[b] = ELO_BASE + ELO_SCALE * bt_fit(resampled, prior=prior)
    lower, upper = np.percentile(draws, [2.5, 97.5], axis=0) if resamples else (rating, rating)
    played = wins + wins.T
    standings = [
        Standing(
            model=i,
            rating=float(rating[i]),
            lower=float(lower[i]),
            upper=float(upper[i]),
            wins=float(wins[i].sum()),
            games=round(played[i].sum()),
        )
        for i in range(models)
    ]
    standings.sort(key=lambda s: -s.rating)
    win_rate = [
        [float(wins[i, j] / played[i, j]) if played[i, j] else None for j in range(models)]
        for i in range(models)
    ]
    between = [[round(played[i, j]) for j in range(models)] for i in range(models)]
    return Board(standings, win_rate, between, prompts, len(games))


def ranking_games(prompt: int, tiers: list[list[int]], model_of: dict[int, int]) -> list[Game]:
    """The games one ranking holds: ``tiers`` of completion ids, best first; ``model_of``
    maps a completion to its model index. Completions of the same model play no game."""
    games = []
    placed = [(tier, model_of[c]) for tier, ids in enumerate(tiers) for c in ids if c in model_of]
    for a in range(len(placed)):
        for b in range(a + 1, len(placed)):
            (tier_a, model_a), (tier_b, model_b) = placed[a], placed[b]
            if model_a == model_b:
                continue
            score = 0.5 if tier_a == tier_b else float(tier_a < tier_b)
            games.append(Game(prompt, model_a, model_b, score))
    return games
