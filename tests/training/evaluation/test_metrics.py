"""The evaluation maths against values worked out by hand (no database)."""

import math

import pytest

from training.evaluation.metrics import (
    ScoredItem,
    ece,
    kendall_tau_b,
    metrics,
    ordered_pairs,
    report,
    spearman,
    tied_pairs,
)


def _pair(chosen: float, rejected: float, category: str = "", lengths=(1, 1)) -> ScoredItem:
    return ScoredItem([chosen, rejected], [[0], [1]], list(lengths), category)


def test_a_ranking_with_a_tie_states_the_pairs_across_tiers_only():
    tiers = [[2], [0, 3], [1]]
    assert ordered_pairs(tiers) == [(2, 0), (2, 3), (2, 1), (0, 1), (3, 1)]
    assert tied_pairs(tiers) == [(0, 3)]


def test_accuracy_counts_pairs_whose_better_completion_scored_higher():
    found = metrics([_pair(2, 1), _pair(0, 1), _pair(3, -1), _pair(0.5, 0.2)])
    assert found["pairs"] == 4
    assert found["accuracy"] == 0.75
    assert found["mean_margin"] == pytest.approx((1 - 1 + 4 + 0.3) / 4)


def test_a_model_tie_is_not_right_and_is_counted_apart():
    found = metrics([_pair(1, 1), _pair(2, 1)])
    assert found["accuracy"] == 0.5
    assert found["model_ties"] == 1


def test_human_ties_are_never_scored_but_their_reward_gap_is_reported():
    # Tiers [[0, 1], [2]]: pairs (0, 2) and (1, 2) ordered, (0, 1) a human tie.
    item = ScoredItem([3.0, 1.0, 2.0], [[0, 1], [2]], [1, 1, 1])
    found = metrics([item])
    assert found["pairs"] == 2
    assert found["accuracy"] == 0.5  # 3 > 2 right, 1 < 2 wrong
    assert found["human_ties"] == 1
    assert found["human_tie_gap"] == 2.0


def test_calibration_compares_hit_rate_with_sigmoid_confidence_per_bin():
    # Margins +ln 3 and -ln 3: both at confidence sigmoid(ln 3) = 0.75, same bin, hit rate 0.5.
    margin = math.log(3)
    assert ece([margin, -margin]) == pytest.approx(0.25)
    # Margins +ln 3 (0.75, hit) and +ln 9 (0.9, hit): bins apart, errors 0.25 and 0.1.
    assert ece([margin, math.log(9)]) == pytest.approx((0.25 + 0.1) / 2)


def test_a_model_tie_is_half_a_hit_at_confidence_one_half():
    assert ece([0.0]) == 0.0


def test_best_of_n_asks_whether_the_top_scored_completion_is_in_the_human_top_tier():
    hit = ScoredItem([0.1, 0.9, 0.5], [[1, 2], [0]], [1, 1, 1])
    miss = ScoredItem([0.9, 0.1, 0.5], [[1, 2], [0]], [1, 1, 1])
    pair = _pair(1, 0)  # K = 2: no best-of-N question
    found = metrics([hit, miss, pair])
    assert found["best_of_n_items"] == 2
    assert found["best_of_n_accuracy"] == 0.5


def test_rank_correlations_are_tie_aware():
    rewards, human = [4.0, 3.0, 2.0, 1.0], [0.0, 0.0, -1.0, -2.0]  # a tie at the top
    # Kendall tau-b: 5 concordant pairs, 1 tied in human only: 5 / sqrt(6 * 5).
    assert kendall_tau_b(rewards, human) == pytest.approx(5 / math.sqrt(30))
    # Spearman: ranks [4, 3, 2, 1] against [3.5, 3.5, 2, 1]; Pearson r worked by hand.
    assert spearman(rewards, human) == pytest.approx(4.5 / math.sqrt(5 * 4.5))


def test_correlations_skip_items_with_nothing_to_order():
    all_tied = ScoredItem([1.0, 2.0, 3.0], [[0, 1, 2]], [1, 1, 1])
    found = metrics([all_tied])
    assert found["spearman"] is None
    assert found["kendall"] is None


def test_a_reversed_ranking_correlates_minus_one():
    item = ScoredItem([1.0, 2.0, 3.0], [[0], [1], [2]], [1, 1, 1])
    found = metrics([item])
    assert found["spearman"] == pytest.approx(-1.0)
    assert found["kendall"] == pytest.approx(-1.0)


def test_length_correlation_is_pearson_over_every_completion():
    items = [_pair(1, 2, lengths=(10, 20)), _pair(3, 4, lengths=(30, 40))]
    assert metrics(items)["length_correlation"] == pytest.approx(1.0)
    flat = [_pair(1, 2, lengths=(5, 5))]
    assert metrics(flat)["length_correlation"] is None


def test_the_report_has_the_whole_set_and_each_category_apart():
    items = [_pair(2, 1, "chat"), _pair(0, 1, "chat"), _pair(2, 1, "safety"), _pair(2, 1)]
    found = report(items)
    assert found["overall"]["accuracy"] == 0.75
    assert set(found["categories"]) == {"chat", "safety"}
    assert found["categories"]["chat"]["accuracy"] == 0.5
    assert found["categories"]["safety"]["items"] == 1


def test_an_empty_set_reports_no_numbers_rather_than_failing():
    found = metrics([])
    assert found["accuracy"] is None
    assert found["ece"] is None
    assert found["pairs"] == 0
