"""The vocabulary of import files: formats, record kinds, limits on ids and counts, and the
located records and items that the reader and the parser hand on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

MIN_COMPLETIONS = 2
MAX_COMPLETIONS = 16
MAX_ID_LENGTH = 255
MAX_MODEL_LENGTH = 200  # Completion.model_name
ROLES = ("system", "user", "assistant")

REQUIRED = "This field is required."
BLANK = "This field may not be blank."


class FileFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


class RecordKind(StrEnum):
    ITEMS = "items"
    PAIRS = "pairs"


SUFFIXES = {
    ".jsonl": FileFormat.JSONL,
    ".ndjson": FileFormat.JSONL,
    ".csv": FileFormat.CSV,
    ".parquet": FileFormat.PARQUET,
}


class FileProblem(Exception):
    """The file as a whole cannot be read: unknown type, broken gzip or Parquet, not UTF-8."""


class RecordInvalid(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)


@dataclass(frozen=True)
class FileType:
    format: FileFormat
    gzipped: bool
    stem: str  # the name without its format suffixes: the default import source


@dataclass(frozen=True)
class RawRecord:
    where: str  # "line 3" or "row 3": where the record is in the file
    data: dict[str, Any] | None
    error: str | None = None  # why the record could not even be read
    record_id: str | None = None  # its id field, when it has one that can be shown

    @property
    def named(self) -> str:
        """The prefix of every message about this record: "line 12 (id q-017)"."""
        return f"{self.where} (id {self.record_id})" if self.record_id else self.where


MAX_SHOWN_ID = 60


def shown_id(value: Any) -> str | None:
    """A record's id as a message shows it; ``None`` when there is none to show.

    A long id is cut and one with control characters quoted, so that a message stays one
    readable line whatever the file holds.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if len(text) > MAX_SHOWN_ID:
        text = text[: MAX_SHOWN_ID - 20] + "…"
    return text if text.isprintable() else repr(text)


@dataclass(frozen=True)
class CompletionIn:
    text: str
    model: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class ImportItem:
    where: str  # the record's place and id, as messages name it: "line 12 (id q-017)"
    external_id: str
    text: str
    messages: list[dict[str, Any]] | None
    metadata: dict[str, Any]
    gold_ranking: list[list[int]] | None
    completions: list[CompletionIn]
    completions_hash: str
    # A preference pair: completion 0 was chosen over completion 1.
    is_pair: bool = False


# --- JSON types, as an error message names them -------------------------------------------

JSON_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "a boolean"),
    ((int, float), "a number"),
    (str, "a string"),
    (list, "a list"),
    (dict, "an object"),
)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    for python_type, name in JSON_TYPES:
        if isinstance(value, python_type):
            return name
    return type(value).__name__
