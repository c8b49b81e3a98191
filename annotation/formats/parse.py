"""Parsing one record into an ``ImportItem``, or saying what is wrong with it, field by field."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from annotation.formats.limits import limits
from annotation.formats.types import (
    BLANK,
    MAX_COMPLETIONS,
    MAX_ID_LENGTH,
    MAX_MODEL_LENGTH,
    MIN_COMPLETIONS,
    REQUIRED,
    ROLES,
    CompletionIn,
    ImportItem,
    RecordInvalid,
    RecordKind,
    json_type,
)


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
    return limits().text_chars


def max_metadata_bytes() -> int:
    return limits().metadata_bytes


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
        raise RecordInvalid(field, f"Expected a string, got {json_type(value)}.")
    return value


def _list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise RecordInvalid(field, f"Expected a list, got {json_type(value)}.")
    return value


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecordInvalid(field, f"Expected an object, got {json_type(value)}.")
    return value
