"""The API's JSON parser: DRF's, decoding through ``loads_bounded``.

DRF's parser lets a deeply nested body reach ``json.load``'s recursion (a 500)
and decodes NaN and Infinity, which PostgreSQL refuses later. Here every
problem with a body is a ParseError, so a 400 in the one error shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from config.json_limits import JsonTooDeep, loads_bounded


class JSONParser(parsers.JSONParser):
    # A subclass of DRF's on purpose: DRF then hands it the body through request.body,
    # which holds it to DATA_UPLOAD_MAX_MEMORY_SIZE, rather than the raw stream.

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        # DRF's helper refuses bytes-to-bytes "charsets" (bz2_codec) that would inflate the body.
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"The body is not valid {encoding} text: {exc.reason}.") from exc
        try:
            return loads_bounded(text)
        except JsonTooDeep as exc:
            raise ParseError(str(exc)) from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
