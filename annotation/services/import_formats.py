"""What an import file looks like: its container and the records inside it.

Nothing here touches the database. ``file_type_of`` reads the file name, ``records_read``
turns a byte stream into located records (JSONL lines, CSV lines, Parquet rows), and
``record_parse`` turns one record into an ``ImportItem`` or says what is wrong with it.

Keys that the schema does not name (alpaca_eval's ``source``, a CSV's extra columns) are
kept in the item's ``metadata`` rather than dropped or refused; ``metadata``'s own keys win.

A hostile file cannot make the reader's memory grow: records are bounded while they are read
(``RANKWISE_MAX_RECORD_BYTES``), the decompressed content as a whole too
(``RANKWISE_MAX_IMPORT_BYTES``), JSON nesting by ``config.json_limits``, and the texts and
metadata that a record brings by ``RANKWISE_MAX_TEXT_CHARS`` and ``RANKWISE_MAX_METADATA_BYTES``.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings

from config.json_limits import JsonTooDeep, loads_bounded

# What the line readers accept: the file itself, or the gzip stream over it.
ByteStream = IO[bytes] | gzip.GzipFile

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


# --- file types and readers -------------------------------------------------------------


def file_type_of(name: str) -> FileType:
    """The format named by the file name's suffix (``.jsonl``, ``.csv.gz``, ``.parquet``...)."""
    base = PurePath(name).name
    gzipped = base.lower().endswith(".gz")
    if gzipped:
        base = base[: -len(".gz")]
    for suffix, file_format in SUFFIXES.items():
        if base.lower().endswith(suffix):
            if gzipped and file_format is FileFormat.PARQUET:
                raise FileProblem("A Parquet file cannot be gzipped: Parquet compresses itself.")
            return FileType(file_format, gzipped, base[: -len(suffix)])
    raise FileProblem(
        f"Unknown file type {PurePath(name).name!r}: use .jsonl, .csv or .parquet "
        "(.jsonl.gz and .csv.gz also work)."
    )


def records_read(stream: IO[bytes], file_type: FileType, *, rows: int) -> Iterator[RawRecord]:
    """Stream the file's records; ``rows`` is the Parquet record-batch size.

    Memory stays bounded whatever the file holds: no record longer than
    ``RANKWISE_MAX_RECORD_BYTES`` is read whole, and reading stops once the (decompressed)
    content passes ``RANKWISE_MAX_IMPORT_BYTES``.
    """
    if file_type.format is FileFormat.PARQUET:
        yield from _parquet_records(stream, rows)
        return
    reader = _jsonl_records if file_type.format is FileFormat.JSONL else _csv_records
    if not file_type.gzipped:
        yield from reader(_BoundedLines(stream))
        return
    try:
        with gzip.GzipFile(fileobj=stream, mode="rb") as unzipped:
            yield from reader(_BoundedLines(unzipped))
    except (OSError, EOFError, zlib.error) as exc:
        raise FileProblem(f"The file is not valid gzip: {exc}") from exc


def max_record_bytes() -> int:
    return int(settings.RANKWISE_MAX_RECORD_BYTES)


def _too_long(limit: int) -> str:
    return f"The record is longer than {limit:,} bytes, the most an import reads."


class _BoundedLines:
    """The lines of a byte stream, read without ever holding more than one bounded line.

    A line longer than ``RANKWISE_MAX_RECORD_BYTES`` comes out as ``None``: only its first
    bytes are held, the rest is skipped in small chunks. Past ``RANKWISE_MAX_IMPORT_BYTES``
    read in all (a gzip bomb), the whole file is refused.
    """

    SKIP_CHUNK = 64 * 1024

    def __init__(self, stream: ByteStream) -> None:
        self.stream = stream
        self.max_line = max_record_bytes()
        self.max_total = int(settings.RANKWISE_MAX_IMPORT_BYTES)
        self.total = 0

    def __iter__(self) -> Iterator[bytes | None]:
        while line := self._read(self.max_line + 1):
            # readline stops at the size: a line without its newline at the size is longer.
            if len(line) > self.max_line and not line.endswith(b"\n"):
                self._skip_line()
                yield None
            else:
                yield line

    def _read(self, size: int) -> bytes:
        chunk = self.stream.readline(size)
        self.total += len(chunk)
        if self.total > self.max_total:
            raise FileProblem(
                f"The file holds more than {self.max_total:,} bytes (uncompressed); "
                f"imports are limited to {self.max_total:,} bytes."
            )
        return chunk

    def _skip_line(self) -> None:
        while (chunk := self._read(self.SKIP_CHUNK)) and not chunk.endswith(b"\n"):
            pass


def _jsonl_records(lines: _BoundedLines) -> Iterator[RawRecord]:
    for number, line in enumerate(lines, start=1):
        where = f"line {number}"
        if line is None:
            yield RawRecord(where, None, _too_long(lines.max_line))
            continue
        if not line.strip():
            continue
        try:
            data = loads_bounded(line.rstrip(b"\r\n"))
        except ValueError as exc:  # also bad UTF-8, NaN, and nesting deeper than the limit
            yield RawRecord(where, None, _json_problem(exc))
        else:
            yield _object_record(where, data, "Each line must be a JSON object")


def _object_record(where: str, data: Any, what: str) -> RawRecord:
    if not isinstance(data, dict):
        return RawRecord(where, None, f"{what}, not {_json_type(data)}.")
    # A null optional field means the same as an absent one (Parquet nulls, mostly).
    record = {k: v for k, v in data.items() if v is not None}
    return RawRecord(where, record, record_id=shown_id(record.get("id")))


def _csv_records(lines: _BoundedLines) -> Iterator[RawRecord]:
    # A row is bounded by _CsvLines; the csv module's own cell limit must not be the lower one.
    csv.field_size_limit(max(csv.field_size_limit(), lines.max_line))
    yield from _csv_rows(_CsvLines(lines))


class _CsvLines:
    """Text lines for the csv module, a row at most ``RANKWISE_MAX_RECORD_BYTES`` long.

    Quoted cells may spread a row over many lines, so where an over-long row ends cannot be
    found without reading it: such a row refuses the whole file.
    """

    def __init__(self, lines: _BoundedLines) -> None:
        self.lines = iter(lines)
        self.max_row = lines.max_line
        self.number = 0  # lines read
        self.row_start = 1
        self.row_bytes = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.number += 1
        if line is not None:
            self.row_bytes += len(line)
        if line is None or self.row_bytes > self.max_row:
            raise FileProblem(f"line {self.row_start}: {_too_long(self.max_row)}")
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileProblem(f"The file is not UTF-8 text: {exc}.") from exc
        return text.removeprefix("\ufeff") if self.number == 1 else text

    def row_next(self) -> str:
        """Start counting a new row; where it starts, to name it."""
        self.row_start, self.row_bytes = self.number + 1, 0
        return f"line {self.row_start}"


def _csv_rows(lines: _CsvLines) -> Iterator[RawRecord]:
    reader = csv.reader(lines)
    try:
        columns = _csv_columns(next(reader, []))
    except csv.Error as exc:
        raise FileProblem(f"line 1: Invalid CSV: {exc}.") from exc
    while True:
        where = lines.row_next()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawRecord(where, None, f"Invalid CSV: {exc}.")
            continue
        if cells:
            yield _csv_record(where, columns, cells)


def _csv_columns(header: list[str]) -> list[str]:
    columns = [name.strip() for name in header]
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise FileProblem(f"line 1: the column {_column_name(name)} appears more than once.")
        seen.add(name)
        match = NUMBERED_COLUMN.fullmatch(name)
        # Checked before int(): thousands of digits are more than int() converts.
        if match and (len(match[2]) > len(str(MAX_COMPLETIONS)) or int(match[2]) > MAX_COMPLETIONS):
            raise FileProblem(
                f"line 1: the column {_column_name(name)} numbers no completion: "
                f"completion_N and model_N take N from 1 to {MAX_COMPLETIONS}."
            )
    return columns


def _column_name(name: str) -> str:
    """A column name for a message: a very long one is cut, with its length."""
    if len(name) <= 60:
        return repr(name)
    return f"{name[:40]!r}… ({len(name):,} characters)"


def _csv_record(where: str, columns: list[str], cells: list[str]) -> RawRecord:
    if len(cells) != len(columns):
        return RawRecord(where, None, f"Expected {len(columns)} cells, found {len(cells)}.")
    named = dict(zip(columns, cells, strict=True))
    try:
        record = csv_cells_to_record(named)
    except RecordInvalid as exc:
        return RawRecord(where, None, str(exc), record_id=shown_id(named.get("id")))
    return RawRecord(where, record, record_id=shown_id(record.get("id")))


JSON_COLUMNS = frozenset({"messages", "completions", "metadata", "gold_ranking"})
NUMBERED_COLUMN = re.compile(r"(completion|model)_([1-9][0-9]*)")


def csv_cells_to_record(cells: dict[str, str]) -> dict[str, Any]:
    """One CSV row as a JSONL-shaped record. An empty cell is a missing value."""
    record: dict[str, Any] = {}
    numbered: dict[str, dict[int, str]] = {"completion": {}, "model": {}}
    for column, value in cells.items():
        if value == "":
            continue
        match = NUMBERED_COLUMN.fullmatch(column)
        if match:
            numbered[match[1]][int(match[2])] = value
        elif column in JSON_COLUMNS:
            record[column] = _json_cell(column, value)
        else:
            record[column] = value
    if numbered["completion"] or numbered["model"]:
        if "completions" in record:
            raise RecordInvalid(
                "completions", "Give a completions cell or completion_N cells, not both."
            )
        record["completions"] = _numbered_completions(numbered["completion"], numbered["model"])
    return record


def _json_cell(column: str, value: str) -> Any:
    try:
        return loads_bounded(value)
    except ValueError as exc:
        raise RecordInvalid(column, _json_problem(exc)) from exc


def _json_problem(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"Invalid JSON: {error.msg} (column {error.pos + 1})."
    if isinstance(error, JsonTooDeep):
        return str(error)
    return f"Invalid JSON: {str(error).rstrip('.')}."


def _numbered_completions(texts: dict[int, str], models: dict[int, str]) -> list[dict[str, str]]:
    for n in models:
        if n not in texts:
            raise RecordInvalid(f"model_{n}", f"There is no completion_{n}.")
    completions = []
    for n in range(1, max(texts) + 1):
        if n not in texts:
            raise RecordInvalid(f"completion_{n}", BLANK)
        completions.append({"text": texts[n], "model": models.get(n, "")})
    return completions


def _parquet_records(stream: IO[bytes], rows: int) -> Iterator[RawRecord]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    limit = max_record_bytes()
    try:
        parquet = pq.ParquetFile(stream)
        _parquet_size_check(parquet.metadata)
        number = 0
        for batch in parquet.iter_batches(batch_size=rows):
            for data in _parquet_rows(batch, limit):
                number += 1
                where = f"row {number}"
                if data is None:
                    yield RawRecord(where, None, _too_long(limit))
                else:
                    yield _object_record(where, data, "Each row must be a record")
    except (pa.ArrowException, OSError) as exc:
        raise FileProblem(f"The file is not valid Parquet: {exc}") from exc


def _parquet_size_check(metadata: Any) -> None:
    """Refuse, from the footer alone, a file whose row groups decompress past the limit."""
    limit = int(settings.RANKWISE_MAX_IMPORT_BYTES)
    size = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if size > limit:
        raise FileProblem(
            f"The file holds {size:,} bytes uncompressed; imports are limited to {limit:,} bytes."
        )


def _parquet_rows(batch: Any, limit: int) -> Iterator[dict[str, Any] | None]:
    """The batch's rows as dicts, ``None`` for a row over ``limit`` bytes.

    Arrow knows each slice's size, so an over-long row is found by halving the batch and is
    never turned into Python objects.
    """
    if batch.nbytes <= limit:
        yield from batch.to_pylist()
    elif batch.num_rows == 1:
        yield None
    else:
        half = batch.num_rows // 2
        yield from _parquet_rows(batch.slice(0, half), limit)
        yield from _parquet_rows(batch.slice(half), limit)


# --- records ----------------------------------------------------------------------------


def record_kind(record: dict[str, Any]) -> RecordKind:
    """Preference pairs have ``chosen`` and ``rejected``; anything else is an item."""
    return RecordKind.PAIRS if {"chosen", "rejected"} <= record.keys() else RecordKind.ITEMS


def record_parse(where: str, record: dict[str, Any], kind: RecordKind) -> ImportItem:
    """Validate one record; raises ``RecordInvalid`` naming the first bad field."""
    if kind is RecordKind.PAIRS:
        return _pair_parse(where, record)
    return _item_parse(where, record)


ITEM_KEYS = frozenset({"id", "prompt", "messages", "completions", "metadata", "gold_ranking"})
PAIR_KEYS = frozenset({"id", "prompt", "chosen", "rejected", "metadata"})
COMPLETION_KEYS = frozenset({"text", "model", "metadata"})


def _item_parse(where: str, record: dict[str, Any]) -> ImportItem:
    external_id = _external_id(record.get("id"))
    text, messages = _prompt(record)
    completions = _completions(record.get("completions"))
    return ImportItem(
        where=where,
        external_id=external_id,
        text=text,
        messages=messages,
        metadata=_metadata(record, ITEM_KEYS, "metadata"),
        gold_ranking=_gold_ranking(record.get("gold_ranking"), len(completions)),
        completions=completions,
        completions_hash=completions_hash(completions),
    )


def _pair_parse(where: str, record: dict[str, Any]) -> ImportItem:
    prompt = record.get("prompt")
    if isinstance(prompt, list):
        text, messages = "", _messages(prompt, "prompt")
    else:
        text, messages = _prompt_text(prompt, "prompt"), None
    completions = [
        CompletionIn(text=_pair_answer(record.get(side), side), model="", metadata={})
        for side in ("chosen", "rejected")
    ]
    if completions[0].text == completions[1].text:
        raise RecordInvalid("rejected", "Is the same as chosen: the pair states no preference.")
    metadata = _metadata(record, PAIR_KEYS, "metadata")
    if "id" in record:
        external_id = _external_id(record["id"])
    else:
        # Same content, same id: re-importing a file without ids stays idempotent.
        content = _canonical([messages or text, completions[0].text, completions[1].text], "id")
        external_id = "pair-" + hashlib.sha256(content.encode()).hexdigest()[:16]
    return ImportItem(
        where=where,
        external_id=external_id,
        text=text,
        messages=messages,
        metadata=metadata,
        gold_ranking=None,
        completions=completions,
        completions_hash=completions_hash(completions),
        is_pair=True,
    )


def completions_hash(completions: list[CompletionIn]) -> str:
    """sha256 over the completions' canonical JSON: it changes when any completion does."""
    content = [[c.text, c.model, c.metadata] for c in completions]
    return hashlib.sha256(_canonical(content, "completions").encode()).hexdigest()


def _canonical(value: Any, field: str) -> str:
    """Canonical JSON of ``value``, refusing what PostgreSQL cannot store."""
    try:
        text = json.dumps(
            value, ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
        )
        text.encode()
    except UnicodeEncodeError as exc:
        raise RecordInvalid(field, "Contains invalid Unicode (a lone surrogate).") from exc
    except RecursionError as exc:
        # A Parquet schema can nest deeper than the encoder recurses; JSON input is checked.
        raise RecordInvalid(field, "Is nested too deeply.") from exc
    except (TypeError, ValueError) as exc:
        # NaN and Infinity, or a Parquet value with no JSON form (a timestamp, bytes).
        raise RecordInvalid(field, f"Cannot be stored as JSON: {exc}.") from exc
    if "\\u0000" in text and _has_nul(value):
        raise RecordInvalid(field, "Contains a NUL character, which the database cannot store.")
    return text


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _external_id(value: Any) -> str:
    if value is None:
        raise RecordInvalid("id", REQUIRED)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    external_id = _string(value, "id").strip()
    if not external_id:
        raise RecordInvalid("id", BLANK)
    if len(external_id) > MAX_ID_LENGTH:
        raise RecordInvalid("id", f"Ensure this field has no more than {MAX_ID_LENGTH} characters.")
    _canonical(external_id, "id")
    return external_id


def _prompt(record: dict[str, Any]) -> tuple[str, list[dict[str, Any]] | None]:
    if "prompt" in record and "messages" in record:
        raise RecordInvalid("prompt", "Give either prompt or messages, not both.")
    if "messages" in record:
        return "", _messages(record["messages"], "messages")
    if "prompt" not in record:
        raise RecordInvalid("prompt", "This field is required (or give messages).")
    return _prompt_text(record["prompt"], "prompt"), None


def _prompt_text(value: Any, field: str) -> str:
    if value is None:
        raise RecordInvalid(field, REQUIRED)
    # Leading and trailing whitespace is kept: for raw prompts it can be part of the format.
    text = _text(value, field)
    if not text.strip():
        raise RecordInvalid(field, BLANK)
    _canonical(text, field)
    return text


def _messages(value: Any, field: str) -> list[dict[str, Any]]:
    messages = _list(value, field)
    if not messages:
        raise RecordInvalid(field, "Give at least one message.")
    for index, message in enumerate(messages):
        where = f"{field}.{index}"
        _object(message, where)
        if message.get("role") not in ROLES:
            raise RecordInvalid(f"{where}.role", f"Must be one of {', '.join(ROLES)}.")
        if "content" not in message:
            raise RecordInvalid(f"{where}.content", REQUIRED)
        _string(message["content"], f"{where}.content")
    size, limit = sum(len(message["content"]) for message in messages), max_text_chars()
    if size > limit:
        raise RecordInvalid(
            field,
            f"Ensure the messages hold no more than {limit:,} characters (they hold {size:,}).",
        )
    _canonical(messages, field)
    return messages


def _pair_answer(value: Any, side: str) -> str:
    """A pair's answer: a string, or TRL's conversational form, one assistant message.

    An empty answer is kept: preference data uses it (hh-rlhf prefers silence to harm).
    """
    field = side
    if isinstance(value, list):
        if len(value) != 1 or not isinstance(value[0], dict) or value[0].get("role") != "assistant":
            raise RecordInvalid(side, "A conversational answer must be one assistant message.")
        value, field = value[0].get("content"), f"{side}.0.content"
    if value is None:
        raise RecordInvalid(field, REQUIRED)
    return _text(value, field)


def _completions(value: Any) -> list[CompletionIn]:
    # No completions: a prompt to generate them for (generation app); it stays out of the
    # annotation queue until they are in.
    if value is None:
        return []
    items = _list(value, "completions")
    if not items:
        return []
    if len(items) < MIN_COMPLETIONS:
        raise RecordInvalid("completions", f"Give at least {MIN_COMPLETIONS} completions.")
    if len(items) > MAX_COMPLETIONS:
        raise RecordInvalid("completions", f"Give at most {MAX_COMPLETIONS} completions.")
    return [_completion(item, f"completions.{index}") for index, item in enumerate(items)]


def _completion(value: Any, field: str) -> CompletionIn:
    completion = _object(value, field)
    model = completion.get("model")
    model = "" if model is None else _string(model, f"{field}.model")
    if len(model) > MAX_MODEL_LENGTH:
        raise RecordInvalid(
            f"{field}.model", f"Ensure this field has no more than {MAX_MODEL_LENGTH} characters."
        )
    return CompletionIn(
        text=_completion_text(completion.get("text"), f"{field}.text"),
        model=model,
        metadata=_metadata(completion, COMPLETION_KEYS, f"{field}.metadata"),
    )


def _completion_text(value: Any, field: str) -> str:
    if value is None:
        raise RecordInvalid(field, REQUIRED)
    text = _text(value, field)
    if not text.strip():
        raise RecordInvalid(field, BLANK)
    return text


def _metadata(record: dict[str, Any], known: frozenset[str], field: str) -> dict[str, Any]:
    given = record.get("metadata")
    metadata = {} if given is None else _object(given, field)
    extra = {k: v for k, v in record.items() if k not in known}
    if extra:
        metadata = extra | metadata
    if metadata:
        size, limit = len(_canonical(metadata, field).encode()), max_metadata_bytes()
        if size > limit:
            raise RecordInvalid(
                field,
                f"Ensure this field holds no more than {limit:,} bytes as JSON (it has {size:,}).",
            )
    return metadata


def _gold_ranking(value: Any, size: int) -> list[list[int]] | None:
    if value is None:
        return None
    tiers = _list(value, "gold_ranking")
    if not tiers:
        raise RecordInvalid("gold_ranking", "Give at least one tier.")
    seen: set[int] = set()
    for index, tier in enumerate(tiers):
        _gold_tier(tier, f"gold_ranking.{index}", size, seen)
    missing = sorted(set(range(size)) - seen)
    if missing:
        listed = ", ".join(map(str, missing))
        raise RecordInvalid("gold_ranking", f"Every completion must be ranked; missing: {listed}.")
    return tiers


def _gold_tier(tier: Any, field: str, size: int, seen: set[int]) -> None:
    if not isinstance(tier, list) or not tier:
        raise RecordInvalid(field, "A tier must be a non-empty list of completion positions.")
    for position in tier:
        if not isinstance(position, int) or isinstance(position, bool):
            raise RecordInvalid(field, f"{position!r} is not a completion position.")
        if not 0 <= position < size:
            raise RecordInvalid(
                field, f"Position {position} is out of range: positions are 0 to {size - 1}."
            )
        if position in seen:
            raise RecordInvalid(field, f"Position {position} is ranked more than once.")
        seen.add(position)


# --- JSON types -------------------------------------------------------------------------


def max_text_chars() -> int:
    return int(settings.RANKWISE_MAX_TEXT_CHARS)


def max_metadata_bytes() -> int:
    return int(settings.RANKWISE_MAX_METADATA_BYTES)


def _text(value: Any, field: str) -> str:
    """A prompt or a completion: a string no longer than ``RANKWISE_MAX_TEXT_CHARS``."""
    text, limit = _string(value, field), max_text_chars()
    if len(text) > limit:
        raise RecordInvalid(
            field,
            f"Ensure this field has no more than {limit:,} characters (it has {len(text):,}).",
        )
    return text


def _string(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise RecordInvalid(field, f"Expected a string, got {_json_type(value)}.")
    return value


def _list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise RecordInvalid(field, f"Expected a list, got {_json_type(value)}.")
    return value


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecordInvalid(field, f"Expected an object, got {_json_type(value)}.")
    return value


JSON_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "a boolean"),
    ((int, float), "a number"),
    (str, "a string"),
    (list, "a list"),
    (dict, "an object"),
)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    for python_type, name in JSON_TYPES:
        if isinstance(value, python_type):
            return name
    return type(value).__name__
