"""Merge benchmarks/training/out/*.json into out/results.json and print the README table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"


def _load() -> dict[str, dict[str, Any]]:
    runs = {}
    for path in sorted(OUT.glob("[abc]_*.json")):
        runs[path.stem] = json.loads(path.read_text())
    return runs


def _load_avg(run: dict[str, Any]) -> str:
    start, end = run["env_start"]["load_average"][0], run["env_end"]["load_average"][0]
    return f"{start:.1f} / {end:.1f}"


def _accuracy(run: dict[str, Any]) -> str:
    if "eval_engine_truncation" not in run:
        return "-"
    engine = run["eval_engine_truncation"]["accuracy"]
    right = run["eval_right_truncation_accuracy"]
    return f"{engine:.3f} / {right:.3f}"


def _per_cpu(run: dict[str, Any]) -> str:
    return f"{run['pairs_per_cpu_s']:.2f}" if "pairs_per_cpu_s" in run else "-"


def _row(name: str, run: dict[str, Any]) -> str:
    return (
        f"| {name} | {run['pairs_given']} | {run['pairs_trained']} | {run['pairs_dropped']} "
        f"| {run['seconds_per_epoch']:.1f} | {run['pairs_per_s']:.2f} | {_per_cpu(run)} "
        f"| {_accuracy(run)} "
        f"| {_load_avg(run)} |"
    )


def _sweep(runs: dict[str, dict[str, Any]]) -> list[str]:
    """Tagged (a) engine runs (`--tag`): the settings tried against the default."""
    lines = [
        "| (a) engine run | lr | epochs | overrides | s / epoch | held-out acc. | log-loss |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    for name, run in runs.items():
        settings = run["settings"]
        ev = run.get("eval_prompt_cap") or run["eval_engine_truncation"]  # the run's own view
        overrides = ", ".join(f"{k}={v}" for k, v in settings.get("engine_overrides", {}).items())
        lines.append(
            f"| {name.removeprefix('a_rankwise_')} | {settings['lr']:g} | {settings['epochs']:g} "
            f"| {overrides or '-'} | {run['seconds_per_epoch']:.1f} | {ev['accuracy']:.3f} "
            f"| {ev['log_loss']:.3f} |"
        )
    return lines


def _seeds(runs: dict[str, dict[str, Any]]) -> list[str]:
    """(a) at default settings under several seeds, both sides: the untagged pair of runs
    and every pair tagged `seed<N>` (`--seed N --tag seedN` on both sides)."""
    pairs = [(runs.get("a_trl"), runs.get("a_rankwise"))]
    for name in runs:
        if name.startswith("a_trl_seed"):
            pairs.append((runs[name], runs.get(name.replace("a_trl_", "a_rankwise_"))))
    rows = [
        (
            trl["settings"]["seed"],
            trl,
            ours,
            *(r["eval_engine_truncation"]["accuracy"] for r in (trl, ours)),
        )
        for trl, ours in pairs
        if trl and ours
    ]
    if len(rows) < 2:
        return []
    lines = [
        "| seed | TRL held-out acc. | engine held-out acc. | engine - TRL (points) "
        "| TRL pairs / s | engine pairs / s | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for seed, trl, ours, a, b in rows:
        lines.append(
            f"| {seed} | {a:.3f} | {b:.3f} | {100 * (b - a):+.1f} | {trl['pairs_per_s']:.2f} "
            f"| {ours['pairs_per_s']:.2f} | {ours['pairs_per_s'] / trl['pairs_per_s']:.2f}x |"
        )
    n = len(rows)
    trl_acc, our_acc = sum(r[3] for r in rows) / n, sum(r[4] for r in rows) / n
    ratio = sum(r[2]["pairs_per_s"] / r[1]["pairs_per_s"] for r in rows) / n
    lines.append(
        f"| mean of {n} | {trl_acc:.3f} | {our_acc:.3f} | **{100 * (our_acc - trl_acc):+.1f}** "
        f"| | | **{ratio:.2f}x** |"
    )
    return lines


def table(runs: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| run | pairs given | pairs trained | dropped | s / epoch | pairs / s "
        "| pairs / CPU s | held-out acc. (engine trunc. / right trunc.) | load avg start / end |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for part in ("a", "b"):
        for side in ("trl", "rankwise"):
            run = runs.get(f"{part}_{side}")
            if run:
                lines.append(_row(f"({part}) {side}", run))
        trl, ours = runs.get(f"{part}_trl"), runs.get(f"{part}_rankwise")
        if trl and ours:
            ratio = ours["pairs_per_s"] / trl["pairs_per_s"]
            cpu = "-"
            if "pairs_per_cpu_s" in trl and "pairs_per_cpu_s" in ours:
                cpu = f"**{ours['pairs_per_cpu_s'] / trl['pairs_per_cpu_s']:.2f}x**"
            lines.append(f"| ({part}) rankwise / trl | | | | | **{ratio:.2f}x** | {cpu} | | |")
    seeds = _seeds(runs)
    if seeds:
        lines += ["", *seeds]
    sweep = {
        name: run
        for name, run in runs.items()
        if name.startswith("a_rankwise_") and not name.startswith("a_rankwise_seed")
    }
    if sweep:
        lines += ["", *_sweep(sweep)]
    c = runs.get("c_rankwise")
    if c:
        lines.append("")
        lines.append(
            f"(c) head-only: {c['pairs']} pairs ({c['records']} records); first run with "
            f"feature caching {c['first_run_seconds_with_feature_caching']:.1f} s; retrain "
            f"with cached features {c['retrain_seconds_cached']:.1f} s end to end "
            f"({c['retrain_head_train_seconds']:.1f} s in the head's training loop); "
            f"load average {_load_avg(c)}."
        )
    return "\n".join(lines)


def main() -> None:
    runs = _load()
    (OUT / "results.json").write_text(json.dumps(runs, indent=2))
    print(table(runs))


if __name__ == "__main__":
    main()
