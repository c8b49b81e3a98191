"""How long evaluating a model version on an evaluation set takes on this machine.

    .venv/bin/python benchmarks/evaluation/bench.py [--items 1808] [--max-length 256]

Each part prints one JSON line when done.

(1) Scoring: the 1,808 real HH-RLHF harmless pairs (the shared data) as a RewardBench-shaped
set, through the same path an evaluation task takes (``RewardScorer.score_groups`` a chunk of
``RANKWISE_EVALUATION_CHUNK_ITEMS`` items at a time) with the default MiniLM backbone and a
random scalar head, against one ``score`` call per item (what calling the scoring API item
by item would cost). (2) The maths: ``metrics.report`` and the regression intervals of
``regression.set_differences`` on 20,000 synthetic items (the largest set allowed by
default), with 1 and with 23 categories (RewardBench's count).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from training.engine.config import default_backbone  # noqa: E402
from training.engine.evaluate import METADATA, RewardScorer  # noqa: E402
from training.evaluation.metrics import ScoredItem, report  # noqa: E402
from training.evaluation.regression import set_differences  # noqa: E402

SHARED = Path(os.environ.get("RANKWISE_SHARED_DATA", ROOT.parent / "shared" / "data"))
CHUNK = 256  # RANKWISE_EVALUATION_CHUNK_ITEMS's default


def model_folder(path: Path, max_length: int) -> Path:
    """The default backbone with a fresh scalar head, saved as a registered model is."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    backbone = default_backbone()
    AutoModelForSequenceClassification.from_pretrained(backbone, num_labels=1).save_pretrained(path)
    AutoTokenizer.from_pretrained(backbone).save_pretrained(path)
    config = {"max_length": max_length, "min_prompt_tokens": 64, "max_prompt_tokens": 0}
    meta = {"config": config, "reward_mean": 0.0, "reward_std": 1.0}
    (path / METADATA).write_text(json.dumps(meta))
    return path


def hh_items(n: int) -> list[tuple[str, list[str]]]:
    with gzip.open(SHARED / "hh_rlhf_harmless_pairs.jsonl.gz", "rt") as lines:
        rows = [json.loads(line) for _, line in zip(range(n), lines, strict=False)]
    return [(r["prompt"], [r["chosen"], r["rejected"]]) for r in rows]


def scoring(items: list[tuple[str, list[str]]], max_length: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        scorer = RewardScorer(model_folder(Path(folder), max_length), device="cpu")
        scorer.score_groups(items[:8])  # warm-up
        started = time.perf_counter()
        rewards = []
        for start in range(0, len(items), CHUNK):
            rewards += scorer.score_groups(items[start : start + CHUNK])
        chunked = time.perf_counter() - started
        few = items[: min(50, len(items))]
        started = time.perf_counter()
        for prompt, completions in few:
            scorer.score(prompt, completions)
        one_by_one = (time.perf_counter() - started) / len(few) * len(items)
    scored = [
        ScoredItem(r, [[0], [1]], [len(c) for c in i[1]])
        for r, i in zip(rewards, items, strict=True)
    ]
    started = time.perf_counter()
    report(scored)
    return {
        "items": len(items),
        "evaluation_seconds": chunked,
        "items_per_second": len(items) / chunked,
        "one_by_one_seconds_estimated": one_by_one,
        "metrics_seconds": time.perf_counter() - started,
    }


def maths(n: int, categories: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    names = [f"c{i}" for i in range(categories)] if categories > 1 else [""]

    def version(skill: float) -> list[ScoredItem]:
        return [
            ScoredItem(
                [float(rng.normal(skill)), float(rng.normal())],
                [[0], [1]],
                [1, 1],
                names[i % len(names)],
            )
            for i in range(n)
        ]

    base, candidate = version(1.0), version(0.9)
    started = time.perf_counter()
    report(candidate)
    metrics_seconds = time.perf_counter() - started
    started = time.perf_counter()
    set_differences(base, candidate)
    return {
        "items": n,
        "categories": categories,
        "metrics_seconds": metrics_seconds,
        "regression_seconds": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1808)
    parser.add_argument("--max-length", type=int, default=256)
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("RANKWISE_BENCH_THREADS", torch.get_num_threads())))
    # The maths first: it takes seconds, the scoring minutes on a busy CPU.
    print(json.dumps({"torch_threads": torch.get_num_threads()}), flush=True)
    for categories in (1, 23):
        print(json.dumps({"maths": maths(20_000, categories)}), flush=True)
    print(json.dumps({"scoring": scoring(hh_items(args.items), args.max_length)}), flush=True)


if __name__ == "__main__":
    main()
