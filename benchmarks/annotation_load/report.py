"""Print the last load runs (``out/paused.json``, ``out/unpaused.json`` and their invariant
checks) as the Markdown table that README.md keeps under "Last results"."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"


def _row(label: str, run: dict[str, Any], check: dict[str, Any]) -> str:
    nxt, sub = run["next"], run["submit"]
    errors = sum(
        n for s in (nxt, sub) for code, n in s["statuses"].items() if code not in ("200", "201")
    )
    return (
        f"| {label} | {run['rankings_per_s']} | {run['requests_per_s']} "
        f"| {nxt['p50_ms']} / {nxt['p95_ms']} / {nxt['p99_ms']} / {nxt['max_ms']} "
        f"| {sub['p50_ms']} / {sub['p95_ms']} / {sub['p99_ms']} / {sub['max_ms']} "
        f"| {errors} | {check['over_assigned_items']} | {check['lost_rankings']} "
        f"| {'OK' if not check['violations'] else ', '.join(check['violations'])} "
        f"| {run['machine_cpu_busy_pct']} % |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="", help="How gunicorn ran, for the caption.")
    args = parser.parse_args()
    print(f"gunicorn: {args.server}\n" if args.server else "", end="")
    print(
        "| run | rankings/s | requests/s | next p50 / p95 / p99 / max (ms) "
        "| submit p50 / p95 / p99 / max (ms) | errors | over-assigned | lost | invariants "
        "| CPU busy |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label in ("paused", "unpaused"):
        run_file, check_file = OUT / f"{label}.json", OUT / f"{label}-invariants.json"
        if run_file.is_file() and check_file.is_file():
            run, check = json.loads(run_file.read_text()), json.loads(check_file.read_text())
            name = f"{label} ({run['pause_s']:g} s, {run['annotators']} annotators)"
            print(_row(name, run, check))


if __name__ == "__main__":
    main()
