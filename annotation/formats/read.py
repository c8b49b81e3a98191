"""Reading an import file: its type from its name, then its located records (JSONL lines,
CSV lines, Parquet rows), each bounded while it is read."""

from __future__ import annotations

import csv
import gzip
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import PurePath
from typing import IO, Any

from annotation.formats.limits import limits
from annotation.formats.types import (
    BLANK,
    MAX_COMPLETIONS,
    SUFFIXES,
    FileFormat,
    FileProblem,
    FileType,
    RawRecord,
    RecordInvalid,
    json_type,
    shown_id,
)
from config.json_bounds import JsonTooDeep, loads_bounded

# What the line readers accept: the file itself, or the gzip stream over it.
ByteStream = IO[bytes] | gzip.GzipFile


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
    return limits().record_bytes


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
        self.max_total = limits().import_bytes
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
            data = loads_bounded(line.rstrip(b"\r\n"), max_depth=limits().json_depth)
        except ValueError as exc:  # also bad UTF-8, NaN, and nesting deeper than the limit
            yield RawRecord(where, None, _json_problem(exc))
        else:
            yield _object_record(where, data, "Each line must be a JSON object")


def _object_record(where: str, data: Any, what: str) -> RawRecord:
    if not isinstance(data, dict):
        return RawRecord(where, None, f"{what}, not {json_type(data)}.")
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
        return loads_bounded(value, max_depth=limits().json_depth)
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
    limit = limits().import_bytes
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
