"""Many requests to many generators at once: asyncio, one pool of workers per generator.

Each OpenAI-compatible generator gets ``concurrency`` worker coroutines that take the next
request from its own queue, so a slow generator never holds up a fast one and no server
sees more requests in flight than its limit. A local model gets one worker that takes up
to ``concurrency`` prompts at a time into one batched ``generate`` (in a thread: it holds
the GIL rarely and the event loop stays free). Results go to ``emit`` as they come; a
caller in another thread hands them on through a queue (``GenerationThread``).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Protocol

import aiohttp

from generation.engine.client import samples_request
from generation.engine.hosts import GuardedResolver, HostPolicy
from generation.engine.types import Endpoint, PromptWork, RetryPolicy, SampleRequest, SampleResult

Emit = Callable[[SampleResult], None]
DEFAULT_POLICY = RetryPolicy()
ANY_HOST = HostPolicy()


class LocalGenerator(Protocol):
    def generate(self, works: list[PromptWork]) -> list[SampleResult]: ...


LocalFactory = Callable[[Endpoint], LocalGenerator]
_Unit = tuple[PromptWork, tuple[SampleRequest, ...]]


def _units(endpoint: Endpoint, works: list[PromptWork]) -> deque[_Unit]:
    if endpoint.send_n:
        return deque((work, work.samples) for work in works)
    return deque((work, (sample,)) for work in works for sample in work.samples)


async def works_run(
    works: Iterable[PromptWork],
    endpoints: dict[int, Endpoint],
    emit: Emit,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    policy: RetryPolicy = DEFAULT_POLICY,
    local: LocalFactory | None = None,
    hosts: HostPolicy = ANY_HOST,
) -> None:
    """Produce every sample of ``works``; stop taking new requests once ``should_stop()``
    (those in flight finish and are emitted). Servers are reached only where ``hosts``
    allows; a refused one's samples fail without a request."""
    by_endpoint: dict[int, list[PromptWork]] = {key: [] for key in endpoints}
    for work in works:
        by_endpoint[work.endpoint].append(work)
    remote = [endpoints[key] for key, found in by_endpoint.items() if found]
    limit = sum(e.concurrency for e in remote if not e.local_path)
    connector = aiohttp.TCPConnector(
        limit=max(limit, 1), limit_per_host=0, ttl_dns_cache=300, resolver=GuardedResolver(hosts)
    )
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = []
        for endpoint in remote:
            todo = by_endpoint[endpoint.key]
            if endpoint.local_path:
                if local is None:
                    raise ValueError(f"endpoint {endpoint.key} is a local model: pass local=")
                tasks.append(_local_worker(local(endpoint), endpoint, todo, emit, should_stop))
                continue
            if refused := hosts.literal_refusal(endpoint.base_url):
                for work in todo:
                    for sample in work.samples:
                        emit(SampleResult(sample.sample_id, ok=False, error=refused))
                continue
            units = _units(endpoint, todo)
            workers = min(endpoint.concurrency, len(units))
            tasks += [
                _remote_worker(session, endpoint, units, emit, should_stop, policy)
                for _ in range(workers)
            ]
        await asyncio.gather(*tasks)


async def _remote_worker(
    session: aiohttp.ClientSession,
    endpoint: Endpoint,
    units: deque[_Unit],
    emit: Emit,
    should_stop: Callable[[], bool],
    policy: RetryPolicy,
) -> None:
    while units and not should_stop():
        work, samples = units.popleft()
        for result in await samples_request(session, endpoint, work, samples, policy):
            emit(result)


async def _local_worker(
    generator: LocalGenerator,
    endpoint: Endpoint,
    works: list[PromptWork],
    emit: Emit,
    should_stop: Callable[[], bool],
) -> None:
    for start in range(0, len(works), endpoint.concurrency):
        if should_stop():
            return
        batch = works[start : start + endpoint.concurrency]
        for result in await asyncio.to_thread(generator.generate, batch):
            emit(result)


class GenerationThread:
    """``works_run`` on an event loop of its own thread, so that a synchronous caller (a
    Celery task holding Django connections) takes results from ``results`` at its pace and
    writes them in batches. ``None`` on ``results`` means the run is over; ``error`` then
    holds what stopped it early, if anything."""

    def __init__(
        self,
        works: list[PromptWork],
        endpoints: dict[int, Endpoint],
        *,
        policy: RetryPolicy = DEFAULT_POLICY,
        local: LocalFactory | None = None,
        hosts: HostPolicy = ANY_HOST,
    ) -> None:
        self.results: queue.SimpleQueue[SampleResult | None] = queue.SimpleQueue()
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(works, endpoints, policy, local, hosts), daemon=True
        )

    def start(self) -> GenerationThread:
        self._thread.start()
        return self

    def join(self) -> None:
        self._thread.join()

    def _run(
        self,
        works: list[PromptWork],
        endpoints: dict[int, Endpoint],
        policy: RetryPolicy,
        local: LocalFactory | None,
        hosts: HostPolicy,
    ) -> None:
        try:
            asyncio.run(
                works_run(
                    works,
                    endpoints,
                    self.results.put,
                    should_stop=self.stop.is_set,
                    policy=policy,
                    local=local,
                    hosts=hosts,
                )
            )
        except BaseException as exc:  # handed to the caller's thread, which decides
            self.error = exc
        finally:
            self.results.put(None)
