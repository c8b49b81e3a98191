"""Agreement statistics on plain data: hand-computed cases, properties, and alpha against
the reference ``krippendorff`` package."""

import random

import krippendorff
import numpy as np
import pytest

from preferences.maths.agreement import (
    AgreementCount,
    PositionBias,
    agreement_with_consensus,
    consensus_agreement_batch,
    consensus_agreement_counts,
    gold_score,
    kendall_w,
    krippendorff_alpha_pairs,
    length_bias,
    median_time,
    pair_preferences,
    pair_units,
    pairwise_agreement_rate,
    position_bias,
)


def random_tiers(rng: random.Random, ids: list[int]) -> list[list[int]]:
    """A random weak order: shuffle, then cut between neighbours with probability 0.6."""
    order = rng.sample(ids, len(ids))
    tiers = [[order[0]]]
    for completion_id in order[1:]:
        if rng.random() < 0.6:
            tiers.append([completion_id])
        else:
            tiers[-1].append(completion_id)
    return tiers


# --- pair preferences -------------------------------------------------------------------------


def test_pair_preferences_give_plus_minus_one_or_zero_for_a_tie():
    # 7 above 3 and 5; 3 and 5 tied. Keys are (smaller id, larger id).
    assert pair_preferences(tiers=[[7], [5, 3]]) == {(3, 5): 0, (3, 7): -1, (5, 7): -1}


def test_pair_preferences_reject_an_id_ranked_twice():
    with pytest.raises(ValueError, match="twice"):
        pair_preferences(tiers=[[1], [1, 2]])


def test_pair_units_group_values_by_prompt_and_pair():
    units = pair_units(rankings={"p": {"ann": [[1], [2]], "bob": [[1, 2]]}})
    assert units == {("p", 1, 2): {"ann": 1, "bob": 0}}


# --- Kendall's W ------------------------------------------------------------------------------


def test_kendall_w_of_three_strict_raters_matches_the_hand_computation():
    # Ranks a,b,c: r1 1,2,3; r2 1,3,2; r3 2,1,3. Rank sums 4, 6, 8; mean m(n+1)/2 = 6.
    # S = 4 + 0 + 4 = 8; W = 12·8 / (3²·(27 - 3)) = 96 / 216 = 4/9.
    rankings = [[[1], [2], [3]], [[1], [3], [2]], [[2], [1], [3]]]
    assert kendall_w(rankings=rankings) == pytest.approx(4 / 9)


def test_kendall_w_averages_ranks_in_a_tier_and_corrects_for_ties():
    # r1 [a b][c]: 1.5, 1.5, 3; r2 [a][b][c]: 1, 2, 3. Rank sums 2.5, 3.5, 6; mean 4.
    # S = 2.25 + 0.25 + 4 = 6.5. T = 2³ - 2 = 6 for r1's tie.
    # W = 12·6.5 / (2²·24 - 2·6) = 78 / 84.
    assert kendall_w(rankings=[[[1, 2], [3]], [[1], [2], [3]]]) == pytest.approx(78 / 84)


def test_kendall_w_is_one_for_identical_rankings():
    tiers = [[4], [1, 2], [3]]
    assert kendall_w(rankings=[tiers, tiers, tiers]) == pytest.approx(1.0)


def test_kendall_w_is_zero_for_a_ranking_and_its_reverse():
    # Rank sums are all n + 1: no deviation at all.
    assert kendall_w(rankings=[[[1], [2], [3], [4]], [[4], [3], [2], [1]]]) == pytest.approx(0.0)


def test_kendall_w_stays_between_zero_and_one_on_random_rankings():
    rng = random.Random(3)
    for _ in range(200):
        rankings = [random_tiers(rng, [1, 2, 3, 4, 5]) for _ in range(rng.randint(2, 5))]
        w = kendall_w(rankings=rankings)
        assert w is None or -1e-12 <= w <= 1 + 1e-12


@pytest.mark.parametrize(
    "rankings",
    [
        [[[1], [2]]],  # one rater
        [[[1]], [[1]]],  # one completion
        [[[1, 2, 3]], [[1, 2, 3]]],  # everything tied
    ],
)
def test_kendall_w_is_undefined_without_two_raters_two_items_or_any_order(rankings):
    assert kendall_w(rankings=rankings) is None


def test_kendall_w_rejects_rankings_of_different_completions():
    with pytest.raises(ValueError, match="same completions"):
        kendall_w(rankings=[[[1], [2]], [[1], [3]]])


# --- Krippendorff's alpha ---------------------------------------------------------------------


def test_alpha_matches_the_hand_computed_coincidence_matrix():
    # u1 (+1, +1), u2 (+1, 0), u3 (-1, -1); 2 raters, so each ordered pair adds 1/(2 - 1).
    # o(+1,+1) = 2, o(+1,0) = o(0,+1) = 1, o(-1,-1) = 2: n_+ = 3, n_0 = 1, n_- = 2, n = 6.
    # Σ o δ² = 1 + 1 = 2. Σ n_c n_k δ² = 2·(3·1·1 + 3·2·4 + 1·2·1) = 58.
    # alpha = 1 - (6 - 1)·2 / 58 = 48/58.
    units = {"u1": {"a": 1, "b": 1}, "u2": {"a": 1, "b": 0}, "u3": {"a": -1, "b": -1}}
    assert krippendorff_alpha_pairs(units=units) == pytest.approx(48 / 58)


def test_alpha_weighs_a_three_rater_unit_by_one_over_m_minus_one():
    # u1 (+1, +1, -1): ordered pairs (+1,+1)x2, (+1,-1)x2, (-1,+1)x2, each 1/2:
    # o(+1,+1) = 1, o(+1,-1) = o(-1,+1) = 1. u2 (0, 0): o(0,0) = 2.
    # n_+ = 2, n_- = 1, n_0 = 2, n = 5. Σ o δ² = 2·4 = 8.
    # Σ n_c n_k δ² = 2·(2·1·4 + 2·2·1 + 1·2·1) = 28. alpha = 1 - 4·8/28 = -1/7.
    units = {"u1": {"a": 1, "b": 1, "c": -1}, "u2": {"a": 0, "b": 0}}
    assert krippendorff_alpha_pairs(units=units) == pytest.approx(-1 / 7)


def test_alpha_is_one_for_perfect_agreement():
    units = {k: {"a": v, "b": v, "c": v} for k, v in enumerate([1, -1, 0, 1, 1])}
    assert krippendorff_alpha_pairs(units=units) == pytest.approx(1.0)


def test_alpha_ignores_units_with_a_single_rater():
    units = {"u1": {"a": 1, "b": 1}, "u2": {"a": -1, "b": -1}, "lone": {"a": 0}}
    assert krippendorff_alpha_pairs(units=units) == pytest.approx(1.0)


def test_alpha_is_undefined_when_every_value_is_the_same_or_nothing_is_pairable():
    assert krippendorff_alpha_pairs(units={"u": {"a": 1, "b": 1}}) is None
    assert krippendorff_alpha_pairs(units={"u": {"a": 1}}) is None


def test_alpha_rejects_a_value_outside_minus_one_zero_one():
    with pytest.raises(ValueError, match="-1, 0 or"):
        krippendorff_alpha_pairs(units={"u": {"a": 2, "b": 1}})


@pytest.mark.parametrize("seed", range(10))
def test_alpha_equals_the_krippendorff_package_on_random_data_with_missing_values(seed):
    rng = np.random.default_rng(seed)
    raters, units = 6, 60
    # Agreement above chance: each unit has a leaning, raters follow it 70 % of the time.
    leaning = rng.choice([-1, 0, 1], size=units)
    data = np.where(
        rng.random((raters, units)) < 0.7, leaning, rng.choice([-1, 0, 1], (raters, units))
    )
    data = np.where(rng.random((raters, units)) < 0.35, np.nan, data.astype(float))
    mapping = {
        u: {r: int(data[r, u]) for r in range(raters) if not np.isnan(data[r, u])}
        for u in range(units)
    }
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    assert krippendorff_alpha_pairs(units=mapping) == pytest.approx(expected, abs=1e-9)


# --- pairwise agreement rate ------------------------------------------------------------------


def test_pairwise_agreement_rate_pools_rater_pairs_over_units():
    # u1 (+1, +1, 0): 3 rater pairs, 1 agreeing. u2 (-1, -1): 1 pair, agreeing. 2 / 4.
    units = {"u1": {"a": 1, "b": 1, "c": 0}, "u2": {"a": -1, "b": -1}, "lone": {"a": 1}}
    assert pairwise_agreement_rate(units=units) == pytest.approx(0.5)


def test_pairwise_agreement_rate_is_undefined_without_rater_pairs():
    assert pairwise_agreement_rate(units={"u": {"a": 1}}) is None


# --- agreement with the leave-one-out consensus -----------------------------------------------


def test_agreement_with_consensus_scores_against_the_others_borda_order():
    # Others: [1][2][3] and [2][1][3]: doubled average ranks 1→2+4=6, 2→4+2=6, 3→6+6=12,
    # so the consensus ties 1 and 2 and puts both above 3.
    # Rater [3][1][2]: (1,2) strict but consensus tie → out; (1,3) and (2,3) disagree → 0/2.
    others = [[[1], [2], [3]], [[2], [1], [3]]]
    assert agreement_with_consensus(rater_tiers=[[3], [1], [2]], others_tiers_list=others) == 0.0
    counts = consensus_agreement_counts(rater_tiers=[[1], [2], [3]], others_tiers_list=others)
    assert counts == AgreementCount(agree=2, total=2)


def test_agreement_with_consensus_leaves_out_the_raters_own_ties():
    # Rater ties 1 and 2 → only (1,3), (2,3) count; the single other says 3 is last: 2/2.
    others = [[[2], [1], [3]]]
    assert agreement_with_consensus(rater_tiers=[[1, 2], [3]], others_tiers_list=others) == 1.0


def test_agreement_with_consensus_is_undefined_without_other_raters():
    assert agreement_with_consensus(rater_tiers=[[1], [2]], others_tiers_list=[]) is None


def test_agreement_counts_add_up_across_prompts():
    total = AgreementCount(agree=1, total=2) + AgreementCount(agree=3, total=3)
    assert total == AgreementCount(agree=4, total=5)
    assert total.rate == pytest.approx(0.8)


def test_batched_agreement_equals_the_per_prompt_counts():
    rng = random.Random(11)
    prompts, slots, width = 60, 4, 5
    ranks = np.full((prompts, slots, width), -1, dtype=np.int64)
    expected = np.zeros((2, prompts, slots), dtype=np.int64)
    for p in range(prompts):
        ids = list(range(rng.randint(2, width)))
        raters = rng.randint(1, slots)
        rankings = [random_tiers(rng, ids) for _ in range(raters)]
        for r, tiers in enumerate(rankings):
            for number, tier in enumerate(tiers):
                ranks[p, r, tier] = number
            counts = consensus_agreement_counts(
                rater_tiers=tiers, others_tiers_list=rankings[:r] + rankings[r + 1 :]
            )
            expected[:, p, r] = counts.agree, counts.total
    agree, total = consensus_agreement_batch(ranks=ranks)
    np.testing.assert_array_equal(agree, expected[0])
    np.testing.assert_array_equal(total, expected[1])


def test_batched_agreement_rejects_a_rater_who_skipped_a_completion():
    ranks = np.array([[[0, 1, 2], [0, 1, -1]]])
    with pytest.raises(ValueError, match="only some"):
        consensus_agreement_batch(ranks=ranks)


# --- gold score -------------------------------------------------------------------------------


def test_gold_score_is_one_for_the_gold_ranking_itself():
    assert gold_score(rater_tiers=[[2], [1, 3]], gold_tiers=[[2], [1, 3]]) == 1.0


def test_gold_score_is_zero_for_the_reversed_gold_ranking():
    assert gold_score(rater_tiers=[[3], [2], [1]], gold_tiers=[[1], [2], [3]]) == 0.0


def test_gold_score_gives_half_credit_for_a_tie_the_gold_does_not_have():
    # Pairs (1,2): tie vs strict → 0.5; (1,3), (2,3) agree → 0. Score 1 - 0.5/3 = 5/6.
    assert gold_score(rater_tiers=[[1, 2], [3]], gold_tiers=[[1], [2], [3]]) == pytest.approx(5 / 6)


def test_gold_score_counts_a_reversed_pair_fully():
    # [2][1][3][4] vs gold [1][2][3][4]: 1 discordant pair of 6 → 1 - 1/6.
    score = gold_score(rater_tiers=[[2], [1], [3], [4]], gold_tiers=[[1], [2], [3], [4]])
    assert score == pytest.approx(5 / 6)


def test_gold_score_needs_two_completions():
    with pytest.raises(ValueError, match="two completions"):
        gold_score(rater_tiers=[[1]], gold_tiers=[[1]])


# --- biases and time --------------------------------------------------------------------------


def test_position_bias_compares_the_first_shown_in_top_tier_with_chance():
    # Hits: yes, no, yes (tied top). Chance: (1/4 + 1/4 + 2/4) / 3 = 1/3.
    rankings = [
        ([[5], [6], [7], [8]], [5, 6, 7, 8]),
        ([[6], [5], [7], [8]], [5, 6, 7, 8]),
        ([[7, 5], [6], [8]], [5, 8, 6, 7]),
    ]
    bias = position_bias(rankings=rankings)
    assert isinstance(bias, PositionBias)
    assert (bias.rate, bias.chance) == (pytest.approx(2 / 3), pytest.approx(1 / 3))


def test_position_bias_is_undefined_without_rankings():
    assert position_bias(rankings=[]) is None


def test_length_bias_is_the_share_of_unequal_pairs_the_longer_won():
    # (300, 100) longer wins, (50, 80) shorter wins, (70, 70) skipped, (90, 10) longer: 2/3.
    assert length_bias(pairs=[(300, 100), (50, 80), (70, 70), (90, 10)]) == pytest.approx(2 / 3)


def test_length_bias_is_undefined_when_every_pair_has_equal_lengths():
    assert length_bias(pairs=[(10, 10)]) is None


def test_median_time_is_the_middle_value_or_the_mean_of_the_two_middle_ones():
    assert median_time(ms_values=[900, 100, 5000]) == 900.0
    assert median_time(ms_values=[100, 200, 300, 10_000]) == 250.0
    assert median_time(ms_values=[]) is None
