"""Tokenize once (batched, fast tokenizer), cache by (tokenizer, text hash), truncate without loss.

Prompts and completions are tokenized separately and joined as ids, so a prompt shared by
many completions is tokenized once and truncation can treat the two parts differently:
the prompt is cut from the left (the turns nearest the answer stay) and an over-long
completion keeps its head and its end (the middle goes), so no pair is ever dropped.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_MEMORY: dict[str, dict[bytes, list[int]]] = {}  # fingerprint -> text sha1 -> ids
_CHUNK = 2048


@dataclass(frozen=True)
class Specials:
    """The ids a tokenizer wraps one sequence in ([CLS] ... [SEP] for BERT, BOS for Llama)."""

    prefix: tuple[int, ...]
    suffix: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.prefix) + len(self.suffix)


def specials_of(tokenizer: Any) -> Specials:
    bare = tokenizer("a", add_special_tokens=False)["input_ids"]
    full = tokenizer("a", add_special_tokens=True)["input_ids"]
    for start in range(len(full) - len(bare) + 1):
        if full[start : start + len(bare)] == bare:
            return Specials(tuple(full[:start]), tuple(full[start + len(bare) :]))
    return Specials((), ())


def fingerprint(tokenizer: Any) -> str:
    """Identifies a tokenizer by its full serialized definition, not its name."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise ValueError("the backbone needs a fast (Rust) tokenizer for batched tokenization")
    return hashlib.sha256(backend.to_str().encode()).hexdigest()[:16]


def encode(
    tokenizer: Any, texts: list[str], cache_dir: str = "", remember: bool = True
) -> list[list[int]]:
    """Token ids (no special tokens) of each text, tokenizing only texts not seen before.

    ``remember=False``: texts are not kept for later calls (a scoring server sees new
    rollouts all the time, which would grow the cache without end); repeats within the
    call are still tokenized once."""
    fp = fingerprint(tokenizer)
    cache = _MEMORY.setdefault(fp, {}) if remember else {}
    path = Path(cache_dir) / f"tokens-{fp}.pkl" if cache_dir else None
    if path and path.exists() and not cache:
        cache.update(pickle.loads(path.read_bytes()))
    keys = [hashlib.sha1(t.encode()).digest() for t in texts]
    missing = list({k: t for k, t in zip(keys, texts, strict=True) if k not in cache}.items())
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start : start + _CHUNK]
        ids = tokenizer([t for _, t in chunk], add_special_tokens=False)["input_ids"]
        cache.update({k: list(i) for (k, _), i in zip(chunk, ids, strict=True)})
    if path and missing:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(cache, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(path)
    return [cache[k] for k in keys]


def join(
    prompt: list[int],
    completion: list[int],
    specials: Specials,
    max_length: int,
    min_prompt_tokens: int,
    max_prompt_tokens: int = 0,
) -> tuple[list[int], bool]:
    """The model input for one (prompt, completion) and whether it had to be truncated.

    ``max_prompt_tokens`` (0: no cap) keeps only the prompt's last tokens, the end of the
    conversation, before ``max_length`` applies."""
    room = max_length - specials.count
    capped = 0 < max_prompt_tokens < len(prompt)
    if capped:
        prompt = prompt[len(prompt) - max_prompt_tokens :]
    if len(prompt) + len(completion) <= room:
        return [*specials.prefix, *prompt, *completion, *specials.suffix], capped
    completion_room = room - min(len(prompt), min_prompt_tokens)
    if len(completion) > completion_room:
        head = completion_room // 2
        tail = completion_room - head
        completion = completion[:head] + completion[len(completion) - tail :]
    prompt_room = room - len(completion)
    prompt = prompt[len(prompt) - prompt_room :] if prompt_room > 0 else []
    return [*specials.prefix, *prompt, *completion, *specials.suffix], True
