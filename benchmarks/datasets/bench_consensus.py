"""Time the batched consensus on simulated rankings: 100,000 prompts x 4 completions x 3 raters.

    .venv/bin/python benchmarks/datasets/bench_consensus.py [--prompts N] [--completions K]
        [--raters R] [--tie-rate 0.1] [--tideman N]

Rankings are drawn Plackett-Luce (Gumbel noise on known strengths), then neighbouring
completions are merged into a tie with probability ``--tie-rate``. Each step is timed on
its own; the last line checks how well the consensus strengths track the true ones.
Tideman's ranked pairs loops in Python per prompt, so it is timed on ``--tideman`` prompts.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from preferences.maths.agreement import consensus_agreement_batch
from preferences.maths.consensus import (
    bradley_terry,
    consensus_batch,
    consensus_pairs_batch,
    pair_counts,
    present_of,
    strength_tiers,
)
from preferences.maths.ranked_pairs import ranked_pairs_batch
from preferences.maths.reliability import rater_weights


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=100_000)
    parser.add_argument("--completions", type=int, default=4)
    parser.add_argument("--raters", type=int, default=3)
    parser.add_argument("--tie-rate", type=float, default=0.1)
    parser.add_argument("--tideman", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def simulated_ranks(
    rng: np.random.Generator, strengths: np.ndarray, raters: int, tie_rate: float
) -> np.ndarray:
    """(P, R, K) tier numbers: a Plackett-Luce order, with random neighbours tied."""
    prompts, width = strengths.shape
    utility = strengths[:, None, :] + rng.gumbel(size=(prompts, raters, width))
    order = np.argsort(-utility, axis=-1)
    # A new tier starts at each position unless it merges with the previous one.
    starts = rng.random((prompts, raters, width)) >= tie_rate
    starts[..., 0] = True
    tier_of_position = np.cumsum(starts, axis=-1) - 1
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, tier_of_position, axis=-1)
    return ranks


def timed(label: str, work: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = work()
    print(f"{label:<42} {time.perf_counter() - start:7.3f} s")
    return result


def main() -> None:
    args = _arguments()
    rng = np.random.default_rng(args.seed)
    truth = rng.normal(size=(args.prompts, args.completions))
    ranks = simulated_ranks(rng, truth, args.raters, args.tie_rate)
    print(f"{args.prompts:,} prompts x {args.completions} completions x {args.raters} raters")

    present = present_of(ranks=ranks)
    counts = timed("pair_counts", lambda: pair_counts(ranks=ranks))
    strengths = timed("bradley_terry", lambda: bradley_terry(counts.wins, present=present))
    tiers = timed("strength_tiers", lambda: strength_tiers(strengths=strengths, present=present))
    pairs = timed(
        "consensus_pairs_batch", lambda: consensus_pairs_batch(counts=counts, tiers=tiers)
    )
    agree, total = timed(
        "consensus_agreement_batch (leave-one-out)", lambda: consensus_agreement_batch(ranks=ranks)
    )
    # Every rater slot stands for its own simulated rater here.
    weights = rater_weights(agree=agree.ravel(), total=total.ravel()).reshape(agree.shape)
    timed(
        "consensus_batch (weighted, end to end)",
        lambda: consensus_batch(ranks=ranks, weights=weights),
    )
    few = slice(0, args.tideman)
    timed(
        f"ranked_pairs_batch on {args.tideman:,} prompts",
        lambda: ranked_pairs_batch(wins=counts.wins[few], present=present[few]),
    )

    centred = truth - truth.mean(axis=1, keepdims=True)
    correlation = np.corrcoef(strengths.ravel(), centred.ravel())[0, 1]
    print(f"{len(pairs.winner):,} consensus pairs; corr(strengths, truth) = {correlation:.3f}")


if __name__ == "__main__":
    main()
