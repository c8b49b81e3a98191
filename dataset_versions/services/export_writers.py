"""Writing a dataset version's pairs or rankings to a file: TRL JSONL (plain or chat), Parquet,
raw rankings JSONL, a Hugging Face datasets folder (zipped), or a zip of a file per split;
streamed in chunks, never the whole version in memory."""

from __future__ import annotations

import hashlib
import hmac
import json
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
from django.db.models import QuerySet

from annotation.models import Completion
from dataset_versions.models import DatasetPair, DatasetRanking, DatasetVersion, ExportJob

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


def version_lineage(version: DatasetVersion) -> QuerySet[DatasetRanking]:
    return DatasetRanking.objects.filter(version=version)


def raw_rankings_write(
    *, version: DatasetVersion, out: IO[bytes], progress: Progress = _no_progress
) -> int:
    rows = version_lineage(version).order_by("ranking_id").values_list(*RANKING_COLUMNS)
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
