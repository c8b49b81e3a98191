"""Evaluation-set files for tests, written as users would upload them."""

import gzip
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.factories import ModelVersionFactory
from tests.shared_data import HH_PAIRS
from training.models import ModelVersion

# What the scorer reads of a trained model's metadata (the engine writes more).
TINY_META = {
    "config": {"max_length": 64, "min_prompt_tokens": 16, "max_prompt_tokens": 0},
    "reward_mean": 0.0,
    "reward_std": 1.0,
}


def tiny_model_create(project: Any, media: Path, backbone: str, **fields: Any) -> ModelVersion:
    """A model version of ``project`` whose folder in storage (under ``media``) holds the
    tiny random ``backbone``, as a finished run would leave it."""
    model: ModelVersion = ModelVersionFactory.create(project=project, **fields)
    folder = media / model.artifact
    folder.mkdir(parents=True)
    for path in Path(backbone).iterdir():
        shutil.copy(path, folder / path.name)
    (folder / "rankwise.json").write_text(json.dumps(TINY_META))
    model.files = sorted(p.name for p in folder.iterdir())
    model.save(update_fields=["files"])
    return model


def jsonl(records: list[dict[str, Any]]) -> io.BytesIO:
    return io.BytesIO("".join(json.dumps(r) + "\n" for r in records).encode())


def parquet(records: list[dict[str, Any]]) -> io.BytesIO:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(records), buffer)
    buffer.seek(0)
    return buffer


def hh_pairs(n: int) -> Iterator[dict[str, Any]]:
    """The first ``n`` real HH-RLHF harmless pairs of the shared data."""
    with gzip.open(HH_PAIRS, "rt") as lines:
        for _, line in zip(range(n), lines, strict=False):
            yield json.loads(line)


def rewardbench_records(n: int) -> list[dict[str, Any]]:
    """RewardBench's columns (prompt, chosen, chosen_model, rejected, rejected_model,
    subset, id) filled with real HH pairs, split over two subsets."""
    return [
        {
            "prompt": pair["prompt"],
            "chosen": pair["chosen"],
            "chosen_model": "human",
            "rejected": pair["rejected"],
            "rejected_model": "human",
            "subset": "harmless-even" if i % 2 == 0 else "harmless-odd",
            "id": i,
        }
        for i, pair in enumerate(hh_pairs(n))
    ]


RANKING = {
    "id": "r-1",
    "prompt": "Name a colour.",
    "completions": [{"text": "Blue."}, {"text": "A colour."}, {"text": "Red."}],
    "gold_ranking": [[0, 2], [1]],
    "metadata": {"topic": "colours"},
}
