"""Regression flags: a paired bootstrap interval of the change, by hand-sized examples."""

import pytest

from training.evaluation.metrics import ScoredItem
from training.evaluation.regression import ratio_difference, set_differences


def _pairs(outcomes: list[bool], category: str = "") -> list[ScoredItem]:
    """One pair per outcome: right (chosen scored higher) or wrong."""
    return [
        ScoredItem([1.0, 0.0] if right else [0.0, 1.0], [[0], [1]], [1, 1], category)
        for right in outcomes
    ]


def test_the_same_scores_are_no_change_and_no_regression():
    items = _pairs([True] * 30 + [False] * 10)
    found = ratio_difference("accuracy", items, items)
    assert found is not None
    assert (found.delta, found.low, found.high) == (0.0, 0.0, 0.0)
    assert not found.regression


def test_a_large_drop_on_many_items_is_a_regression():
    baseline = _pairs([True] * 180 + [False] * 20)  # 0.90
    candidate = _pairs([True] * 120 + [False] * 80)  # 0.60, worse on the same items
    found = ratio_difference("accuracy", baseline, candidate)
    assert found is not None
    assert found.baseline == 0.9
    assert found.candidate == 0.6
    assert found.high < 0
    assert found.regression


def test_one_item_lost_of_a_few_is_within_noise():
    baseline = _pairs([True] * 8 + [False] * 2)
    candidate = _pairs([True] * 7 + [False] * 3)
    found = ratio_difference("accuracy", baseline, candidate)
    assert found is not None
    assert found.delta == pytest.approx(-0.1)
    assert found.low < 0 <= found.high
    assert not found.regression


def test_the_interval_is_the_same_on_every_call():
    baseline = _pairs([True] * 15 + [False] * 5)
    candidate = _pairs([True] * 10 + [False] * 10)
    first = ratio_difference("accuracy", baseline, candidate)
    assert first == ratio_difference("accuracy", baseline, candidate)


def test_best_of_n_is_compared_only_where_an_item_has_more_than_two_completions():
    assert ratio_difference("best_of_n_accuracy", _pairs([True]), _pairs([False])) is None


def test_categories_get_a_bonferroni_widened_interval():
    baseline = _pairs([True] * 50, "chat") + _pairs([True] * 50, "code")
    candidate = _pairs([True] * 50, "chat") + _pairs([True] * 25 + [False] * 25, "code")
    found = set_differences(baseline, candidate)
    assert set(found) == {"overall", "chat", "code"}
    (code,) = [d for d in found["code"] if d.metric == "accuracy"]
    assert code.level == pytest.approx(0.975)
    assert code.regression
    (chat,) = [d for d in found["chat"] if d.metric == "accuracy"]
    assert not chat.regression


def test_versions_scored_on_different_items_cannot_be_compared():
    with pytest.raises(ValueError, match="same items"):
        ratio_difference("accuracy", _pairs([True]), _pairs([True, False]))
