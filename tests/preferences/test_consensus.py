"""Consensus on plain arrays: Bradley-Terry, Tideman's ranked pairs, rater weights and the
consensus pairs. Timing lives in benchmarks/datasets/bench_consensus.py, not here."""

import numpy as np
import pytest

from preferences.maths.consensus import (
    ConsensusPair,
    PairCounts,
    bradley_terry,
    consensus_batch,
    consensus_pairs,
    pair_counts,
    prompt_consensus,
    ranks_encode,
    strength_tiers,
)
from preferences.maths.ranked_pairs import ranked_pairs, ranked_pairs_batch
from preferences.maths.reliability import rater_weights


def plackett_luce_ranks(rng, strengths, raters):
    """Full rankings drawn with Gumbel noise: their pairwise marginals are exactly BT's."""
    utility = strengths[:, None, :] + rng.gumbel(size=(len(strengths), raters, strengths.shape[1]))
    return np.argsort(np.argsort(-utility, axis=-1), axis=-1)


def hunter_mm(wins, prior, sweeps):
    """Reference: Hunter's (2004) MM with the same virtual-opponent prior, for one prompt."""
    games = wins + wins.T
    gamma = np.ones(len(wins))
    for _ in range(sweeps):
        denominator = (games / (gamma[:, None] + gamma[None, :])).sum(axis=1)
        gamma = (wins.sum(axis=1) + prior) / (denominator + 2 * prior / (gamma + 1))
    theta = np.log(gamma)
    return theta - theta.mean()


# --- encoding and counting --------------------------------------------------------------------


def test_ranks_encode_puts_tier_numbers_in_completion_id_order():
    ranks = ranks_encode(rankings=[[[30], [10, 20]], [[10], [20], [30]]], ids=[10, 20, 30])
    np.testing.assert_array_equal(ranks, [[1, 1, 0], [0, 1, 2]])


def test_ranks_encode_rejects_a_ranking_missing_a_completion():
    with pytest.raises(ValueError, match="exactly"):
        ranks_encode(rankings=[[[10], [20]]], ids=[10, 20, 30])


def test_pair_counts_weigh_each_rater_and_count_a_tie_half_in_wins():
    # Rater 0 (weight 1): 0 > 1 > 2. Rater 1 (weight 0.5): 1 = 2 > 0.
    ranks = np.array([[[0, 1, 2], [1, 0, 0]]])
    counts = pair_counts(ranks=ranks, weights=np.array([[1.0, 0.5]]))
    np.testing.assert_allclose(counts.strict[0], [[0, 1, 1], [0.5, 0, 1], [0.5, 0, 0]])
    np.testing.assert_allclose(counts.ties[0], [[0, 0, 0], [0, 0, 0.5], [0, 0.5, 0]])
    np.testing.assert_allclose(counts.wins[0], [[0, 1, 1], [0.5, 0, 1.25], [0.5, 0.25, 0]])


# --- Bradley-Terry ----------------------------------------------------------------------------


def test_bradley_terry_recovers_known_strengths_from_simulated_rankings():
    rng = np.random.default_rng(5)
    truth = rng.normal(scale=1.0, size=(20, 6))
    wins = pair_counts(ranks=plackett_luce_ranks(rng, truth, raters=400)).wins
    fitted = bradley_terry(wins)
    for p in range(len(truth)):
        assert np.corrcoef(fitted[p], truth[p])[0, 1] > 0.95


def test_bradley_terry_reaches_the_fixed_point_of_hunters_mm():
    # Interior data (everyone won and lost something) so plain MM converges in a few
    # thousand sweeps.
    wins = np.array([[0, 3, 1, 2], [1, 0, 2, 2], [2, 1, 0, 3], [1, 1, 0.5, 0]], dtype=float)
    fitted = bradley_terry(wins[None], prior=0.1)[0]
    np.testing.assert_allclose(fitted, hunter_mm(wins, prior=0.1, sweeps=5000), atol=1e-8)


def test_bradley_terry_keeps_an_undefeated_completion_finite_and_first():
    # 0 beats everyone three times; 3 loses to everyone.
    wins = np.array([[0, 3, 3, 3], [0, 0, 2, 3], [0, 1, 0, 3], [0, 0, 0, 0]], dtype=float)
    fitted = bradley_terry(wins[None], prior=0.1)[0]
    assert np.all(np.isfinite(fitted))
    assert list(np.argsort(-fitted)) == [0, 1, 2, 3]
    # MM needs ~5,000 sweeps to settle here (the reason bradley_terry uses Newton).
    np.testing.assert_allclose(fitted, hunter_mm(wins, prior=0.1, sweeps=10_000), atol=1e-9)


def test_bradley_terry_centres_present_completions_and_marks_absent_ones_nan():
    wins = np.array([[[0, 2, 9], [1, 0, 9], [9, 9, 0]]], dtype=float)
    fitted = bradley_terry(wins, present=np.array([[True, True, False]]))
    assert np.isnan(fitted[0, 2])
    assert fitted[0, :2].sum() == pytest.approx(0.0, abs=1e-12)
    # Only the 2-1 record between 0 and 1 counts, not the padding's 9s.
    alone = bradley_terry(np.array([[[0, 2], [1, 0]]], dtype=float))
    np.testing.assert_allclose(fitted[0, :2], alone[0], atol=1e-12)


def test_bradley_terry_batched_equals_one_prompt_at_a_time():
    rng = np.random.default_rng(8)
    prompts, width = 40, 6
    present = np.arange(width)[None, :] < rng.integers(2, width + 1, size=(prompts, 1))
    wins = rng.integers(0, 4, size=(prompts, width, width)).astype(float)
    wins[:, 0, 1:] += 3  # some undefeated completions, the slow case
    wins[:, 1:, 0] = 0
    batched = bradley_terry(wins, present=present)
    for p in range(prompts):
        alone = bradley_terry(wins[p : p + 1], present=present[p : p + 1])
        np.testing.assert_allclose(batched[p], alone[0], atol=1e-12, equal_nan=True)


def test_bradley_terry_gives_symmetric_records_the_same_strength():
    # 1 and 2 have mirror-image records, so they tie and share a tier.
    wins = np.array([[[0, 2, 2], [1, 0, 1], [1, 1, 0]]], dtype=float)
    strengths = bradley_terry(wins)
    present = np.ones((1, 3), dtype=bool)
    np.testing.assert_array_equal(strength_tiers(strengths=strengths, present=present), [[0, 1, 1]])


def test_bradley_terry_refuses_a_zero_prior():
    with pytest.raises(ValueError, match="prior"):
        bradley_terry(np.zeros((1, 2, 2)), prior=0.0)


def test_strength_tiers_split_on_gaps_and_skip_absent_slots():
    strengths = np.array([[0.5, np.nan, 2.0, 0.5 + 1e-9, -3.0]])
    present = np.array([[True, False, True, True, True]])
    tiers = strength_tiers(strengths=strengths, present=present)
    np.testing.assert_array_equal(tiers, [[1, -1, 0, 1, 2]])


# --- rater weights ----------------------------------------------------------------------------


def test_rater_weights_shrink_towards_the_crowd_then_map_two_a_minus_one():
    # Crowd ā = (9 + 5 + 0) / (10 + 10 + 0) = 0.7, s = 10:
    # â = (9 + 7)/20 = 0.8 → 0.6;  (5 + 7)/20 = 0.6 → 0.2;  no pairs: 0.7 → 0.4.
    weights = rater_weights(agree=[9, 5, 0], total=[10, 10, 0], prior_pairs=10)
    np.testing.assert_allclose(weights, [0.6, 0.2, 0.4])


def test_rater_weights_floor_a_rater_below_chance():
    # â = (0 + 10·0.5) / 20 = 0.25 → 2â - 1 < 0 → the floor.
    weights = rater_weights(agree=[0, 10], total=[10, 10], floor=0.05, prior_pairs=10)
    assert weights[0] == 0.05


# --- Tideman's ranked pairs -------------------------------------------------------------------


def test_ranked_pairs_elects_nashville_in_the_tennessee_capital_example():
    memphis, nashville, chattanooga, knoxville = range(4)
    ballots = [
        (42, [memphis, nashville, chattanooga, knoxville]),
        (26, [nashville, chattanooga, knoxville, memphis]),
        (15, [chattanooga, knoxville, nashville, memphis]),
        (17, [knoxville, chattanooga, nashville, memphis]),
    ]
    wins = np.zeros((4, 4))
    for voters, order in ballots:
        for a, winner in enumerate(order):
            for loser in order[a + 1 :]:
                wins[winner, loser] += voters
    assert ranked_pairs(wins) == [[nashville], [chattanooga], [knoxville], [memphis]]


def test_ranked_pairs_ties_a_perfectly_symmetric_condorcet_cycle():
    # A>B>C, B>C>A, C>A>B: each majority 2-1, equal strength, all on one cycle.
    wins = np.array([[0, 2, 1], [1, 0, 2], [2, 1, 0]], dtype=float)
    assert ranked_pairs(wins) == [[0, 1, 2]]


def test_ranked_pairs_drops_the_weakest_majority_of_a_cycle():
    # A>B by 5-0, B>C by 4-1, C>A by 3-2: lock A>B, B>C; C>A would close the cycle.
    wins = np.array([[0, 5, 2], [0, 0, 4], [3, 1, 0]], dtype=float)
    assert ranked_pairs(wins) == [[0], [1], [2]]


def test_ranked_pairs_puts_completions_with_no_locked_edge_between_them_in_one_tier():
    # 0 beats 1 and 2; 1 and 2 split evenly: no majority between them.
    wins = np.array([[0, 2, 2], [0, 0, 1], [0, 1, 0]], dtype=float)
    assert ranked_pairs(wins) == [[0], [1, 2]]


def test_ranked_pairs_batch_numbers_tiers_and_skips_padding():
    wins = np.zeros((2, 3, 3))
    wins[0, :2, :2] = [[0, 1], [3, 0]]
    wins[1] = [[0, 5, 2], [0, 0, 4], [3, 1, 0]]
    present = np.array([[True, True, False], [True, True, True]])
    numbers = ranked_pairs_batch(wins=wins, present=present)
    np.testing.assert_array_equal(numbers, [[1, 0, -1], [0, 1, 2]])


# --- consensus pairs --------------------------------------------------------------------------


def hand_ranks():
    # r1 [0][1][2], r2 [0][1 2], r3 [1][0][2].
    return np.array([[[0, 1, 2], [0, 1, 1], [1, 0, 2]]])


def hand_counts():
    return pair_counts(ranks=hand_ranks())


def test_consensus_pairs_weigh_each_direction_by_the_share_of_raters_ties_half():
    # (0,1): agree r1 r2, disagree r3 → 2/3. (0,2): all agree → 1.
    # (1,2): agree r1 r3, tie r2 → (2 + 0.5)/3 = 5/6.
    counts = hand_counts()
    pairs = consensus_pairs(strict=counts.strict[0], ties=counts.ties[0], order=[[0], [1], [2]])
    assert pairs == [
        ConsensusPair(winner=0, loser=1, weight=pytest.approx(2 / 3), agree=2, disagree=1, tie=0),
        ConsensusPair(winner=0, loser=2, weight=1.0, agree=3, disagree=0, tie=0),
        ConsensusPair(winner=1, loser=2, weight=pytest.approx(5 / 6), agree=2, disagree=0, tie=1),
    ]


def test_consensus_pairs_skip_pairs_the_consensus_ties():
    counts = hand_counts()
    pairs = consensus_pairs(strict=counts.strict[0], ties=counts.ties[0], order=[[0, 1], [2]])
    assert [(p.winner, p.loser) for p in pairs] == [(0, 2), (1, 2)]


def test_consensus_batch_orders_by_strength_and_emits_supported_pairs():
    found = consensus_batch(ranks=hand_ranks())
    np.testing.assert_array_equal(found.tiers, [[0, 1, 2]])
    assert list(zip(found.pairs.winner, found.pairs.loser, strict=True)) == [(0, 1), (0, 2), (1, 2)]
    np.testing.assert_allclose(found.pairs.weight, [2 / 3, 1, 5 / 6])


def test_reliability_weights_can_let_one_trusted_rater_outvote_two():
    ranks = np.array([[[0, 1], [1, 0], [1, 0]]])
    plain = consensus_batch(ranks=ranks)
    trusted = consensus_batch(ranks=ranks, weights=np.array([[1.0, 0.05, 0.05]]))
    np.testing.assert_array_equal(plain.tiers, [[1, 0]])
    np.testing.assert_array_equal(trusted.tiers, [[0, 1]])
    # The emitted weight stays the plain share of raters: 1 of 3 agree.
    assert trusted.pairs.weight.tolist() == [pytest.approx(1 / 3)]


def test_consensus_batch_can_order_by_ranked_pairs():
    found = consensus_batch(
        ranks=np.array([[[0, 1, 2], [1, 2, 0], [2, 0, 1]]]), method="ranked_pairs"
    )
    np.testing.assert_array_equal(found.tiers, [[0, 0, 0]])
    assert len(found.pairs.winner) == 0


def test_prompt_consensus_answers_in_completion_ids_and_matches_the_batch():
    rankings = {"ann": [[10], [20], [30]], "bob": [[10], [20, 30]], "cy": [[20], [10], [30]]}
    found = prompt_consensus(rankings=rankings)
    assert found.tiers == [[10], [20], [30]]
    assert [(p.winner, p.loser, p.agree) for p in found.pairs] == [
        (10, 20, 2),
        (10, 30, 3),
        (20, 30, 2),
    ]
    batch = consensus_batch(ranks=hand_ranks())
    np.testing.assert_allclose(list(found.strengths.values()), batch.strengths[0], atol=1e-12)


def test_prompt_consensus_needs_a_ranking():
    with pytest.raises(ValueError, match="at least one"):
        prompt_consensus(rankings={})


def test_pair_counts_wins_property_is_strict_plus_half_ties():
    counts = PairCounts(
        strict=np.array([[[0.0, 2.0], [1.0, 0.0]]]), ties=np.array([[[0.0, 1.0], [1.0, 0.0]]])
    )
    np.testing.assert_allclose(counts.wins, [[[0, 2.5], [1.5, 0]]])
