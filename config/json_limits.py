"""The bounded JSON decoding of ``config.json_bounds``, with ``RANKWISE_MAX_JSON_DEPTH`` as the
nesting limit where a caller names none (the API's parsers and fields)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from config import json_bounds
from config.json_bounds import JsonTooDeep

__all__ = ["JsonTooDeep", "json_depth_check", "loads_bounded"]


def json_depth_check(text: str | bytes, *, max_depth: int | None = None) -> None:
    limit = settings.RANKWISE_MAX_JSON_DEPTH if max_depth is None else max_depth
    json_bounds.json_depth_check(text, max_depth=limit)


def loads_bounded(text: str | bytes, *, max_depth: int | None = None) -> Any:
    limit = settings.RANKWISE_MAX_JSON_DEPTH if max_depth is None else max_depth
    return json_bounds.loads_bounded(text, max_depth=limit)
