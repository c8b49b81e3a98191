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

from annotation.formats.parse import (
    COMPLETION_KEYS,
    ITEM_KEYS,
    PAIR_KEYS,
    completions_hash,
    max_metadata_bytes,
    max_text_chars,
    record_kind,
    record_parse,
)
from annotation.formats.read import (
    JSON_COLUMNS,
    NUMBERED_COLUMN,
    ByteStream,
    csv_cells_to_record,
    file_type_of,
    max_record_bytes,
    records_read,
)
from annotation.formats.types import (
    BLANK,
    MAX_COMPLETIONS,
    MAX_ID_LENGTH,
    MAX_MODEL_LENGTH,
    MAX_SHOWN_ID,
    MIN_COMPLETIONS,
    REQUIRED,
    ROLES,
    SUFFIXES,
    CompletionIn,
    FileFormat,
    FileProblem,
    FileType,
    ImportItem,
    RawRecord,
    RecordInvalid,
    RecordKind,
    shown_id,
)

__all__ = [
    "BLANK",
    "COMPLETION_KEYS",
    "ITEM_KEYS",
    "JSON_COLUMNS",
    "MAX_COMPLETIONS",
    "MAX_ID_LENGTH",
    "MAX_MODEL_LENGTH",
    "MAX_SHOWN_ID",
    "MIN_COMPLETIONS",
    "NUMBERED_COLUMN",
    "PAIR_KEYS",
    "REQUIRED",
    "ROLES",
    "SUFFIXES",
    "ByteStream",
    "CompletionIn",
    "FileFormat",
    "FileProblem",
    "FileType",
    "ImportItem",
    "RawRecord",
    "RecordInvalid",
    "RecordKind",
    "completions_hash",
    "csv_cells_to_record",
    "file_type_of",
    "max_metadata_bytes",
    "max_record_bytes",
    "max_text_chars",
    "record_kind",
    "record_parse",
    "records_read",
    "shown_id",
]
