"""Checkpoints under ``out_dir/checkpoints/step-N``: written to a temp dir, then renamed,
so a process killed mid-write never leaves a checkpoint that looks complete."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import torch

_FILE = "state.pt"


def root(out_dir: str | Path) -> Path:
    return Path(out_dir) / "checkpoints"


def save(out_dir: str | Path, step: int, payload: dict[str, Any], keep: int) -> Path:
    base = root(out_dir)
    final = base / f"step-{step:09d}"
    tmp = base / f".tmp-step-{step:09d}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    torch.save(payload, tmp / _FILE)
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    for old in _complete(base)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def latest(out_dir: str | Path) -> Path | None:
    found = _complete(root(out_dir))
    return found[-1] if found else None


def load(path: Path) -> dict[str, Any]:
    payload: dict[str, Any] = torch.load(path / _FILE, map_location="cpu", weights_only=False)
    return payload


def clear(out_dir: str | Path) -> None:
    shutil.rmtree(root(out_dir), ignore_errors=True)


def _complete(base: Path) -> list[Path]:
    if not base.exists():
        return []
    return sorted(p for p in base.glob("step-*") if (p / _FILE).exists())
