"""TRL RewardTrainer vs the Rankwise engine, same backbone, data, max length and budget.

    .venv/bin/python benchmarks/training/bench.py --part a --side trl
    .venv/bin/python benchmarks/training/bench.py --part a --side rankwise
    .venv/bin/python benchmarks/training/bench.py --part b --side trl|rankwise
    .venv/bin/python benchmarks/training/bench.py --part c --side rankwise
    .venv/bin/python benchmarks/training/report.py      # merges out/*.json into the table

Each run writes benchmarks/training/out/<part>_<side>.json (git-ignored).
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
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from training.engine import TrainConfig, train  # noqa: E402
from training.engine.batching import encode_groups  # noqa: E402
from training.engine.config import default_backbone  # noqa: E402
from training.engine.data import load  # noqa: E402
from training.engine.evaluate import (  # noqa: E402
    cpu_bf16_pays,
    group_rewards,
    pair_metrics,
    score_sequences,
    use_bf16,
)
from training.engine.model import RewardModel, disable_dropout  # noqa: E402

SHARED = Path(os.environ.get("RANKWISE_SHARED_DATA", ROOT.parent / "shared" / "data"))
OUT = Path(__file__).resolve().parent / "out"
MAX_LENGTH = 256
BATCH_PAIRS = 16  # TRL: 16 pairs = 32 sequences of at most 256 tokens ...
TOKEN_BUDGET = 2 * BATCH_PAIRS * MAX_LENGTH  # ... so the engine gets the same 8,192 tokens
# Rule for part (b): a fixed ranking of the four AlpacaEval models (no human labels exist).
MODEL_ORDER = ["gpt4_1106_preview", "claude-2", "vicuna-7b", "falcon-7b-instruct"]


def _read(name: str) -> list[dict[str, Any]]:
    with gzip.open(SHARED / name, "rt") as fh:
        return [json.loads(line) for line in fh]


def hh_split() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows = _read("hh_rlhf_harmless_pairs.jsonl.gz")
    return rows[:1308], rows[-500:]


def alpaca_rankings(prompts: int, rule: str = "model") -> list[dict[str, Any]]:
    rows = _read("alpaca_eval_k4.jsonl.gz")[:prompts]
    out = []
    for row in rows:
        texts = [c["text"] for c in row["completions"]]
        if rule == "model":
            order = sorted(
                range(4), key=lambda i: MODEL_ORDER.index(row["completions"][i]["model"])
            )
        else:  # "length": longest first, a second deterministic "rater"
            order = sorted(range(4), key=lambda i: -len(texts[i]))
        out.append({"prompt": row["prompt"], "completions": texts, "ranking": [[i] for i in order]})
    return out


def expand(rankings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same rankings as TRL pairs: every C(4,2) pair, one row each."""
    pairs = []
    for r in rankings:
        order = [tier[0] for tier in r["ranking"]]
        for a in range(len(order)):
            for b in range(a + 1, len(order)):
                c = r["completions"]
                pairs.append(
                    {"prompt": r["prompt"], "chosen": c[order[a]], "rejected": c[order[b]]}
                )
    return pairs


def environment() -> dict[str, Any]:
    return {
        "load_average": list(os.getloadavg()),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "avx512_bf16": bool(torch.cpu._is_avx512_bf16_supported()),
        "bf16_pays": cpu_bf16_pays(),
    }


def rankwise_config(args: argparse.Namespace) -> TrainConfig:
    values: dict[str, Any] = {
        "epochs": args.epochs,
        "learning_rate": args.lr,
        "max_length": MAX_LENGTH,
        "token_budget": TOKEN_BUDGET,
        "seed": args.seed,
        "precision": args.precision,
        "log_every": 10,
    }
    return TrainConfig.from_dict(values | dict(args.set))


def engine_setting(item: str) -> tuple[str, Any]:
    """`--set key=value` for the engine side, the value as JSON (else a string)."""
    key, equals, value = item.partition("=")
    if not equals or not key:
        raise argparse.ArgumentTypeError(f"{item!r}: expected KEY=VALUE, e.g. dropout=0.1")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def engine_accuracy(
    model: Any, tokenizer: Any, eval_rows: list[dict[str, Any]], max_prompt_tokens: int = 0
) -> dict[str, Any]:
    """Any model's accuracy with the engine's truncation (long pairs kept)."""
    disable_dropout(model)
    rm = RewardModel(model).eval()
    groups = load(eval_rows).groups
    encoded, _ = encode_groups(
        groups, tokenizer, MAX_LENGTH, 64, max_prompt_tokens=max_prompt_tokens
    )
    sequences = [s for e in encoded for s in e.sequences]
    flat = score_sequences(rm, sequences, tokenizer.pad_token_id, torch.device("cpu"), 8192)
    return pair_metrics(encoded, group_rewards(encoded, flat))


def right_truncation_accuracy(model: Any, tokenizer: Any, rows: list[dict[str, Any]]) -> float:
    """TRL-style input (prompt + completion, cut at the right) for the TRL model's own view."""
    model.eval()
    correct = 0
    with torch.inference_mode():
        for start in range(0, len(rows), 16):
            chunk = rows[start : start + 16]
            texts = [r["prompt"] + r[k] for k in ("chosen", "rejected") for r in chunk]
            batch = tokenizer(
                texts, padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt"
            )
            scores = model(**batch).logits.squeeze(-1)
            chosen, rejected = scores[: len(chunk)], scores[len(chunk) :]
            correct += int((chosen > rejected).sum())
    return correct / len(rows)


def run_trl(train_rows: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    from datasets import Dataset
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from trl import RewardConfig, RewardTrainer

    backbone = default_backbone()
    tokenizer = AutoTokenizer.from_pretrained(backbone)
    if tokenizer.eos_token is None:  # TRL appends EOS to every text; BERT has [SEP] for it
        tokenizer.eos_token = tokenizer.sep_token
    torch.manual_seed(args.seed)
    model = AutoModelForSequenceClassification.from_pretrained(backbone, num_labels=1)
    config = RewardConfig(
        output_dir=tempfile.mkdtemp(),
        per_device_train_batch_size=BATCH_PAIRS,
        learning_rate=args.lr,
        num_train_epochs=args.epochs,
        max_length=MAX_LENGTH,
        gradient_checkpointing=False,  # as the engine; TRL's default (True) is ~1.6x slower
        bf16=use_bf16(torch.device("cpu"), args.precision),  # the engine's choice, both sides
        lr_scheduler_type="cosine",
        warmup_steps=0.1,  # a ratio in transformers 5
        max_grad_norm=1.0,
        logging_steps=10,
        save_strategy="no",
        report_to=[],
        seed=args.seed,
        use_cpu=True,
    )
    data = Dataset.from_list(
        [{k: r[k] for k in ("prompt", "chosen", "rejected")} for r in train_rows]
    )
    started = time.perf_counter()
    trainer = RewardTrainer(
        model=model, args=config, train_dataset=data, processing_class=tokenizer
    )
    prepared = time.perf_counter() - started
    kept = len(trainer.train_dataset)
    started, cpu = time.perf_counter(), time.process_time()
    trainer.train()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    model = trainer.model.to("cpu").float()
    trainer.save_model(str(OUT / f"model_{args.part}_trl"))  # to score it again later
    return {
        "pairs_given": len(train_rows),
        "pairs_trained": kept,
        "pairs_dropped": len(train_rows) - kept,
        "prepare_seconds": round(prepared, 2),
        "train_seconds": round(seconds, 2),
        "seconds_per_epoch": round(seconds / args.epochs, 2),
        "pairs_per_s": round(kept * args.epochs / seconds, 3),
        # CPU seconds of this process: less sensitive than wall time to other users' load
        "cpu_seconds_training": round(cpu, 2),
        "pairs_per_cpu_s": round(kept * args.epochs / cpu, 3),
        "model": model,
        "tokenizer": tokenizer,
    }


def run_rankwise(
    train_rows: list[dict[str, Any]], args: argparse.Namespace, out: Path
) -> dict[str, Any]:
    events: list[dict[str, Any]] = []
    started, cpu = time.perf_counter(), time.process_time()
    result = train(
        rankwise_config(args), train_rows, out_dir=out, resume=False, on_event=events.append
    )
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    pairs = result.counts["train"]["pairs"]
    return {
        "pairs_given": pairs,
        "pairs_trained": pairs,
        "pairs_dropped": 0,
        "pairs_truncated_kept": result.counts["train"]["pairs_with_truncation"],
        "call_seconds": round(total, 2),
        "train_seconds": result.train_seconds,
        "seconds_per_epoch": round(result.train_seconds / args.epochs, 2),
        "pairs_per_s": round(result.pairs_seen / result.train_seconds, 3),
        "steps": result.steps,
        # The whole train() call (also loading, tokenizing, final metrics, saving): this
        # overstates the engine's CPU time next to TRL's trainer.train() alone.
        "cpu_seconds_training": round(cpu, 2),
        "pairs_per_cpu_s": round(result.pairs_seen / cpu, 3),
        "model": AutoModelForSequenceClassification.from_pretrained(out),
        "tokenizer": AutoTokenizer.from_pretrained(out),
        "log": [e["message"] for e in events if e["event"] == "log"],
    }


def part_ab(args: argparse.Namespace) -> dict[str, Any]:
    if args.part == "a":
        train_rows, eval_rows = hh_split()
        trl_rows, engine_rows = train_rows, train_rows
    else:
        engine_rows = alpaca_rankings(args.prompts)
        trl_rows, eval_rows = expand(engine_rows), []
    env = environment()
    if args.side == "trl":
        result = run_trl(trl_rows, args)
    else:
        result = run_rankwise(engine_rows, args, OUT / f"model_{args.part}")
    model, tokenizer = result.pop("model"), result.pop("tokenizer")
    if eval_rows:
        # Every model is scored with the engine's default truncation, and, when the engine
        # run caps prompts, with that cap too: TRL's model is compared on its best view.
        result["eval_engine_truncation"] = engine_accuracy(model, tokenizer, eval_rows)
        cap = rankwise_config(args).max_prompt_tokens
        if cap:
            result["eval_prompt_cap"] = {
                "max_prompt_tokens": cap,
                **engine_accuracy(model, tokenizer, eval_rows, cap),
            }
        result["eval_right_truncation_accuracy"] = right_truncation_accuracy(
            model, tokenizer, eval_rows
        )
    settings = {
        "epochs": args.epochs,
        "lr": args.lr,
        "max_length": MAX_LENGTH,
        "batch_pairs_trl": BATCH_PAIRS,
        "token_budget": TOKEN_BUDGET,
        "seed": args.seed,
        "precision": args.precision,
        "bf16": use_bf16(torch.device("cpu"), args.precision),
    }
    if args.side == "rankwise":
        settings["engine_overrides"] = dict(args.set)
    if args.part == "b":
        settings["prompts"] = args.prompts
    return {
        "part": args.part,
        "side": args.side,
        "settings": settings,
        "env_start": env,
        "env_end": environment(),
        **result,
    }


def part_c(args: argparse.Namespace) -> dict[str, Any]:
    """Head-only retrain on 10,000+ pairs once features are cached (cache built first)."""
    from training.engine import head_mode, tokenize

    hh = _read("hh_rlhf_harmless_pairs.jsonl.gz")
    # Two deterministic "raters" over AlpacaEval: overlapping rankings of the same prompts.
    records = hh + alpaca_rankings(805, "model") + alpaca_rankings(805, "length")
    cache = OUT / "cache"
    config = TrainConfig(
        mode="head",
        max_length=MAX_LENGTH,
        token_budget=TOKEN_BUDGET,
        cache_dir=str(cache),
        learning_rate=1e-4,
        head_epochs=args.head_epochs,
    )
    env = environment()
    started = time.perf_counter()
    first = train(config, records, out_dir=OUT / "model_c", resume=False)
    cold = time.perf_counter() - started
    # A retrain with new labels in a fresh state: only the on-disk caches help.
    tokenize._MEMORY.clear()
    head_mode._MEMORY.clear()
    relabeled = hh + alpaca_rankings(805, "length") + alpaca_rankings(805, "model")[::-1]
    started = time.perf_counter()
    second = train(config, relabeled, out_dir=OUT / "model_c", resume=False)
    warm = time.perf_counter() - started
    return {
        "part": "c",
        "side": "rankwise",
        "pairs": second.counts["train"]["pairs"],
        "records": second.counts["records"],
        "head_epochs": args.head_epochs,
        "first_run_seconds_with_feature_caching": round(cold, 2),
        "retrain_seconds_cached": round(warm, 2),
        "retrain_head_train_seconds": second.train_seconds,
        "first_metrics_train_sample": {k: first.metrics.get(k) for k in ("accuracy", "log_loss")},
        "env_start": env,
        "env_end": environment(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=["a", "b", "c"], required=True)
    parser.add_argument("--side", choices=["trl", "rankwise"], default="rankwise")
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--lr", type=float, default=1e-4)  # the engine's and TRL's default
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--precision",
        choices=["auto", "bf16", "fp32"],
        default="auto",
        help="both sides; auto: the engine's rule (bf16 on GPUs and where a CPU runs it faster)",
    )
    parser.add_argument("--prompts", type=int, default=300, help="part b: AlpacaEval prompts")
    parser.add_argument("--head-epochs", type=float, default=40.0)
    parser.add_argument("--tag", default="", help="suffix for the result file")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        type=engine_setting,
        help="engine config KEY=JSON (repeatable)",
    )
    args = parser.parse_args()
    try:
        rankwise_config(args)  # a bad --set fails here, before minutes of TRL training
    except ValueError as exc:  # ConfigError names the field
        parser.error(str(exc))
    OUT.mkdir(parents=True, exist_ok=True)
    result = part_c(args) if args.part == "c" else part_ab(args)
    name = f"{args.part}_{args.side}{'_' + args.tag if args.tag else ''}.json"
    (OUT / name).write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "log"}, indent=2))


if __name__ == "__main__":
    main()
