"""The size limits a hostile import file meets, without Django: the annotation app hands the
reader its settings through ``limits_provide`` (annotation/apps.py), read at each call so a
changed setting counts at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    record_bytes: int = 16 * 1024**2  # RANKWISE_MAX_RECORD_BYTES
    import_bytes: int = 1024**3  # RANKWISE_MAX_IMPORT_BYTES, decompressed
    text_chars: int = 100_000  # RANKWISE_MAX_TEXT_CHARS
    metadata_bytes: int = 64 * 1024  # RANKWISE_MAX_METADATA_BYTES
    json_depth: int = 64  # RANKWISE_MAX_JSON_DEPTH


_provider: Callable[[], Limits] = Limits


def limits_provide(provider: Callable[[], Limits]) -> None:
    global _provider
    _provider = provider


def limits() -> Limits:
    return _provider()
