"""One code path for one device and for DDP under ``torchrun``.

A Celery worker that owns one GPU sets CUDA_VISIBLE_DEVICES (or ``device="cuda:N"``) and
runs single-process; ``torchrun --nproc-per-node N -m training.engine train ...`` sets
WORLD_SIZE/RANK/LOCAL_RANK and each rank takes every N-th batch of the same plan.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as torch_dist
from torch import nn


@dataclass
class Context:
    rank: int = 0
    world: int = 1
    device: torch.device | None = None  # None: single process, the config's device decides

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def launched_rank() -> int:
    """The rank torchrun gave this process (0 outside torchrun), before any setup."""
    return int(os.environ.get("RANK", "0"))


def setup(device: str) -> Context:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return Context()
    local = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() and device != "cpu"
    if not torch_dist.is_initialized():
        torch_dist.init_process_group("nccl" if use_cuda else "gloo")
    if use_cuda:
        torch.cuda.set_device(local)
    chosen = torch.device(f"cuda:{local}") if use_cuda else torch.device("cpu")
    return Context(torch_dist.get_rank(), world, chosen)


def wrap(model: nn.Module, ctx: Context) -> nn.Module:
    if ctx.world == 1:
        return model
    ids = [ctx.device] if ctx.device is not None and ctx.device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(model, device_ids=ids)


def shard(batches: list[list[int]], ctx: Context) -> list[tuple[list[int], float]]:
    """This rank's batches with a loss scale. Ranks must step together, so a rank short of
    a batch repeats its first one at scale 0 instead of any rank dropping data."""
    mine = [(b, 1.0) for b in batches[ctx.rank :: ctx.world]]
    steps = -(-len(batches) // ctx.world)
    while len(mine) < steps:
        mine.append((batches[0], 0.0))
    return mine


def sum_over_ranks(values: list[float], ctx: Context) -> list[float]:
    """Element-wise sums over the ranks; the values themselves in a single process."""
    if ctx.world == 1:
        return values
    total = torch.tensor(values, dtype=torch.float64, device=ctx.device)
    torch_dist.all_reduce(total, op=torch_dist.ReduceOp.SUM)
    return [float(v) for v in total.tolist()]


def any_rank(flag: bool, ctx: Context) -> bool:
    """True on every rank when it is true on one, so all ranks leave a loop together."""
    return sum_over_ranks([float(flag)], ctx)[0] > 0


def barrier(ctx: Context) -> None:
    if ctx.world > 1:
        torch_dist.barrier()


def close(ctx: Context) -> None:
    if ctx.world > 1 and torch_dist.is_initialized():
        barrier(ctx)
        torch_dist.destroy_process_group()
