"""Export a dataset version: TRL JSONL (plain and chat), Parquet, raw rankings, HF folder.

Every writer streams from one server-side cursor in chunks of ``CHUNK_SIZE`` rows, so an
export holds one chunk in memory whatever the size of the version.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from annotation.models import Completion
from config.errors import Conflict
from dataset_versions import tasks
from dataset_versions.models import DatasetPair, DatasetRanking, DatasetVersion, ExportJob

logger = logging.getLogger(__name__)

CHUNK_SIZE = 5000
SPLITS = tuple(DatasetPair.Split.values)
Progress = Callable[[int], None]
Format = ExportJob.Format

EXTENSIONS = {
    Format.TRL_JSONL: "jsonl",
    Format.TRL_CHAT_JSONL: "jsonl",
    Format.PARQUET: "parquet",
    Format.RAW_RANKINGS: "jsonl",
    Format.HF_DATASET: "zip",
}

PAIR_COLUMNS = (
    "prompt_id",
    "prompt__external_id",
    "prompt__text",
    "prompt__messages",
    "chosen__text",
    "rejected__text",
    "weight",
    "margin",
    "split",
)

PARQUET_SCHEMA = pa.schema(
    [
        ("prompt_id", pa.int64()),
        ("external_id", pa.string()),
        ("prompt", pa.string()),
        ("chosen", pa.string()),
        ("rejected", pa.string()),
        ("weight", pa.float64()),
        ("margin", pa.float64()),
        ("split", pa.string()),
    ]
)


# Without the split column: a file of one split inside a folder of splits.
SPLIT_FILE_SCHEMA = PARQUET_SCHEMA.remove(PARQUET_SCHEMA.get_field_index("split"))

# The formats whose "all splits" export is a zip of one file per split.
PER_SPLIT_FORMATS = (Format.TRL_JSONL, Format.TRL_CHAT_JSONL, Format.PARQUET)


class VersionNotReady(Conflict):
    code = "version_not_ready"
    message = "Only a ready dataset version can be exported."


def _no_progress(done: int) -> None:
    return None


def _chunks(rows: Iterable[Any]) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK_SIZE)):
        yield chunk


def version_pairs(*, version: DatasetVersion, split: str | None = None) -> QuerySet[DatasetPair]:
    pairs = DatasetPair.objects.filter(version=version)
    return pairs.filter(split=split) if split else pairs


def _pair_rows(pairs: QuerySet[DatasetPair]) -> Iterator[tuple[Any, ...]]:
    # One joined query through a server-side cursor: no per-pair lookups.
    return pairs.order_by("id").values_list(*PAIR_COLUMNS).iterator(chunk_size=CHUNK_SIZE)


def prompt_as_text(text: str, messages: list[dict[str, Any]] | None) -> str:
    """A chat item's prompt as one string, for the plain (non-chat) TRL format."""
    if text or not messages:
        return text
    return "\n\n".join(f"{m.get('role', 'user')}: {m.get('content', '')}" for m in messages)


def _chat_prompt(text: str, messages: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return messages if messages else [{"role": "user", "content": text}]


def _assistant(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


def _jsonl_line(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode() + b"\n"


def _trl_record(
    row: tuple[Any, ...], *, chat: bool, with_margin: bool, with_split: bool
) -> dict[str, Any]:
    _, _, text, messages, chosen, rejected, weight, margin, split = row
    if chat:
        record: dict[str, Any] = {
            "prompt": _chat_prompt(text, messages),
            "chosen": _assistant(chosen),
            "rejected": _assistant(rejected),
        }
    else:
        record = {"prompt": prompt_as_text(text, messages), "chosen": chosen, "rejected": rejected}
    record["weight"] = weight
    # TRL's collator reads "margin" from the first row and tensorises it for all rows, so
    # the column is either in every row (no nulls) or in none.
    if with_margin:
        record["margin"] = margin
    if with_split:
        record["split"] = split
    return record


def _all_have_margins(pairs: QuerySet[DatasetPair]) -> bool:
    return pairs.exists() and not pairs.filter(margin__isnull=True).exists()


def trl_jsonl_write(
    *,
    pairs: QuerySet[DatasetPair],
    out: IO[bytes],
    chat: bool,
    with_split: bool = True,
    progress: Progress = _no_progress,
) -> int:
    with_margin = _all_have_margins(pairs)
    done = 0
    for chunk in _chunks(_pair_rows(pairs)):
        out.write(
            b"".join(
                _jsonl_line(
                    _trl_record(row, chat=chat, with_margin=with_margin, with_split=with_split)
                )
                for row in chunk
            )
        )
        done += len(chunk)
        progress(done)
    return done


def _parquet_batch(chunk: list[tuple[Any, ...]], schema: pa.Schema) -> pa.RecordBatch:
    prompt_id, external_id, text, messages, chosen, rejected, weight, margin, split = zip(
        *chunk, strict=True
    )
    prompts = [prompt_as_text(t, m) for t, m in zip(text, messages, strict=True)]
    columns = [prompt_id, external_id, prompts, chosen, rejected, weight, margin, split]
    # The schema is PARQUET_SCHEMA or SPLIT_FILE_SCHEMA, whose only missing column is the last.
    return pa.record_batch(
        [pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=False)], schema=schema
    )


def parquet_write(
    *,
    pairs: QuerySet[DatasetPair],
    out: IO[bytes] | str,
    with_split: bool = True,
    progress: Progress = _no_progress,
) -> int:
    done = 0
    schema = PARQUET_SCHEMA if with_split else SPLIT_FILE_SCHEMA
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for chunk in _chunks(_pair_rows(pairs)):
            writer.write_batch(_parquet_batch(chunk, schema))
            done += len(chunk)
            progress(done)
    return done


def rater_pseudonym(*, project_id: int, user_id: int | None, import_source: str = "") -> str:
    """Stable per project and not reversible without the secret key; imports keep their name."""
    if user_id is None:
        return f"import:{import_source}"
    message = f"{project_id}:{user_id}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:12]


RANKING_COLUMNS = (
    "ranking__prompt_id",
    "ranking__prompt__external_id",
    "ranking__prompt__text",
    "ranking__prompt__messages",
    "ranking__annotator_id",
    "ranking__import_source",
    "ranking__tiers",
    "ranking__display_order",
    "ranking__time_spent_ms",
    "ranking__created_at",
)


def _completions_of(prompt_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
    by_prompt: dict[int, list[dict[str, Any]]] = {}
    rows = Completion.objects.filter(prompt_id__in=prompt_ids).order_by("prompt_id", "position")
    for prompt_id, pk, text, model in rows.values_list("prompt_id", "id", "text", "model_name"):
        by_prompt.setdefault(prompt_id, []).append({"id": pk, "text": text, "model": model})
    return by_prompt


def _ranking_record(
    row: tuple[Any, ...], project_id: int, completions: dict[int, list[dict[str, Any]]]
) -> dict[str, Any]:
    prompt_id, external_id, text, messages, user_id, source, tiers, order, spent, created = row
    created_at: datetime = created
    return {
        "item_id": external_id,
        "prompt": text,
        "messages": messages,
        "completions": completions.get(prompt_id, []),
        "rater": rater_pseudonym(project_id=project_id, user_id=user_id, import_source=source),
        "tiers": tiers,
        "display_order": order,
        "time_spent_ms": spent,
        "created_at": created_at.isoformat(),
    }


def _lineage(version: DatasetVersion) -> QuerySet[DatasetRanking]:
    return DatasetRanking.objects.filter(version=version)


def raw_rankings_write(
    *, version: DatasetVersion, out: IO[bytes], progress: Progress = _no_progress
) -> int:
    rows = _lineage(version).order_by("ranking_id").values_list(*RANKING_COLUMNS)
    done = 0
    for chunk in _chunks(rows.iterator(chunk_size=CHUNK_SIZE)):
        # One completions query per chunk, not per ranking.
        completions = _completions_of({row[0] for row in chunk})
        out.write(
            b"".join(
                _jsonl_line(_ranking_record(row, version.project_id, completions)) for row in chunk
            )
        )
        done += len(chunk)
        progress(done)
    return done


def _dataset_card(version: DatasetVersion, splits: list[str]) -> str:
    files = "\n".join(
        f"  - split: {split}\n    path: data/{split}-00000-of-00001.parquet" for split in splits
    )
    return (
        f"---\nconfigs:\n- config_name: default\n  data_files:\n{files}\n---\n\n"
        f"# {version.project.name} — dataset v{version.number}\n\n"
        "Preference pairs exported from Rankwise (prompt, chosen, rejected, weight, margin).\n\n"
        f"Aggregation rule: `{json.dumps(version.rule)}`; seed {version.seed}.\n"
    )


def hf_dataset_write(
    *,
    version: DatasetVersion,
    out: IO[bytes],
    split: str | None = None,
    progress: Progress = _no_progress,
) -> int:
    """A zipped folder that ``datasets.load_dataset(folder)`` reads: Parquet per split + card."""
    present = _present_splits(version)
    if split:
        present = [s for s in present if s == split]
    done = 0
    with tempfile.TemporaryDirectory(prefix="rankwise-hf-") as folder:
        root = Path(folder)
        (root / "data").mkdir()
        for name in present:
            path = root / "data" / f"{name}-00000-of-00001.parquet"
            base = done
            done += parquet_write(
                pairs=version_pairs(version=version, split=name),
                out=str(path),
                with_split=False,
                progress=lambda n, base=base: progress(base + n),  # type: ignore[misc]
            )
        (root / "README.md").write_text(_dataset_card(version, present), encoding="utf-8")
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(root).as_posix())
    return done


def _present_splits(version: DatasetVersion) -> list[str]:
    return [s for s in SPLITS if version_pairs(version=version, split=s).exists()]


def splits_zip_write(
    *, version: DatasetVersion, export_format: str, out: IO[bytes], progress: Progress
) -> int:
    """All splits as a zip of ``train.jsonl``, ``validation.jsonl``, ``test.jsonl`` (or .parquet).

    One file per split, named as ``datasets.load_dataset(folder)`` infers splits from, so the
    unzipped folder loads as a ``DatasetDict``; a split without pairs has no file. The files
    carry no ``split`` column: the file is the split.
    """
    extension = EXTENSIONS[Format(export_format)]
    done = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in _present_splits(version):
            base = done
            with archive.open(f"{name}.{extension}", "w", force_zip64=True) as member:
                done += _split_file_write(
                    pairs=version_pairs(version=version, split=name),
                    export_format=export_format,
                    out=member,
                    progress=lambda n, base=base: progress(base + n),  # type: ignore[misc]
                )
    return done


def _split_file_write(
    *, pairs: QuerySet[DatasetPair], export_format: str, out: IO[bytes], progress: Progress
) -> int:
    if export_format == Format.PARQUET:
        return parquet_write(pairs=pairs, out=out, with_split=False, progress=progress)
    chat = export_format == Format.TRL_CHAT_JSONL
    return trl_jsonl_write(pairs=pairs, out=out, chat=chat, with_split=False, progress=progress)


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
        return _lineage(version).count()
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
