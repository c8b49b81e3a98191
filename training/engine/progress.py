"""Time left in a run, steady enough to read: a training rate averaged over wall time, and
evaluations counted apart.

Dividing the steps left by the last window's speed made the estimate jump (5 min 24 s,
7 min 17 s, 3 min 11 s within a minute): a window that held an evaluation or a slow batch
read as slow training, the next one as fast. Here the steps per second are an exponential
moving average over wall time, so an interval moves it by the share of the last
``halflife`` seconds it covers; evaluations are timed apart and counted by how many remain.
"""

from __future__ import annotations

HALFLIFE_SECONDS = 30.0


class Eta:
    def __init__(self, halflife: float = HALFLIFE_SECONDS) -> None:
        self.halflife = halflife
        self.rate: float | None = None  # optimizer steps per second of training
        self.eval_seconds: float | None = None  # the mean evaluation so far
        self.evals = 0

    def stepped(self, steps: int, seconds: float) -> None:
        """``steps`` optimizer steps took ``seconds`` of training (evaluations left out)."""
        if steps <= 0 or seconds <= 0:
            return
        observed = steps / seconds
        if self.rate is None:
            self.rate = observed
            return
        weight = 1 - 0.5 ** (seconds / self.halflife)
        self.rate += weight * (observed - self.rate)

    def evaluated(self, seconds: float) -> None:
        self.evals += 1
        previous = self.eval_seconds or 0.0
        self.eval_seconds = previous + (seconds - previous) / self.evals

    def seconds_left(self, steps_left: int, evals_left: int) -> float | None:
        """None until a step was timed."""
        if self.rate is None:
            return None
        return steps_left / self.rate + evals_left * (self.eval_seconds or 0.0)


def evals_left(step: int, total_steps: int, every: int) -> int:
    """Evaluations from ``step`` on (a step reports before it evaluates): at every multiple
    of ``every`` and at the last step."""
    if step > total_steps:
        return 0
    at_multiples = total_steps // every - (max(step, 1) - 1) // every
    return at_multiples + (1 if total_steps % every else 0)
