"""The time a run has left: steady under uneven steps and evaluation pauses."""

import itertools
import random

import pytest

from training.engine.progress import Eta, evals_left


def _steps(seed: int, count: int) -> list[float]:
    """Step durations of a loaded machine: 0.2-0.6 s, and one step in 25 ten times slower."""
    draw = random.Random(seed)
    return [4.0 if i % 25 == 24 else draw.uniform(0.2, 0.6) for i in range(count)]


def test_the_estimate_never_moves_much_more_than_the_time_that_passed():
    total, eval_every, eval_seconds = 600, 50, 8.0
    eta, clock, shown = Eta(), 0.0, []
    for step, seconds in enumerate(_steps(1, total), start=1):
        clock += seconds
        eta.stepped(1, seconds)
        left = eta.seconds_left(total - step, evals_left(step, total, eval_every))
        shown.append((clock, left))
        if step % eval_every == 0:
            clock += eval_seconds
            eta.evaluated(eval_seconds)
    settled = [(t, left) for t, left in shown if t > 60]  # past the first minute
    for (t0, before), (t1, after) in itertools.pairwise(settled):
        # Between two reports the estimate falls by at most the time that passed (less
        # during a slow step, which did less of the work), and beyond that moves by at
        # most ~3 % a second: an interval weighs its share of the 30 s half-life.
        slack = before * 0.03 * (t1 - t0) + 0.5
        assert before - (t1 - t0) - slack <= after <= before + slack, (t1, before, after)
    midway = next(left for t, left in shown if t >= clock / 2)
    assert midway == pytest.approx(clock / 2, rel=0.15)  # and it is about right


def test_no_estimate_before_a_step_was_timed():
    eta = Eta()
    assert eta.seconds_left(10, 1) is None
    eta.stepped(2, 1.0)
    assert eta.seconds_left(10, 0) == pytest.approx(5.0)


def test_evaluations_left_count_the_multiples_and_the_last_step_from_this_one_on():
    assert evals_left(1, 100, 10) == 10
    assert evals_left(1, 95, 10) == 10  # 10, ..., 90 and 95
    assert evals_left(90, 95, 10) == 2  # a step reports before it evaluates
    assert evals_left(91, 95, 10) == 1
    assert evals_left(95, 95, 10) == 1
    assert evals_left(96, 95, 10) == 0
