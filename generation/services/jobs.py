"""Generation jobs: plan, cancel, resume, retry the failed samples, and the beat check
that resumes a job whose worker was lost.

A job owes ``samples`` completions per (prompt, generator) of its plan, for every prompt
of the project still awaiting completions. The samples are rows made when the job is
created, unique per (prompt, generator, sample index): a second job over the same prompts
adds only the samples the first did not plan (a larger ``samples``), never a copy.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from annotation.models import Prompt
from config.errors import Conflict
from generation.models import GenerationJob, GenerationSample, Generator
from projects.models import Project

MAX_SAMPLES = 16
INSERT_BATCH = 5000


class NothingToGenerate(Conflict):
    code = "nothing_to_generate"
    message = (
        "No prompt of this project is awaiting completions from this plan: import prompts "
        "without completions first (or plan more samples)."
    )


class JobNotResumable(Conflict):
    code = "job_not_resumable"
    message = "Only a cancelled, failed or stalled job can be resumed."


class JobFinished(Conflict):
    code = "job_finished"
    message = "The job has ended; resume it or start a new one."


class JobRunning(Conflict):
    code = "job_running"
    message = "The job is queued or running: cancel it first, or wait for it to end."


ACTIVE = (GenerationJob.Status.QUEUED, GenerationJob.Status.RUNNING)


def sample_seed(*, base: int | None, prompt_id: int, index: int) -> int:
    """The seed sample ``index`` of a prompt asks for: distinct per sample, the same on
    every retry, so a resent request asks for the same completion."""
    digest = hashlib.sha256(f"{base}:{prompt_id}:{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def _plan_generators(project: Project, plan: list[dict[str, Any]]) -> list[tuple[Generator, int]]:
    ids = [step["generator"] for step in plan]
    if len(set(ids)) != len(ids):
        raise ValidationError({"plan": ["Name each generator once."]})
    found = Generator.objects.in_bulk([i for i in ids if isinstance(i, int)])
    chosen = []
    for index, step in enumerate(plan):
        generator = found.get(step["generator"])
        if generator is None or generator.project_id != project.pk:
            raise ValidationError(
                {"plan": [f"plan.{index}.generator: no generator {step['generator']} here."]}
            )
        chosen.append((generator, int(step["samples"])))
    return chosen


@transaction.atomic
def generation_job_create(
    *, project: Project, plan: list[dict[str, Any]], created_by: User | None
) -> GenerationJob:
    """``plan``: [{"generator": id, "samples": n}, ...]. Enqueued when the caller commits."""
    if not plan:
        raise ValidationError({"plan": ["Name at least one generator."]})
    steps = _plan_generators(project, plan)
    job = GenerationJob.objects.create(
        project=project,
        plan=[{"generator": g.pk, "name": g.name, "samples": n} for g, n in steps],
        created_by=created_by,
    )
    prompt_ids = list(
        Prompt.objects.filter(project=project, awaiting_completions=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    made = 0
    rows: list[GenerationSample] = []
    for prompt_id in prompt_ids:
        for generator, samples in steps:
            sampling = {**generator_sampling(generator)}
            rows += [
                GenerationSample(
                    job=job,
                    prompt_id=prompt_id,
                    generator=generator,
                    sample_index=i,
                    seed=sample_seed(base=generator.seed, prompt_id=prompt_id, index=i),
                    sampling=sampling,
                )
                for i in range(samples)
            ]
        if len(rows) >= INSERT_BATCH:
            made += _insert(rows)
            rows = []
    made += _insert(rows)
    if not made:
        raise NothingToGenerate()
    job.samples_total = made
    job.prompts_total = (
        GenerationSample.objects.filter(job=job).values("prompt_id").distinct().count()
    )
    job.save(update_fields=["samples_total", "prompts_total"])
    _enqueue(job)
    return job


def generator_sampling(generator: Generator) -> dict[str, Any]:
    return {
        "temperature": generator.temperature,
        "top_p": generator.top_p,
        "max_tokens": generator.max_tokens,
        "stop": generator.stop,
        "endpoint": generator.endpoint,
        "n": generator.send_n,
    }


def _insert(rows: list[GenerationSample]) -> int:
    """Insert the samples not planned yet; how many that was."""
    if not rows:
        return 0
    before = GenerationSample.objects.filter(job=rows[0].job).count()
    GenerationSample.objects.bulk_create(rows, ignore_conflicts=True, batch_size=INSERT_BATCH)
    return GenerationSample.objects.filter(job=rows[0].job).count() - before


def _queue(job: GenerationJob) -> str:
    ids = [step["generator"] for step in job.plan]
    local = Generator.objects.filter(pk__in=ids, kind=Generator.Kind.LOCAL).exists()
    return "generation" if local else "default"


def _enqueue(job: GenerationJob) -> None:
    from generation.tasks import generation_job_run

    queue, job_id = _queue(job), job.pk
    transaction.on_commit(lambda: generation_job_run.apply_async(args=(job_id,), queue=queue))


def is_stalled(job: GenerationJob, now: Any = None) -> bool:
    now = now or timezone.now()
    beat = job.heartbeat_at or job.started_at or job.created_at
    stale = now - beat > timedelta(seconds=settings.GENERATION_STALL_SECONDS)
    return job.status == GenerationJob.Status.RUNNING and stale


def _locked(job: GenerationJob) -> GenerationJob:
    return GenerationJob.objects.select_for_update().get(pk=job.pk)


@transaction.atomic
def generation_job_cancel(*, job: GenerationJob) -> GenerationJob:
    """A queued job ends now; a running one stops taking requests at its next batch."""
    job = _locked(job)
    if job.status not in ACTIVE:
        raise JobFinished()
    job.cancel_requested = True
    fields = ["cancel_requested"]
    if job.status == GenerationJob.Status.QUEUED or is_stalled(job):
        job.status, job.finished_at = GenerationJob.Status.CANCELLED, timezone.now()
        fields += ["status", "finished_at"]
    job.save(update_fields=fields)
    return job


@transaction.atomic
def generation_job_resume(*, job: GenerationJob) -> GenerationJob:
    """Queue a cancelled, failed or stalled (worker lost) job again: its pending samples
    are asked for once more; those already written stay as they are. A person chose to
    try again (perhaps after giving the worker more memory): the count of workers lost
    starts over, and beat may resume the job automatically again."""
    job = _locked(job)
    resumable = job.status in (GenerationJob.Status.CANCELLED, GenerationJob.Status.FAILED)
    if not (resumable or is_stalled(job)):
        raise JobNotResumable()
    job.worker_losses = 0
    _requeue(job)
    return job


@transaction.atomic
def generation_job_retry_failed(*, job: GenerationJob) -> int:
    """Ask again for the samples that failed (after all their retries); how many."""
    job = _locked(job)
    if job.status in ACTIVE and not is_stalled(job):
        raise JobRunning()
    failed = GenerationSample.objects.filter(job=job, status=GenerationSample.Status.FAILED)
    count = failed.update(status=GenerationSample.Status.PENDING, error="")
    if count:
        _requeue(job)
    return count


def _requeue(job: GenerationJob, error: str = "") -> None:
    job.status, job.cancel_requested, job.error = GenerationJob.Status.QUEUED, False, error
    job.finished_at, job.queued_at = None, timezone.now()
    fields = ["status", "cancel_requested", "error", "finished_at", "queued_at", "worker_losses"]
    job.save(update_fields=fields)
    _enqueue(job)


def generation_jobs_check(*, now: datetime | None = None) -> tuple[int, int]:
    """Beat: a running job whose worker has not beaten for ``GENERATION_STALL_SECONDS`` lost
    its worker and is queued again (its pending samples asked anew, those written kept),
    at most ``GENERATION_MAX_WORKER_LOSSES`` times, then failed. A queued job nobody took
    for as long is sent again: its message may have been lost with a broker restart or a
    purge; a duplicate is harmless (the claim is atomic). (resumed or failed, resent)."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.GENERATION_STALL_SECONDS)
    silent = (
        GenerationJob.objects.filter(status=GenerationJob.Status.RUNNING)
        .alias(beat=Coalesce("heartbeat_at", "started_at", "created_at"))
        .filter(beat__lt=limit)
        .values_list("pk", flat=True)
    )
    lost = sum(_worker_lost(job_id=job_id, now=now) for job_id in silent)
    waiting = (
        GenerationJob.objects.filter(status=GenerationJob.Status.QUEUED, cancel_requested=False)
        .alias(sent=Coalesce("queued_at", "created_at"))
        .filter(sent__lt=limit)
        .values_list("pk", flat=True)
    )
    resent = sum(_resend(job_id=job_id, limit=limit) for job_id in waiting)
    return lost, resent


@transaction.atomic
def _worker_lost(*, job_id: int, now: datetime) -> bool:
    # Locked and looked at again: another beat, a person's Resume or a worker's claim may
    # have moved the job on since the query; then it is theirs, and nothing happens here.
    job = GenerationJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None or not is_stalled(job, now):
        return False
    job.worker_losses += 1
    beat = job.heartbeat_at or job.started_at or job.created_at
    said = (
        f"The worker {job.worker or '?'} stopped reporting at {beat:%Y-%m-%d %H:%M:%S} UTC "
        f"(worker lost {job.worker_losses} time{'s' if job.worker_losses > 1 else ''})."
    )
    if job.worker_losses > settings.GENERATION_MAX_WORKER_LOSSES:
        job.status, job.finished_at = GenerationJob.Status.FAILED, now
        job.error = f"{said} Not resumed again automatically: resume it by hand."
        job.save(update_fields=["status", "finished_at", "error", "worker_losses"])
    else:
        _requeue(job, error=f"{said} Resumed automatically with its pending samples.")
    return True


@transaction.atomic
def _resend(*, job_id: int, limit: datetime) -> bool:
    job = GenerationJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status != GenerationJob.Status.QUEUED:
        return False  # taken, or cancelled, since the query
    if (job.queued_at or job.created_at) >= limit:
        return False  # sent again by another beat since the query
    GenerationJob.objects.filter(pk=job.pk).update(queued_at=timezone.now())
    _enqueue(job)
    return True
