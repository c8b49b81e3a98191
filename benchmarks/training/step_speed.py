"""Training-step throughput of the engine on real (a) micro-batches, without TRL.

    .venv/bin/python benchmarks/training/step_speed.py [--precision fp32|bf16] [--profile]
        [--no-freeze-embeddings]

Takes the engine's own batch plan for the first 1,308 HH-RLHF pairs (8,192-token budget,
max length 256), runs one warm-up step, then times forward + backward + AdamW over the
next `--batches` micro-batches and prints padded tokens per second. `--profile` prints the
torch profiler's top operators instead. A minute per run: the quick way to measure a
change to the model's forward before the full benchmark.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch

from benchmarks.training.bench import MAX_LENGTH, TOKEN_BUDGET, hh_split
from training.engine import batching
from training.engine.config import TrainConfig, default_backbone
from training.engine.data import load as load_data
from training.engine.evaluate import autocast
from training.engine.loss import listwise_loss
from training.engine.model import load


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto")
    parser.add_argument("--batches", type=int, default=15)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--freeze-embeddings",
        action=argparse.BooleanOptionalAction,
        default=TrainConfig().freeze_embeddings,  # as the engine trains by default
    )
    args = parser.parse_args()
    rm, tokenizer = load(default_backbone(), seed=42)
    train_rows, _ = hh_split()
    encoded, _ = batching.encode_groups(load_data(train_rows).groups, tokenizer, MAX_LENGTH, 64)
    plan = batching.plan(encoded, TOKEN_BUDGET, seed=42, epoch=0)
    rm.set_trainable("full", top_layers=0, freeze_embeddings=args.freeze_embeddings)
    trainable = [p for p in rm.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-5, fused=True)
    device = torch.device("cpu")
    rm.train()

    def step(items: list[int]) -> int:
        batch = batching.collate([encoded[i] for i in items], tokenizer.pad_token_id)
        with autocast(device, args.precision):
            rewards = rm(batch.input_ids, batch.attention_mask).float()
        loss = listwise_loss(
            rewards, batch.chosen, batch.rejected, batch.weight, batch.margin, batch.n_records
        )
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return batch.input_ids.numel()

    step(plan[0])  # warm-up
    chosen = plan[1 : 1 + args.batches]
    if args.profile:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for items in chosen[:5]:
                step(items)
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
        return
    started = time.perf_counter()
    tokens = sum(step(items) for items in chosen)
    seconds = time.perf_counter() - started
    print(
        f"{len(chosen)} micro-batches, {tokens} padded tokens in {seconds:.1f} s: "
        f"{tokens / seconds:.0f} tokens/s (threads {torch.get_num_threads()})"
    )


if __name__ == "__main__":
    main()
