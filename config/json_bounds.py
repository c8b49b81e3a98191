"""Bounded JSON decoding: a nesting limit checked before parsing, no NaN or Infinity.

``json.loads`` recurses once per ``[``/``{``, so a body of a thousand brackets
raises RecursionError deep inside a parser; and it accepts ``NaN``, ``Infinity``
and ``1e999``, which PostgreSQL's jsonb then refuses. Every JSON the API or an
import reads goes through ``loads_bounded`` so both become a plain ValueError.

No Django here (the import file parser uses it too); ``config.json_limits`` gives these the
limit of ``RANKWISE_MAX_JSON_DEPTH`` where a caller names none.
"""

from __future__ import annotations

import json
import math
from itertools import accumulate
from typing import Any

# What a backslash may escape in JSON; kept through the first pass so that an
# escape stays next to its backslash once the text between is deleted.
_ESCAPABLE = b'"\\/bfnrtu'
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b"[]{}" + _ESCAPABLE)
_ESCAPE_LEFTOVERS = b"\\/bfnrtu"
# Openers become +1 and closers -1 once read as signed bytes.
_TO_STEPS = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")


class JsonTooDeep(ValueError):
    def __init__(self, max_depth: int) -> None:
        super().__init__(f"JSON is nested deeper than the limit of {max_depth} levels.")
        self.max_depth = max_depth


def _utf8(text: str | bytes) -> bytes:
    if isinstance(text, str):
        return text.encode("utf-8", "surrogatepass")
    encoding = json.detect_encoding(text)
    if encoding == "utf-8" or encoding == "utf-8-sig":
        return text  # brackets and quotes never occur inside a UTF-8 multibyte sequence
    return text.decode(encoding, "surrogatepass").encode("utf-8", "surrogatepass")


def json_depth_check(text: str | bytes, *, max_depth: int) -> None:
    """Raise JsonTooDeep when arrays/objects nest deeper than ``max_depth``.

    Linear in the text and done in C: strings are cut out, everything but
    brackets deleted, and the running depth summed. Malformed JSON is left for
    the parser to reject (an unterminated string ends the scan).
    """
    limit = max_depth
    brackets = _outside_strings(_utf8(text))
    if brackets.count(b"[") + brackets.count(b"{") <= limit:
        return
    steps = memoryview(brackets.translate(_TO_STEPS)).cast("b")
    if max(accumulate(steps)) > limit:
        raise JsonTooDeep(limit)


def _outside_strings(data: bytes) -> bytes:
    """The brackets of ``data`` that are not inside a string, in order.

    Only bytes methods, so it runs at C speed. Everything but brackets, quotes
    and what an escape may contain goes first; then escaped backslashes (a run
    pairs off from the left, as the parser reads it), escaped quotes and the
    other escapes. Dropping two adjacent quotes keeps every other quote's
    parity, so empty strings go before the last split. Invalid JSON may be
    counted wrongly after its first bad escape, where the parser stops anyway.
    """
    data = data.translate(None, _NOT_STRUCTURE)
    if b"\\\\" in data:
        data = data.replace(b"\\\\", b"")
    if b'\\"' in data:
        data = data.replace(b'\\"', b"")
    data = data.translate(None, _ESCAPE_LEFTOVERS).replace(b'""', b"")
    if b'"' not in data:
        return data
    # Even pieces lie outside strings; an unterminated string's tail is an odd one.
    return b"".join(data.split(b'"')[::2])


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON: numbers must be finite.")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"{literal[:40]} is not valid JSON here: numbers must be finite.")
    return value


def loads_bounded(text: str | bytes, *, max_depth: int) -> Any:
    """``json.loads`` after the depth check, refusing NaN, Infinity and overflowing floats."""
    json_depth_check(text, max_depth=max_depth)
    return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
