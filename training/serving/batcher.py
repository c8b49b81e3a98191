"""Dynamic batching for reward scoring: requests from many callers share forward passes.

An RL trainer asks for rewards from many rollout workers at once, each with a few
completions. One forward pass per caller would leave the device mostly idle; here every
request is tokenized in its caller's thread (fast tokenizers release the GIL), queued,
and one batcher thread per model takes whatever is queued (waiting at most
``max_wait_ms`` for more once it holds a request, and never past ``max_batch_tokens``),
scores it all as one list of sequences through the engine (longest first, chunked under
the scorer's token budget, packed through the encoder fast path) and hands each caller
its own rewards.

A request is scored by the one batcher it was submitted to, so by one model. Closing a
batcher stops new submissions and finishes every queued request first: the model pool
closes the batchers it evicts without failing a request already in them.

No Django here: the pool (``training.services.scoring``) and the benchmarks build these
from a ``RewardScorer``.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

from training.engine.batching import Encoded
from training.engine.data import Group
from training.engine.evaluate import RewardScorer, group_rewards

Items = list[tuple[str, list[str]]]  # (prompt, completions) per group

# Callers tokenize in their own threads, at the same time as a pass runs. The tokenizer's
# own thread pool on top of that oversubscribes the cores torch's threads compute on, and
# their spin-waits then burn the time: measured on 2 CPU cores, a pass ran 2.6x slower
# while callers tokenized. Callers give the parallelism; each tokenizes on one thread.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class BatcherClosed(RuntimeError):
    """The batcher was closed (its model evicted or replaced): submit to a fresh one."""


@dataclass
class _Request:
    encoded: list[Encoded]
    future: Future[list[list[float]]] = field(default_factory=Future)

    @property
    def tokens(self) -> int:
        return sum(len(s) for e in self.encoded for s in e.sequences)

    @property
    def sequences(self) -> int:
        return sum(len(e.sequences) for e in self.encoded)


@dataclass
class BatcherStats:
    """Counters the tests and benchmarks read: how many requests shared each pass."""

    requests: int = 0
    batches: int = 0
    largest_batch: int = 0


class DynamicBatcher:
    def __init__(
        self,
        scorer: RewardScorer,
        *,
        max_batch_tokens: int = 16384,
        max_wait_ms: float = 2.0,
        name: str = "",
    ) -> None:
        self.scorer = scorer
        self.max_batch_tokens = max_batch_tokens
        self.max_wait = max_wait_ms / 1000
        self.stats = BatcherStats()
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._run, name=f"rankwise-batcher-{name}", daemon=True
        )
        self._thread.start()

    def submit(self, items: Items) -> Future[list[list[float]]]:
        """Queue groups for scoring; the future holds each group's rewards in order."""
        if self._closed:  # before tokenizing: a closed batcher's caller retries elsewhere
            raise BatcherClosed
        request = _Request(self.scorer.encode([Group(p, list(c)) for p, c in items]))
        with self._lock:  # no request may slip in behind the close marker
            if self._closed:
                raise BatcherClosed
            self._queue.put(request)
        return request.future

    def score(self, items: Items, timeout: float | None = None) -> list[list[float]]:
        future = self.submit(items)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()  # still queued: the batcher skips it
            raise

    def close(self, wait: bool = False) -> None:
        """Refuse new requests; the queued ones are still scored, then the thread ends."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put(None)
        if wait:
            self._thread.join()

    @property
    def closed(self) -> bool:
        return self._closed

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, last = self._collect(first)
            self._score(batch)
            if last:
                return

    def _collect(self, first: _Request) -> tuple[list[_Request], bool]:
        """The first request and what joins it before the wait bound or the token bound."""
        batch, tokens = [first], first.tokens
        deadline = time.monotonic() + self.max_wait
        while tokens < self.max_batch_tokens:
            remaining = deadline - time.monotonic()
            try:
                nxt = self._queue.get(remaining > 0, timeout=max(remaining, 0))
            except queue.Empty:
                break
            if nxt is None:
                return batch, True
            batch.append(nxt)
            tokens += nxt.tokens
        return batch, False

    def _score(self, batch: list[_Request]) -> None:
        live = [r for r in batch if r.future.set_running_or_notify_cancel()]
        if not live:
            return
        try:
            flat = self.scorer.score_encoded([e for r in live for e in r.encoded])
            at = 0
            for request in live:
                n = request.sequences
                rewards = group_rewards(request.encoded, flat[at : at + n])
                request.future.set_result([[float(x) for x in r] for r in rewards])
                at += n
        except BaseException as error:  # one bad pass fails its requests, not the thread
            for request in live:
                if not request.future.done():
                    request.future.set_exception(error)
            return
        self.stats.requests += len(live)
        self.stats.batches += 1
        self.stats.largest_batch = max(self.stats.largest_batch, len(live))
