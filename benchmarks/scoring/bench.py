"""Rewards per second for RL-shaped batches, Rankwise's scorer vs a plain transformers loop,
and the latency of one request among many concurrent callers.

    .venv/bin/python benchmarks/scoring/bench.py                    # both parts, this CPU
    .venv/bin/python benchmarks/scoring/bench.py --device cuda      # the GPU variant
    .venv/bin/python benchmarks/scoring/bench.py --part throughput --prompts 64 --k 8

Writes benchmarks/scoring/out/<device>.json (git-ignored) and prints the figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from transformers import AutoModelForSequenceClassification, AutoTokenizer  # noqa: E402

from training.engine import RewardScorer  # noqa: E402
from training.engine.config import TrainConfig, default_backbone  # noqa: E402
from training.engine.evaluate import METADATA, use_bf16  # noqa: E402
from training.serving.batcher import DynamicBatcher  # noqa: E402

SHARED = Path(os.environ.get("RANKWISE_SHARED_DATA", ROOT.parent / "shared" / "data"))
OUT = Path(__file__).resolve().parent / "out"
Groups = list[tuple[str, list[str]]]


def rl_batch(prompts: int, k: int, offset: int = 0) -> Groups:
    """``prompts`` real prompts with ``k`` real completions each, as a GRPO/RLOO step
    scores them: AlpacaEval instructions (4 model outputs each, topped up with the outputs
    for the next instructions) alternating with HH-RLHF dialogues (chosen and rejected
    replies of neighbouring pairs)."""
    with gzip.open(SHARED / "alpaca_eval_k4.jsonl.gz", "rt") as fh:
        alpaca = [json.loads(line) for line in fh]
    with gzip.open(SHARED / "hh_rlhf_harmless_pairs.jsonl.gz", "rt") as fh:
        hh = [json.loads(line) for line in fh]
    groups: Groups = []
    for i in range(offset, offset + prompts):
        if i % 2:
            pool = [c["text"] for r in alpaca[i : i + k] for c in r["completions"]]
            groups.append((alpaca[i]["prompt"], pool[:k]))
        else:
            pool = [t for r in hh[i : i + k] for t in (r["chosen"], r["rejected"])]
            groups.append((hh[i]["prompt"], pool[:k]))
    return groups


def model_folder(out: Path) -> Path:
    """The MiniLM backbone with a fresh scalar head, saved as a Rankwise model folder (the
    speed does not depend on what the head learned)."""
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(default_backbone(), num_labels=1)
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(default_backbone()).save_pretrained(out)
    meta = {"config": TrainConfig().to_dict(), "reward_mean": 0.0, "reward_std": 1.0}
    (out / METADATA).write_text(json.dumps(meta))
    return out


def plain_loop(folder: Path, groups: Groups, batch: int, device: str, bf16: bool) -> float:
    """What a script without Rankwise does: tokenizer(prompt + completion) with padding,
    `batch` sequences per forward pass in the order they come, logits[:, 0]."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).to(device).eval()
    texts = [p + c for p, cs in groups for c in cs]
    max_length = TrainConfig().max_length
    started = time.perf_counter()
    with torch.inference_mode(), torch.autocast(device, torch.bfloat16, enabled=bf16):
        for start in range(0, len(texts), batch):
            inputs = tokenizer(
                texts[start : start + batch],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            ).to(device)
            model(**inputs).logits[:, 0].float().cpu()
    return time.perf_counter() - started


def _scorer(folder: Path, args: argparse.Namespace) -> RewardScorer:
    """As the scoring service builds it: no token cache kept between requests."""
    return RewardScorer(
        folder, args.device, token_budget=args.tokens, precision="auto", remember_tokens=False
    )


def rankwise(scorer: RewardScorer, groups: Groups) -> float:
    started = time.perf_counter()
    scorer.score_groups(groups)
    if scorer.device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started


def throughput(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    groups = rl_batch(args.prompts, args.k)
    n = sum(len(c) for _, c in groups)
    device = torch.device(args.device)
    bf16 = use_bf16(device, "auto")
    scorer = _scorer(folder, args)
    rankwise(scorer, rl_batch(4, args.k, offset=args.prompts))  # warm-up, other texts
    results: dict[str, Any] = {"sequences": n, "engine_bf16": bf16}
    sides = {
        "rankwise": lambda: rankwise(scorer, rl_batch(args.prompts, args.k)),  # cold token cache
        "plain_fp32": lambda: plain_loop(folder, groups, args.batch, args.device, bf16=False),
    }
    if bf16:  # the plain loop with the engine's precision too, so precision is not the gap
        sides["plain_bf16"] = lambda: plain_loop(folder, groups, args.batch, args.device, True)
    for name, run in sides.items():
        seconds = min(_fresh(run) for _ in range(args.repeats))
        results[name] = {"seconds": round(seconds, 3), "rewards_per_s": round(n / seconds, 1)}
        print(f"{name:>11}: {n / seconds:8.1f} rewards/s ({seconds:.2f} s for {n})", flush=True)
    for name in [s for s in sides if s != "rankwise"]:
        ratio = results["rankwise"]["rewards_per_s"] / results[name]["rewards_per_s"]
        results[f"speedup_vs_{name}"] = round(ratio, 2)
        print(f"rankwise / {name}: {ratio:.2f}x")
    return results


def _fresh(run: Any) -> float:
    from training.engine import tokenize

    tokenize._MEMORY.clear()  # every repeat tokenizes again, as new rollouts do
    return float(run())


def latency(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """``callers`` threads each send ``requests`` requests of one prompt and ``k``
    completions, back to back, through a batcher (and, for comparison, one at a time
    through a lock, as scoring ran before the batcher)."""
    scorer = _scorer(folder, args)
    groups = rl_batch(args.callers * args.requests, args.k)
    results: dict[str, Any] = {}
    batcher = DynamicBatcher(scorer, max_batch_tokens=args.tokens, max_wait_ms=args.wait_ms)
    lock = threading.Lock()

    def batched(group: tuple[str, list[str]]) -> None:
        batcher.score([group])

    def serial(group: tuple[str, list[str]]) -> None:
        with lock:
            scorer.score_groups([group])

    batcher.score(rl_batch(2, args.k, offset=len(groups)))  # warm-up
    for name, call in (("batched", batched), ("one_at_a_time", serial)):
        times, wall = _callers(call, groups, args.callers)
        times.sort()
        figures = {
            "p50_ms": round(1000 * statistics.median(times), 1),
            "p99_ms": round(1000 * times[min(len(times) - 1, int(0.99 * len(times)))], 1),
            "requests_per_s": round(len(times) / wall, 2),
            "rewards_per_s": round(len(times) * args.k / wall, 1),
        }
        if name == "batched":
            figures["mean_requests_per_pass"] = round(
                batcher.stats.requests / max(batcher.stats.batches, 1), 1
            )
        results[name] = figures
        print(f"{name:>13}: {figures}", flush=True)
    batcher.close(wait=True)
    return results


def _callers(call: Any, groups: Groups, callers: int) -> tuple[list[float], float]:
    from training.engine import tokenize

    tokenize._MEMORY.clear()
    times: list[float] = []
    start = threading.Barrier(callers)

    def caller(index: int) -> None:
        start.wait()
        for group in groups[index::callers]:
            began = time.perf_counter()
            call(group)
            times.append(time.perf_counter() - began)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(callers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=["throughput", "latency", "both"], default="both")
    parser.add_argument("--device", default="cpu", help="cpu, or cuda for the GPU variant")
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--k", type=int, default=8, help="completions per prompt")
    parser.add_argument("--batch", type=int, default=64, help="plain loop: sequences per pass")
    parser.add_argument("--tokens", type=int, default=16384, help="engine token budget")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--callers", type=int, default=32)
    parser.add_argument("--requests", type=int, default=4, help="per caller")
    parser.add_argument("--wait-ms", type=float, default=2.0)
    args = parser.parse_args()
    results: dict[str, Any] = {"args": vars(args), "torch_threads": torch.get_num_threads()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = model_folder(Path(tmp))
        if args.part in ("throughput", "both"):
            results["throughput"] = throughput(folder, args)
        if args.part in ("latency", "both"):
            results["latency"] = latency(folder, args)
    OUT.mkdir(exist_ok=True)
    (OUT / f"{args.device}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
