"""A generation job on a worker: claim it, ask the generators, write what comes back.

The engine (generation.engine) runs the requests on an event loop in a thread of its own;
this side takes the results from its queue and writes them every ``FLUSH_EVERY`` results
or ``FLUSH_SECONDS``, in one transaction per batch: the samples (one set-based UPDATE),
the job's counts and usage, and the prompts whose samples are all in (services.release).
A worker killed mid-batch loses that batch's transaction only: its samples are still
pending, and the resumed job asks for them again with the same seeds.

One worker runs a job at a time: the claim takes a queued (or stalled) job under a row
lock, so a duplicate message finds it running and does nothing. A worker that was only
slow, not dead, may see its job resumed elsewhere (beat's check, a person's Resume): its
heartbeat and its end are conditional on the heartbeat it last wrote, so at its next
write or beat it finds the job moved on (each batch is written under the job's row lock,
only while the job still carries that heartbeat), stops and writes nothing more (fencing).
"""

from __future__ import annotations

import queue
import socket
import time
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from generation.engine.orchestrate import GenerationThread
from generation.engine.types import PromptWork, RetryPolicy, SampleRequest, SampleResult
from generation.models import GenerationJob, GenerationSample, Generator
from generation.services.generators import generator_endpoint, host_policy, local_factory
from generation.services.jobs import is_stalled
from generation.services.release import prompts_release

FLUSH_EVERY = 500
FLUSH_SECONDS = 0.5
MAX_JOB_ERROR = 2000
LOST = "lost to another worker"


def _claim(job_id: int) -> GenerationJob | None:
    with transaction.atomic():
        job = GenerationJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return None
        stalled = is_stalled(job)
        if job.status != GenerationJob.Status.QUEUED and not stalled:
            return None  # ended, cancelled, or another worker has it
        now = timezone.now()
        job.status, job.heartbeat_at = GenerationJob.Status.RUNNING, now
        job.started_at = job.started_at or now
        job.worker = socket.gethostname()[:200]
        job.save(update_fields=["status", "heartbeat_at", "started_at", "worker"])
        return job


def _works(job: GenerationJob) -> list[PromptWork]:
    pending = (
        GenerationSample.objects.filter(job=job, status=GenerationSample.Status.PENDING)
        .order_by("prompt_id", "generator_id", "sample_index")
        .values_list("id", "seed", "generator_id", "prompt_id", "prompt__text", "prompt__messages")
    )
    works: dict[tuple[int, int], PromptWork] = {}
    for sample_id, seed, generator_id, prompt_id, text, messages in pending.iterator(2000):
        key = (prompt_id, generator_id)
        found = works.get(key)
        samples = (*(found.samples if found else ()), SampleRequest(sample_id, seed))
        works[key] = PromptWork(generator_id, text, messages, samples)
    return list(works.values())


def generation_job_execute(*, job_id: int) -> str:
    job = _claim(job_id)
    if job is None:
        return "not claimed"
    generators = Generator.objects.in_bulk([step["generator"] for step in job.plan])
    try:
        endpoints = {pk: generator_endpoint(g) for pk, g in generators.items()}
        works = _works(job)
    except Exception as exc:
        return _end(job, GenerationJob.Status.FAILED, f"{type(exc).__name__}: {exc}")
    policy = RetryPolicy(
        attempts=settings.GENERATION_ATTEMPTS, backoff=settings.GENERATION_BACKOFF_MS / 1000
    )
    runner = GenerationThread(
        works, endpoints, policy=policy, local=local_factory, hosts=host_policy()
    ).start()
    names = {pk: g.name for pk, g in generators.items()}
    ours = _drain(job, runner, names)
    runner.join()
    if not ours:
        return LOST
    if job.cancel_requested:
        return _end(job, GenerationJob.Status.CANCELLED, "")
    if runner.error is not None:
        error = f"{type(runner.error).__name__}: {runner.error}"[:MAX_JOB_ERROR]
        return _end(job, GenerationJob.Status.FAILED, error)
    return _end(job, GenerationJob.Status.SUCCEEDED, "")


def _drain(job: GenerationJob, runner: GenerationThread, names: dict[int, str]) -> bool:
    """Write the results as they come; False if the job was taken from this worker."""
    buffer: list[SampleResult] = []
    flushed = beat = time.monotonic()
    finished, ours = False, True
    while not finished:
        try:
            result = runner.results.get(timeout=FLUSH_SECONDS)
        except queue.Empty:
            result = SampleResult(-1, ok=False)  # nothing came: time to look around
        if result is None:
            finished = True
        elif result.sample_id >= 0:
            buffer.append(result)
        now = time.monotonic()
        if finished or len(buffer) >= FLUSH_EVERY or now - flushed >= FLUSH_SECONDS:
            if buffer and ours and not results_write(job=job, results=buffer, names=names):
                ours = False
                runner.stop.set()  # resumed elsewhere while this worker was silent
            buffer = []
            flushed = now
            if ours and (now - beat >= settings.GENERATION_HEARTBEAT_SECONDS or finished):
                ours = _beat(job, runner)
                beat = now
    return ours


def _mine(job: GenerationJob) -> QuerySet[GenerationJob]:
    """The job's row while this worker still holds it: running, with its last heartbeat."""
    return GenerationJob.objects.filter(
        pk=job.pk, status=GenerationJob.Status.RUNNING, heartbeat_at=job.heartbeat_at
    )


def _beat(job: GenerationJob, runner: GenerationThread) -> bool:
    now = timezone.now()
    if not _mine(job).update(heartbeat_at=now):
        runner.stop.set()  # resumed elsewhere while this worker was silent
        return False
    job.heartbeat_at = now
    cancel = GenerationJob.objects.filter(pk=job.pk).values_list("cancel_requested", flat=True)
    if cancel.first():
        job.cancel_requested = True
        runner.stop.set()
    return True


def _end(job: GenerationJob, status: str, error: str) -> str:
    with transaction.atomic():
        if not _mine(job).select_for_update().exists():
            return LOST
        _counts_refresh(job)
        job.status, job.error, job.finished_at = status, error, timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
    return status


@transaction.atomic
def results_write(
    *, job: GenerationJob, results: list[SampleResult], names: dict[int, str]
) -> bool:
    """Write a batch of results: samples, the job's counts and usage, ready prompts. False,
    writing nothing, once the job is no longer this worker's (its row locked meanwhile)."""
    if not _mine(job).select_for_update().exists():
        return False
    written = _samples_update(results)
    if not written:
        return True
    rows = GenerationSample.objects.filter(pk__in=written).values_list(
        "generator_id", "prompt_id", "status", "prompt_tokens", "completion_tokens"
    )
    usage = job.usage
    touched = set()
    for generator_id, prompt_id, status, prompt_tokens, completion_tokens in rows:
        touched.add(prompt_id)
        counted = usage.setdefault(
            names.get(generator_id, str(generator_id)),
            {"samples": 0, "failed": 0, "prompt_tokens": 0, "completion_tokens": 0},
        )
        counted["failed" if status == GenerationSample.Status.FAILED else "samples"] += 1
        counted["prompt_tokens"] += prompt_tokens
        counted["completion_tokens"] += completion_tokens
    released, duplicates = prompts_release(prompt_ids=sorted(touched))
    job.prompts_released += released
    job.duplicates += duplicates
    _counts_refresh(job)
    job.save(
        update_fields=[
            "usage", "prompts_released", "duplicates", "samples_done", "samples_failed",
        ]
    )  # fmt: skip
    return True


def _counts_refresh(job: GenerationJob) -> None:
    counts = Counter(
        dict(
            GenerationSample.objects.filter(job=job)
            .values("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
    )
    S = GenerationSample.Status
    job.samples_done = counts[S.DONE] + counts[S.DUPLICATE]
    job.samples_failed = counts[S.FAILED]


_COLUMNS = (
    ("status", "text"), ("text", "text"), ("model", "text"), ("finish_reason", "text"),
    ("prompt_tokens", "integer"), ("completion_tokens", "integer"), ("latency_ms", "integer"),
    ("attempts", "integer"), ("error", "text"),
)  # fmt: skip


def _samples_update(results: list[SampleResult]) -> list[int]:
    """One UPDATE for the batch, of samples still pending only: a result that comes twice
    (a redelivered task) changes nothing the second time. The ids it wrote."""
    S = GenerationSample.Status
    values: dict[str, list[Any]] = {name: [] for name, _ in _COLUMNS}
    for r in results:
        if r.ok and not r.text.strip():
            r.ok, r.error = False, "The server answered with an empty completion."
        values["status"].append(S.DONE if r.ok else S.FAILED)
        values["text"].append(r.text.replace("\x00", ""))
        values["model"].append(r.model[:300])
        values["finish_reason"].append(r.finish_reason[:40])
        values["prompt_tokens"].append(r.prompt_tokens)
        values["completion_tokens"].append(r.completion_tokens)
        values["latency_ms"].append(r.latency_ms)
        values["attempts"].append(r.attempts)
        values["error"].append(r.error)
    ids = [r.sample_id for r in results]
    if connection.vendor != "postgresql":
        return _samples_update_portable(results, values)
    table = GenerationSample._meta.db_table
    unnest = ", ".join(f"%s::{kind}[]" for _, kind in _COLUMNS)
    names = ", ".join(name for name, _ in _COLUMNS)
    assign = ", ".join(f"{name} = v.{name}" for name, _ in _COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} s SET {assign}, finished_at = now() "
            f"FROM unnest(%s::bigint[], {unnest}) AS v(id, {names}) "
            "WHERE s.id = v.id AND s.status = 'pending' RETURNING s.id",
            [ids, *(values[name] for name, _ in _COLUMNS)],
        )
        return [row[0] for row in cursor.fetchall()]


def _samples_update_portable(
    results: list[SampleResult], values: dict[str, list[Any]]
) -> list[int]:
    # The embedded SQLite mode: small jobs, one UPDATE per sample.
    written = []
    now = timezone.now()
    for i, r in enumerate(results):
        fields = {name: values[name][i] for name, _ in _COLUMNS}
        pending = GenerationSample.objects.filter(pk=r.sample_id, status="pending")
        if pending.update(**fields, finished_at=now):
            written.append(r.sample_id)
    return written
