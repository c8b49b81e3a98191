"""The dynamic batcher: concurrent callers share passes and each gets its own rewards."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from training.engine import RewardScorer
from training.serving.batcher import BatcherClosed, DynamicBatcher

PROMPTS = [f"Question {i}: what is {i} plus {i}?" for i in range(12)]
ANSWERS = ["It is {}.", "I do not know.", "Go away.", "Let me think: {} it is."]


def _items(i: int) -> list[tuple[str, list[str]]]:
    # callers ask different numbers of completions, of different lengths
    answers = [a.format(2 * i) + " really" * (i % 4) for a in ANSWERS[: 1 + i % 4]]
    return [(PROMPTS[i], answers)]


@pytest.fixture(scope="module")
def scorer(reward_folder):
    return RewardScorer(reward_folder, device="cpu", precision="fp32", token_budget=4096)


@pytest.fixture
def one_by_one(scorer):
    return [scorer.score_groups(_items(i))[0] for i in range(len(PROMPTS))]


def _close(batcher):
    batcher.close(wait=True)


def test_requests_queued_together_share_one_pass_and_each_gets_its_own_rewards(scorer, one_by_one):
    batcher = DynamicBatcher(scorer, max_batch_tokens=1 << 20, max_wait_ms=2000)
    try:
        futures = [batcher.submit(_items(i)) for i in range(len(PROMPTS))]
        results = [f.result(timeout=60)[0] for f in futures]
    finally:
        _close(batcher)
    assert batcher.stats.batches < len(PROMPTS)
    assert batcher.stats.largest_batch > 1
    for got, alone in zip(results, one_by_one, strict=True):
        assert got == pytest.approx(alone, abs=1e-5)


def test_concurrent_callers_in_threads_each_get_the_rewards_of_scoring_alone(scorer, one_by_one):
    batcher = DynamicBatcher(scorer, max_batch_tokens=1 << 20, max_wait_ms=20)
    start = threading.Barrier(len(PROMPTS))

    def call(i):
        start.wait()
        return batcher.score(_items(i), timeout=60)[0]

    try:
        with ThreadPoolExecutor(len(PROMPTS)) as pool:
            results = list(pool.map(call, range(len(PROMPTS))))
    finally:
        _close(batcher)
    assert batcher.stats.requests == len(PROMPTS)
    for got, alone in zip(results, one_by_one, strict=True):
        assert got == pytest.approx(alone, abs=1e-5)


def test_a_pass_never_holds_more_than_the_token_bound(scorer, one_by_one):
    batcher = DynamicBatcher(scorer, max_batch_tokens=1, max_wait_ms=2000)
    try:
        futures = [batcher.submit(_items(i)) for i in range(4)]
        results = [f.result(timeout=60)[0] for f in futures]
    finally:
        _close(batcher)
    assert batcher.stats.batches == 4  # every request is over the bound on its own
    for got, alone in zip(results, one_by_one, strict=False):
        assert got == pytest.approx(alone, abs=1e-5)


def test_a_closed_batcher_finishes_what_it_holds_and_refuses_more(scorer, one_by_one):
    batcher = DynamicBatcher(scorer, max_wait_ms=500)
    held = [batcher.submit(_items(i)) for i in range(3)]
    batcher.close()
    with pytest.raises(BatcherClosed):
        batcher.submit(_items(3))
    for future, alone in zip(held, one_by_one, strict=False):
        assert future.result(timeout=60)[0] == pytest.approx(alone, abs=1e-5)
    _close(batcher)
    assert batcher.closed


class _FailsOnce(RewardScorer):
    failed = False

    def score_encoded(self, encoded):
        if not self.failed:
            self.failed = True
            raise RuntimeError("CUDA out of memory (simulated)")
        return super().score_encoded(encoded)


def test_a_failed_pass_fails_only_its_own_requests_and_the_next_pass_runs(
    reward_folder, one_by_one
):
    batcher = DynamicBatcher(_FailsOnce(reward_folder, device="cpu", precision="fp32"))
    try:
        with pytest.raises(RuntimeError, match="out of memory"):
            batcher.score(_items(0), timeout=60)
        assert batcher.score(_items(1), timeout=60)[0] == pytest.approx(one_by_one[1], abs=1e-5)
    finally:
        _close(batcher)


def test_a_request_given_up_before_its_pass_is_not_scored(scorer, one_by_one):
    batcher = DynamicBatcher(scorer, max_wait_ms=1000)
    try:
        first = batcher.submit(_items(0))
        abandoned = batcher.submit(_items(1))
        assert abandoned.cancel()  # its caller timed out while it was still queued
        assert first.result(timeout=60)[0] == pytest.approx(one_by_one[0], abs=1e-5)
    finally:
        _close(batcher)
    assert batcher.stats.requests == 1
