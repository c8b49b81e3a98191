"""Reading an evaluation-set file: the records of the import formats, each a prompt with
its completions and the human ranking of them.

Three shapes, told apart by their keys like an import's records:

- **pairs**: ``prompt``/``chosen``/``rejected`` (TRL's format, as Rankwise exports write
  it, conversational answers too), which is also **RewardBench**'s, whose ``subset`` column
  is the category; JSONL or Parquet.
- **rankings**: the import format's items (``prompt`` or ``messages``, ``completions``,
  ``gold_ranking``: tiers of completion positions, best first, a tier of several a tie);
  the engine's spelling is read too (``ranking``, completions as plain strings).

Files are read by the import readers, so they are bounded alike (``RANKWISE_MAX_IMPORT_BYTES``,
``RANKWISE_MAX_RECORD_BYTES``, ``RANKWISE_MAX_TEXT_CHARS``); a set holds at most
``RANKWISE_MAX_EVALUATION_ITEMS`` items. Every bad record is reported by its line or row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError

from annotation.formats import (
    FileProblem,
    RawRecord,
    RecordInvalid,
    RecordKind,
    file_type_of,
    record_kind,
    record_parse,
    records_read,
)
from dataset_versions.services.export_writers import prompt_as_text

MAX_LISTED_ERRORS = 100
MAX_CATEGORY_LENGTH = 200  # EvaluationItem.category
PARQUET_ROWS = 1000


class SetInvalid(ValidationError):
    """The file was refused; ``errors`` lists at most the first 100 problems."""

    def __init__(self, errors: list[str], total: int | None = None) -> None:
        total = len(errors) if total is None else total
        shown = list(errors[:MAX_LISTED_ERRORS])
        if total > len(shown):
            shown.append(f"{total} problems in all; the first {len(shown)} are listed.")
        super().__init__({"file": shown})
        self.errors = shown


@dataclass(frozen=True)
class SetItem:
    external_id: str
    prompt: str
    completions: list[str]
    tiers: list[list[int]]
    category: str


@dataclass(frozen=True)
class SetFile:
    kind: str  # "pairs" or "rankings"
    items: list[SetItem]

    @property
    def sha256(self) -> str:
        """Of the items' content, whatever the file's format or key order."""
        content = [[i.prompt, i.completions, i.tiers, i.category] for i in self.items]
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def set_file_read(*, file: IO[bytes], file_name: str, category_key: str) -> SetFile:
    """Every item of the file, or ``SetInvalid`` naming each bad record in file order."""
    items: list[SetItem] = []
    errors: list[str] = []
    kind: RecordKind | None = None
    try:
        records = records_read(file, file_type_of(file_name), rows=PARQUET_ROWS)
        for count, record in enumerate(records, start=1):
            _size_check(count, record)
            if record.error is not None or record.data is None:
                errors.append(f"{record.named}: {record.error}")
                continue
            kind = kind or record_kind(record.data)
            try:
                items.append(_item(record, kind, category_key))
            except RecordInvalid as invalid:
                errors.append(f"{record.named}: {invalid}")
    except FileProblem as problem:
        raise SetInvalid([*errors, str(problem)]) from problem
    if errors:
        raise SetInvalid(errors)
    if not items:
        raise SetInvalid(["The file holds no records."])
    return SetFile("pairs" if kind is RecordKind.PAIRS else "rankings", items)


def _size_check(count: int, record: RawRecord) -> None:
    limit = int(settings.EVALUATION_MAX_ITEMS)
    if count > limit:
        raise FileProblem(
            f"{record.where}: an evaluation set holds at most {limit:,} items "
            "(RANKWISE_MAX_EVALUATION_ITEMS)."
        )


def _item(record: RawRecord, kind: RecordKind, category_key: str) -> SetItem:
    data = dict(record.data or {})
    # In a pairs file a record without chosen or rejected is a pair missing it.
    looks_like = RecordKind.ITEMS if "completions" in data else RecordKind.PAIRS
    if (record_kind(data) if kind is RecordKind.ITEMS else looks_like) is not kind:
        first = "pairs" if kind is RecordKind.PAIRS else "rankings"
        raise RecordInvalid(None, f"Every record must be of one kind: the first are {first}.")
    if kind is RecordKind.ITEMS:
        data = _engine_spelling(data)
        data.setdefault("id", record.where.replace(" ", "-"))  # ids only name items here
    parsed = record_parse(record.where, data, kind)
    if kind is RecordKind.PAIRS:
        tiers = [[0], [1]]
    elif parsed.gold_ranking is None:
        raise RecordInvalid("gold_ranking", "This field is required: the human ranking.")
    else:
        tiers = parsed.gold_ranking
    return SetItem(
        external_id=parsed.external_id,
        prompt=prompt_as_text(parsed.text, parsed.messages),
        completions=[c.text for c in parsed.completions],
        tiers=tiers,
        category=_category(parsed.metadata.get(category_key), category_key),
    )


def _engine_spelling(data: dict[str, Any]) -> dict[str, Any]:
    """The engine's rankings records (``ranking``, plain-string completions) as items."""
    if "ranking" in data and "gold_ranking" not in data:
        data["gold_ranking"] = data.pop("ranking")
    completions = data.get("completions")
    if isinstance(completions, list):
        data["completions"] = [{"text": c} if isinstance(c, str) else c for c in completions]
    return data


def _category(value: Any, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise RecordInvalid(key, "The category must be a string.")
    if len(value.strip()) > MAX_CATEGORY_LENGTH:
        raise RecordInvalid(
            key, f"Ensure the category has no more than {MAX_CATEGORY_LENGTH} characters."
        )
    return value.strip()
