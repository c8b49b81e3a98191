"""Preference data in: TRL pair JSONL, rankings JSONL or in-memory records, grouped by prompt.

Every record becomes pairs inside a `Group` (one prompt, its distinct completions), so a
completion shared by several pairs or raters is scored once per step (listwise batching).
A record's pairs carry weight ``record weight / C(K,2)`` (InstructGPT): a ranking of K
completions counts as one example, not C(K,2) examples.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Record = dict[str, Any]


class DataError(ValueError):
    """Bad input data; the message names the line (or record index) and the field."""


@dataclass
class Pair:
    chosen: int  # index into Group.completions
    rejected: int
    weight: float  # record weight / C(K,2), times the pair's own weight
    margin: float
    source: int  # record index: pairs from the same rater share it


@dataclass
class Group:
    prompt: str
    completions: list[str] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    n_records: int = 0
    tied: int = 0  # human ties (same tier): no pair, counted for the report
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def completion_index(self, text: str) -> int:
        if text not in self._index:
            self._index[text] = len(self.completions)
            self.completions.append(text)
        return self._index[text]


@dataclass
class Dataset:
    groups: list[Group]
    sha256: str  # content hash of the normalized records, stored in the model metadata

    @property
    def n_pairs(self) -> int:
        return sum(len(g.pairs) for g in self.groups)

    @property
    def n_records(self) -> int:
        return sum(g.n_records for g in self.groups)


def load(source: str | Path | Iterable[Record]) -> Dataset:
    """Read a JSONL(.gz) file or in-memory records into prompt groups."""
    records = _read_file(Path(source)) if isinstance(source, str | Path) else _numbered(source)
    builder = _Builder()
    for where, record in records:
        builder.add(where, record)
    if not builder.by_prompt:
        raise DataError("the dataset is empty: no preference pairs or rankings")
    dataset = Dataset(list(builder.by_prompt.values()), builder.digest.hexdigest())
    if dataset.n_pairs == 0:
        raise DataError("the dataset has no preference pairs (every ranking is a single tie)")
    return dataset


def _numbered(records: Iterable[Record]) -> Iterator[tuple[str, Record]]:
    for index, record in enumerate(records):
        yield f"record {index}", record


def _read_file(path: Path) -> Iterator[tuple[str, Record]]:
    if not path.exists():
        raise DataError(f"{path}: no such file")
    raw = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")  # noqa: SIM115
    with raw, io.TextIOWrapper(raw, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path.name} line {number}: not JSON ({exc.msg})") from None
            yield f"{path.name} line {number}", record


class _Builder:
    def __init__(self) -> None:
        self.by_prompt: dict[str, Group] = {}
        self.digest = hashlib.sha256()
        self.count = 0

    def add(self, where: str, record: Any) -> None:
        if not isinstance(record, dict):
            raise DataError(f"{where}: expected a JSON object")
        prompt = _text(record, "prompt", where)
        weight = _number(record, "weight", where, default=1.0)
        if "completions" in record:
            texts, pairs, tied = _ranking_pairs(record, where)
        elif "chosen" in record and "rejected" in record:
            texts = [_text(record, "chosen", where), _text(record, "rejected", where)]
            pairs, tied = [(0, 1, _number(record, "margin", where, default=0.0))], 0
        else:
            raise DataError(f"{where}: needs chosen+rejected or completions+ranking")
        group = self.by_prompt.setdefault(prompt, Group(prompt))
        index = [group.completion_index(t) for t in texts]
        k = len(texts)
        per_pair = weight / math.comb(k, 2)
        for win, lose, margin in pairs:
            group.pairs.append(Pair(index[win], index[lose], per_pair, margin, self.count))
        group.n_records += 1
        group.tied += tied
        self.count += 1
        # Hash what training sees (not the raw line): key order and extra keys do not matter.
        normalized = [prompt, texts, pairs, weight]
        self.digest.update(json.dumps(normalized, sort_keys=True).encode())


def _ranking_pairs(
    record: Record, where: str
) -> tuple[list[str], list[tuple[int, int, float]], int]:
    completions = record["completions"]
    if not isinstance(completions, list) or len(completions) < 2:
        raise DataError(f"{where}: completions must be a list of at least 2")
    texts = [_completion_text(c, where, i) for i, c in enumerate(completions)]
    ids = [c.get("id") if isinstance(c, dict) else None for c in completions]
    tiers = record.get("ranking", record.get("tiers"))
    if not isinstance(tiers, list) or not tiers:
        raise DataError(f"{where}: ranking must be a non-empty list of tiers")
    position = _tier_positions(tiers, ids, len(texts), where)
    pairs, tied = [], 0
    for a in range(len(texts)):
        for b in range(a + 1, len(texts)):
            if position[a] == position[b]:
                tied += 1
            elif position[a] < position[b]:
                pairs.append((a, b, 0.0))
            else:
                pairs.append((b, a, 0.0))
    return texts, pairs, tied


def _tier_positions(tiers: list[Any], ids: list[Any], k: int, where: str) -> list[int]:
    """Tier number of every completion. Entries are completion ids when the completions
    carry ids, else 0-based indices; a bare entry is a tier of one."""
    by_id = {cid: i for i, cid in enumerate(ids) if cid is not None}
    use_ids = len(by_id) == k
    position: dict[int, int] = {}
    for tier_no, tier in enumerate(tiers):
        for entry in tier if isinstance(tier, list) else [tier]:
            index = by_id.get(entry) if use_ids else entry
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < k:
                raise DataError(f"{where}: ranking names unknown completion {entry!r}")
            if index in position:
                raise DataError(f"{where}: ranking lists completion {entry!r} twice")
            position[index] = tier_no
    if len(position) != k:
        missing = sorted(set(range(k)) - set(position))
        raise DataError(f"{where}: ranking leaves out completion(s) {missing}")
    return [position[i] for i in range(k)]


def _completion_text(value: Any, where: str, index: int) -> str:
    text = value.get("text") if isinstance(value, dict) else value
    if not isinstance(text, str):
        raise DataError(f"{where}: completions[{index}] must be a string or {{'text': string}}")
    return text


def _text(record: Record, key: str, where: str) -> str:
    # Empty strings are real data (HH-RLHF has empty replies); only a missing or
    # non-string value is an error. A missing prompt means "no prompt".
    value = record.get(key, "" if key == "prompt" else None)
    if not isinstance(value, str):
        raise DataError(f"{where}: {key} must be a string")
    return value


def _number(record: Record, key: str, where: str, default: float) -> float:
    value = record.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DataError(f"{where}: {key} must be a finite number")
    if key == "weight" and value < 0:
        raise DataError(f"{where}: weight must be non-negative")
    return float(value)
