"""Imports that a worker runs: API uploads larger than ``RANKWISE_IMPORT_SYNC_BYTES``.

The upload is kept in Django's default storage (local or S3) until the job ends, then
deleted. The worker imports it with ``items_import``, in one transaction, so a job stores
all or nothing exactly as a synchronous import does (or skips the invalid records, with
``skip_invalid``). While that transaction is open, the job's counts are written through a
connection of their own so the API can show them; between batches the import reads the
job's cancel flag, and a cancel raises and rolls everything back.

A worker that dies mid-import has its transaction rolled back by PostgreSQL, and the job's
advisory lock goes with it: beat then finds the job running with its lock free and fails it
(``import_jobs_fail_orphaned``). The task is acknowledged late, so a worker lost before it
claimed the job hands it to another; a job already claimed is never run twice.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from annotation import tasks
from annotation.models import ImportJob
from annotation.services.imports import (
    ImportInvalid,
    ImportProgress,
    import_file_type,
    import_source_name,
    items_import,
)
from config.errors import Conflict
from projects.models import Project

logger = logging.getLogger(__name__)

Status = ImportJob.Status
IMPORT_JOB_LOCK = 0x52574A42  # "RWJB": the advisory-lock namespace of import jobs, by job id
# A worker takes its job's lock right after claiming it; younger jobs are not judged yet.
ORPHAN_GRACE = timedelta(minutes=1)
WORKER_LOST = (
    "The worker importing this file stopped (killed, or out of memory); nothing was stored. "
    "Upload the file again."
)


class ImportCancelled(Exception):
    """Raised inside the import's transaction when the job was asked to stop."""


class ImportJobFinished(Conflict):
    code = "import_finished"
    message = "Only a queued or running import can be cancelled."


def imports_in_background() -> bool:
    """Whether large uploads become jobs: only PostgreSQL imports beside other writers.

    The embedded SQLite mode lets one writer in at a time, so an import in a worker would
    block every other write (a cancel included) until it ends: it imports in the request.
    """
    return connection.vendor == "postgresql"


def import_job_create(
    *,
    project: Project,
    file: File,
    file_name: str,
    skip_invalid: bool,
    source: str | None,
    created_by: Any,
) -> ImportJob:
    """Store the upload and queue its import; ``ImportInvalid`` for an unusable name or source.

    The file is copied to storage in chunks, never whole in memory. The worker starts once
    the job row is committed.
    """

    file_type = import_file_type(file_name)
    import_source_name(source, file_type)
    job = ImportJob(
        project=project,
        file_name=file_name,
        file_size=file.size or 0,
        skip_invalid=skip_invalid,
        source=source or "",
        created_by=created_by,
    )
    # Stored under a name of ours; the format suffixes kept for whoever looks at the folder.
    suffixes = PurePath(file_name).name[len(file_type.stem) :].lower()
    job.file.save(f"{uuid.uuid4().hex}{suffixes}", file, save=False)
    try:
        with transaction.atomic():
            job.save()
            transaction.on_commit(lambda: tasks.import_job_run.delay(job.pk))
    except BaseException:
        job.file.delete(save=False)
        raise
    return job


def import_job_execute(*, job_id: int) -> str:
    """Run a queued job to its end; the status it ended in, or ``skipped``.

    A job that is no longer queued (cancelled before it started, or claimed by a worker
    whose task is now delivered again) is left alone.
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    job = ImportJob.objects.select_related("project").get(pk=job_id)
    progress = _ProgressWriter(job)
    try:
        _job_import(job, progress)
    except ImportCancelled:
        _job_end(job, Status.CANCELLED, progress.last, error="Cancelled; nothing was stored.")
    except ImportInvalid as invalid:
        _job_end(job, Status.FAILED, progress.last, **_refusal(invalid))
    except Exception as exc:
        logger.exception("Import job %s failed", job.pk)
        _job_end(job, Status.FAILED, progress.last, error=f"{type(exc).__name__}: {exc}")
    finally:
        progress.close()
    return ImportJob.objects.values_list("status", flat=True).get(pk=job.pk)


def _refusal(invalid: ImportInvalid) -> dict[str, Any]:
    if invalid.total == 1:
        summary = invalid.errors[0]
    else:
        summary = f"{invalid.total:,} problems in the file; nothing was stored."
    return {"error": summary, "errors": invalid.errors, "error_total": invalid.total}


def _job_import(job: ImportJob, progress: _ProgressWriter) -> None:
    with job.file.open("rb") as stream, transaction.atomic():
        _job_lock(job.pk)
        report = items_import(
            project=job.project,
            file=stream,
            file_name=job.file_name,
            skip_invalid=job.skip_invalid,
            source=job.source or None,
            progress=progress,
        )
        # In the import's transaction: the rows and the job's success commit together, so
        # a worker lost in between cannot leave stored rows behind a failed job.
        _job_end(
            job,
            Status.SUCCEEDED,
            progress.last,
            report=asdict(report),
            errors=report.errors,
            error_total=report.skipped,
        )


class _ProgressWriter:
    """Hears an import's counts: writes them where the API can read them, checks for a cancel.

    The counts go through a connection of its own, in autocommit: the import's transaction
    on the default connection would keep them from everyone until it ends. The cancel flag
    is read on the import's connection, which sees every commit made since (read committed).
    """

    def __init__(self, job: ImportJob) -> None:
        self.job_id = job.pk
        self.last = ImportProgress(read=0, stored=0, rejected=0)
        self.db = connections[DEFAULT_DB_ALIAS].copy()
        table = connection.ops.quote_name(ImportJob._meta.db_table)
        self.statement = (
            f"UPDATE {table} SET rows_read = %s, rows_stored = %s, rows_rejected = %s "
            "WHERE id = %s AND status = %s"
        )

    def __call__(self, progress: ImportProgress) -> None:
        self.last = progress
        with self.db.cursor() as cursor:
            counts = [progress.read, progress.stored, progress.rejected]
            cursor.execute(self.statement, [*counts, self.job_id, Status.RUNNING.value])
        if ImportJob.objects.filter(pk=self.job_id, cancel_requested=True).exists():
            raise ImportCancelled

    def close(self) -> None:
        self.db.close()


def _job_lock(job_id: int) -> None:
    """Held for as long as the import's transaction: free means the worker is gone."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [IMPORT_JOB_LOCK, job_id])


def _job_lock_try(job_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [IMPORT_JOB_LOCK, job_id])
        (free,) = cursor.fetchone() or (False,)
    return bool(free)


def _job_end(job: ImportJob, status: str, counts: ImportProgress | None, **fields: Any) -> bool:
    """Finish a running job and delete its upload once that commits; False if it had ended.

    ``counts`` are the import's last, when it got that far; anything but a success stored
    nothing, its transaction rolled back.
    """
    if counts:
        fields.update(rows_read=counts.read, rows_rejected=counts.rejected)
    fields["rows_stored"] = counts.stored if counts and status == Status.SUCCEEDED else 0
    ended = ImportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
        status=status, file="", finished_at=timezone.now(), **fields
    )
    if ended:
        _upload_delete_on_commit(job.file)
    return bool(ended)


def _upload_delete_on_commit(file: FieldFile) -> None:
    name, storage = file.name, file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def import_job_cancel(*, job: ImportJob) -> ImportJob:
    """Cancel a job: a queued one at once, a running one at its next batch (it rolls back).

    A cancel that reaches a job after its last batch is too late: the job still succeeds.
    ``ImportJobFinished`` for a job that has ended.
    """
    now = timezone.now()
    queued = ImportJob.objects.filter(pk=job.pk, status=Status.QUEUED)
    if queued.update(
        status=Status.CANCELLED, cancel_requested=True, file="", finished_at=now,
        error="Cancelled before it started; nothing was stored.",
    ):  # fmt: skip
        _upload_delete_on_commit(job.file)
    elif not ImportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
        cancel_requested=True
    ):
        raise ImportJobFinished
    job.refresh_from_db()
    return job


def import_jobs_fail_orphaned(*, now: datetime | None = None) -> int:
    """Fail the running jobs whose worker is gone; the number failed.

    Nothing of theirs is stored (PostgreSQL rolled their transaction back), so they end
    failed, or cancelled when a cancel was asked for, and their upload is deleted.
    """
    if not imports_in_background():
        return 0
    cutoff = (now or timezone.now()) - ORPHAN_GRACE
    ended = 0
    running = ImportJob.objects.filter(status=Status.RUNNING, started_at__lt=cutoff)
    for job in running.only("id", "file", "cancel_requested"):
        with transaction.atomic():
            if not _job_lock_try(job.pk):
                continue  # a worker holds it: still importing
            status = Status.CANCELLED if job.cancel_requested else Status.FAILED
            ended += _job_end(job, status, None, error=WORKER_LOST)
    return ended
