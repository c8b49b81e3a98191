"""Second by second: requests, latency p50/p99/max, and the machine beside them (vmstat).

    .venv/bin/python benchmarks/annotation_load/timeline.py [--label paused]

Reads ``out/<label>-requests.csv`` (loadgen.py) and ``out/<label>-vmstat.log`` (run.sh).
A second whose latency spikes while the run queue (r), iowait (wa) or steal (st) spikes
too points at the machine; a spike on a quiet machine points at the code.
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def _latencies(label: str) -> dict[int, list[float]]:
    seconds: dict[int, list[float]] = defaultdict(list)
    with (OUT / f"{label}-requests.csv").open() as rows:
        for row in csv.DictReader(rows):
            seconds[int(float(row["started_s"]))].append(float(row["latency_ms"]))
    return seconds


def _vmstat(label: str) -> list[dict[str, str]]:
    """vmstat's samples, one a second, in order (the first is the average since boot)."""
    path = OUT / f"{label}-vmstat.log"
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    header = next((line.split() for line in lines if line.split()[:2] == ["r", "b"]), None)
    if header is None:
        return []
    samples = [dict(zip(header, line.split(), strict=False)) for line in lines]
    return [s for s in samples if s.get("r", "").isdigit()][1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="paused")
    args = parser.parse_args()
    seconds, machine = _latencies(args.label), _vmstat(args.label)
    print("  s     n   p50   p99   max  >50ms |  r  b  us  sy  id  wa  st")
    for second in sorted(seconds):
        ordered = sorted(seconds[second])
        n = len(ordered)
        p50, p99 = ordered[n // 2], ordered[max(0, -(-n * 99 // 100) - 1)]
        slow = sum(ms > 50 for ms in ordered)
        line = f"{second:3} {n:5} {p50:5.0f} {p99:5.0f} {ordered[-1]:5.0f} {slow:6} |"
        # The vmstat sample that covers this second (sampling starts a moment before the run).
        if second < len(machine):
            s = machine[second]
            line += "".join(
                f" {s.get(k, '?'):>3}" for k in ("r", "b", "us", "sy", "id", "wa", "st")
            )
        print(line)


if __name__ == "__main__":
    main()
