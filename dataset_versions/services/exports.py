"""Export a dataset version: TRL JSONL (plain and chat), Parquet, raw rankings, HF folder.

Every writer streams from one server-side cursor in chunks of ``CHUNK_SIZE`` rows, so an
export holds one chunk in memory whatever the size of the version.
"""

from __future__ import annotations

import logging
import os
import tempfile
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from config.errors import Conflict
from dataset_versions import tasks
from dataset_versions.models import DatasetVersion, ExportJob
from dataset_versions.services.export_writers import (
    EXTENSIONS,
    PER_SPLIT_FORMATS,
    SPLITS,
    Format,
    Progress,
    hf_dataset_write,
    parquet_write,
    raw_rankings_write,
    splits_zip_write,
    trl_jsonl_write,
    version_lineage,
    version_pairs,
)

logger = logging.getLogger(__name__)


def _no_progress(done: int) -> None:
    return None


class VersionNotReady(Conflict):
    code = "version_not_ready"
    message = "Only a ready dataset version can be exported."


def export_write(
    *,
    version: DatasetVersion,
    export_format: str,
    out: IO[bytes],
    split: str | None = None,
    progress: Progress = _no_progress,
) -> int:
    """Write ``version`` in ``export_format`` to ``out``; returns the rows written.

    A TRL JSONL or Parquet export of all splits (``split`` None) is a zip of a file per split.
    """
    if split is None and export_format in PER_SPLIT_FORMATS:
        return splits_zip_write(
            version=version, export_format=export_format, out=out, progress=progress
        )
    pairs = version_pairs(version=version, split=split)
    if export_format in (Format.TRL_JSONL, Format.TRL_CHAT_JSONL):
        chat = export_format == Format.TRL_CHAT_JSONL
        return trl_jsonl_write(pairs=pairs, out=out, chat=chat, progress=progress)
    if export_format == Format.PARQUET:
        return parquet_write(pairs=pairs, out=out, progress=progress)
    if export_format == Format.RAW_RANKINGS:
        return raw_rankings_write(version=version, out=out, progress=progress)
    if export_format == Format.HF_DATASET:
        return hf_dataset_write(version=version, out=out, split=split, progress=progress)
    raise ValidationError({"format": [f"Unknown export format {export_format!r}."]})


def export_rows_total(*, version: DatasetVersion, export_format: str, split: str | None) -> int:
    if export_format == Format.RAW_RANKINGS:
        return version_lineage(version).count()
    return version_pairs(version=version, split=split).count()


def export_file_name(*, job: ExportJob, split: str | None = None) -> str:
    version = job.version
    suffix = f"-{split}" if split else ""
    extension = EXTENSIONS[Format(job.format)]
    if split is None and job.format in PER_SPLIT_FORMATS:
        extension = "zip"
    return f"{version.project.slug}-v{version.number}-{job.format}{suffix}.{extension}"


def _check_split(split: str | None) -> None:
    if split is not None and split not in SPLITS:
        raise ValidationError({"split": [f"Unknown split {split!r}; one of {', '.join(SPLITS)}."]})


def export_job_create(
    *, version: DatasetVersion, export_format: str, split: str | None, created_by: Any
) -> ExportJob:
    """Queue an export of a ready version; the worker starts once the job row is committed."""
    if version.status != DatasetVersion.Status.READY:
        raise VersionNotReady
    _check_split(split)
    with transaction.atomic():
        job = ExportJob.objects.create(version=version, format=export_format, created_by=created_by)
        # ExportJob has no split column, so the split travels with the task.
        transaction.on_commit(lambda: tasks.export_job_run.delay(job.pk, split=split))
    return job


def _job_update(job: ExportJob, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ExportJob.objects.filter(pk=job.pk).update(**fields)


def export_run(*, job: ExportJob, split: str | None = None) -> ExportJob:
    """Run ``job``: write to a temp file, then store it under ``exports/``.

    The job is marked succeeded only once the whole file is in storage; on any error it
    is marked failed with the error text (and logged), and no file is attached.
    """
    _check_split(split)
    version = job.version
    total = export_rows_total(version=version, export_format=job.format, split=split)
    _job_update(job, status=ExportJob.Status.RUNNING, rows_total=total, rows_done=0, error="")
    stored = ""
    try:
        with tempfile.TemporaryFile(prefix="rankwise-export-") as temp:
            written = export_write(
                version=version,
                export_format=job.format,
                out=temp,
                split=split,
                progress=lambda done: _job_update(job, rows_done=done),
            )
            temp.seek(0)
            name = os.path.join("exports", export_file_name(job=job, split=split))
            stored = default_storage.save(name, File(temp, name=name))
    except Exception as error:
        if stored:
            default_storage.delete(stored)
        _job_update(
            job,
            status=ExportJob.Status.FAILED,
            error=f"{type(error).__name__}: {error}",
            finished_at=timezone.now(),
        )
        logger.exception("Export job %s failed", job.pk)
        return job
    job.file.name = stored
    _job_update(
        job,
        file=stored,
        status=ExportJob.Status.SUCCEEDED,
        rows_done=written,
        rows_total=written,
        finished_at=timezone.now(),
    )
    return job


def export_job_run(*, job_id: int, split: str | None = None) -> str:
    """Run a queued export job by id: "skipped" when it was deleted meanwhile or this is a
    redelivery of a finished job."""
    job = ExportJob.objects.select_related("version__project").filter(pk=job_id).first()
    if job is None or job.status == ExportJob.Status.SUCCEEDED:
        return "skipped"
    return export_run(job=job, split=split).status
