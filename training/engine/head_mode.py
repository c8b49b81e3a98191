"""Mode "head": train only the scalar head on backbone features computed once and cached.

The frozen backbone's pooled features depend only on (backbone, token ids), so they are
cached by that key in memory and, with ``cache_dir``, on disk: a retrain on new labels
(new rankings of the same completions) costs only the head's few thousand parameters.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from training.engine import checkpoint
from training.engine.batching import Encoded
from training.engine.evaluate import pair_metrics, score_sequences, use_bf16
from training.engine.loss import listwise_loss
from training.engine.model import RewardModel
from training.engine.prepared import PreparedRun, TrainResult, schedule

_MEMORY: dict[str, dict[bytes, torch.Tensor]] = {}
GROUPS_PER_BATCH = 256


def backbone_key(backbone: str) -> str:
    """Identity of the frozen backbone: its files' names, sizes and times, or its hub name."""
    digest = hashlib.sha256(backbone.encode())
    path = Path(backbone)
    if path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.is_file():
                stat = file.stat()
                digest.update(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def cached_features(run: PreparedRun, encoded: list[Encoded]) -> torch.Tensor:
    """Pooled backbone features of every sequence in order, computing only unseen ones."""
    bf16 = use_bf16(run.device, run.config.precision)
    key = backbone_key(run.config.resolved_backbone()) + ("-bf16" if bf16 else "")
    cache = _MEMORY.setdefault(key, {})
    path = Path(run.config.cache_dir) / f"features-{key}.pt" if run.config.cache_dir else None
    if path is not None and path.exists() and not cache:
        cache.update(torch.load(path, weights_only=True))
    sequences = [s for e in encoded for s in e.sequences]
    keys = [hashlib.sha1(np.asarray(s, dtype=np.int64).tobytes()).digest() for s in sequences]
    todo = {k: s for k, s in zip(keys, sequences, strict=True) if k not in cache}
    if todo:
        started = time.perf_counter()
        pad = run.tokenizer.pad_token_id
        feats = score_sequences(
            run.rm,
            list(todo.values()),
            pad,
            run.device,
            run.config.token_budget,
            True,
            run.config.precision,
        )
        cache.update(zip(todo, feats.cpu(), strict=True))
        seconds = time.perf_counter() - started
        run.emit({"event": "log", "message": f"cached {len(todo)} features in {seconds:.1f} s"})
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            torch.save(cache, path.with_suffix(".tmp"))
            path.with_suffix(".tmp").replace(path)
    return torch.stack([cache[k] for k in keys]).to(run.device)


class _Pairs:
    """All pairs as flat row indices into the feature matrix, with their group."""

    def __init__(self, encoded: list[Encoded]) -> None:
        chosen, rejected, weight, margin, group = [], [], [], [], []
        offset = 0
        for g, item in enumerate(encoded):
            for p in item.group.pairs:
                chosen.append(offset + p.chosen)
                rejected.append(offset + p.rejected)
                weight.append(p.weight)
                margin.append(p.margin)
                group.append(g)
            offset += len(item.sequences)
        self.chosen = torch.tensor(chosen)
        self.rejected = torch.tensor(rejected)
        self.weight = torch.tensor(weight, dtype=torch.float32)
        self.margin = torch.tensor(margin, dtype=torch.float32)
        self.group = torch.tensor(group)
        self.records = torch.tensor([e.group.n_records for e in encoded])


def train_head(run: PreparedRun, out_dir: Path, should_stop: Callable[[], bool]) -> TrainResult:
    config, rm = run.config, run.rm
    features = cached_features(run, run.train)
    eval_features = cached_features(run, run.eval) if run.eval is not None else None
    pairs = _Pairs(run.train)
    n_groups = len(run.train)
    per_epoch = math.ceil(n_groups / GROUPS_PER_BATCH)
    total_steps = max(1, math.ceil(per_epoch * config.head_epochs))
    lr = config.head_learning_rate or config.learning_rate * 10
    optimizer = torch.optim.AdamW(rm.head_parameters(), lr=lr, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, schedule(total_steps, config.warmup_ratio)
    )
    step = 0
    started = time.perf_counter()
    best_loss, bad, best_step, best_state = math.inf, 0, None, None
    found = checkpoint.latest(out_dir)
    if found is not None:
        saved = checkpoint.load(found)
        rm.load_state_dict(saved["model"], strict=False)
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        step = saved["state"]["step"]
        best_loss = saved["state"].get("best_loss", math.inf)
        bad, best_step = saved["state"].get("bad_evals", 0), saved["state"].get("best_step")
        best_state = saved.get("best")
    run.emit({"event": "start", "step": step, "total_steps": total_steps})
    rm.train()
    status = "succeeded"
    while step < total_steps:
        epoch, position = divmod(step, per_epoch)
        order = list(range(n_groups))
        random.Random(config.seed * 1_000_003 + epoch).shuffle(order)
        chosen_groups = torch.tensor(order[position * GROUPS_PER_BATCH :][:GROUPS_PER_BATCH])
        in_batch = torch.isin(pairs.group, chosen_groups)
        rewards = _head_rewards(rm, features, pairs, in_batch)
        loss = listwise_loss(
            rewards,
            pairs.chosen[in_batch],
            pairs.rejected[in_batch],
            pairs.weight[in_batch],
            pairs.margin[in_batch] * config.margin_scale,
            int(pairs.records[chosen_groups].sum()),
            config.center_coef,
        )
        loss.backward()
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        if step % per_epoch == 0 and eval_features is not None and run.eval is not None:
            with torch.no_grad():
                flat = rm.head(eval_features).cpu().numpy().astype(np.float64)
            metrics = pair_metrics(run.eval, _split(run.eval, flat))
            if step % (per_epoch * config.log_every) == 0 or step >= total_steps:
                run.emit({"event": "eval", "step": step, **metrics})
            if metrics["log_loss"] < best_loss - 1e-4:
                best_loss, bad, best_step = metrics["log_loss"], 0, step
                best_state = {
                    n: p.detach().cpu().clone() for n, p in rm.named_parameters() if p.requires_grad
                }
            elif (
                config.early_stopping_patience
                and (bad := bad + 1) >= config.early_stopping_patience
            ):
                status = "early_stopped"
                break
        if should_stop():
            state = {"step": step, "best_loss": best_loss, "bad_evals": bad, "best_step": best_step}
            model_state = {n: p.detach().cpu() for n, p in rm.named_parameters() if p.requires_grad}
            payload = {
                "model": model_state,
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "state": state,
                "best": best_state,
            }
            checkpoint.save(out_dir, step, payload, config.keep_checkpoints)
            return TrainResult("cancelled", str(out_dir), step, total_steps)
    if best_state is not None:
        rm.load_state_dict(best_state, strict=False)  # the best evaluation's head
    seen = len(pairs.weight) * step // per_epoch
    seconds = round(time.perf_counter() - started, 3)
    return TrainResult(
        status,
        str(out_dir),
        step,
        total_steps,
        pairs_seen=seen,
        train_seconds=seconds,
        best_step=best_step,
        best_log_loss=best_loss if best_step is not None else None,
    )


def head_scores(run: PreparedRun, encoded: list[Encoded]) -> list[np.ndarray]:
    with torch.no_grad():
        flat = run.rm.head(cached_features(run, encoded)).cpu().numpy().astype(np.float64)
    return _split(encoded, flat)


def _head_rewards(
    rm: RewardModel, features: torch.Tensor, pairs: _Pairs, in_batch: torch.Tensor
) -> torch.Tensor:
    # Score every row once (a feature row is shared by all pairs that mention it).
    rows = torch.unique(torch.cat([pairs.chosen[in_batch], pairs.rejected[in_batch]]))
    rewards = torch.zeros(features.shape[0], device=features.device)
    rewards[rows] = rm.head(features[rows])
    return rewards


def _split(encoded: list[Encoded], flat: np.ndarray) -> list[np.ndarray]:
    out, at = [], 0
    for item in encoded:
        out.append(flat[at : at + len(item.sequences)])
        at += len(item.sequences)
    return out
