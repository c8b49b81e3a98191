"""Simulated annotators against a running Rankwise: each loops next → pause → submit → pause.

    .venv/bin/python benchmarks/annotation_load/loadgen.py --pause 1.0 --duration 60 \
        [--annotators 200] [--url http://127.0.0.1:8000] [--label paused]

Reads the project id and tokens from ``out/setup.json`` (written by setup.py). Writes
``out/<label>.json`` (throughput, latency percentiles per endpoint, status and error
counts) and ``out/<label>-accepted.csv``: every (client_request_id, prompt_id, user_id) that
got a 201, for check_invariants.py; ``out/<label>-requests.csv``: each request's start
(seconds into the run) and latency, to see whether slow requests cluster in time.

HTTP/1.1 is spoken over raw asyncio streams with one keep-alive connection per annotator, as
a browser tab would hold: the generator shares two cores with gunicorn and PostgreSQL, so it
must cost as little CPU as possible. An annotator that holds an item when the time is up
still submits it; no new item is asked for after that.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import resource
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

OUT = Path(__file__).resolve().parent / "out"
REQUEST_TIMEOUT_S = 30.0
HZ = os.sysconf("SC_CLK_TCK")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pause", type=float, default=1.0, help="Seconds between requests.")
    parser.add_argument("--duration", type=float, default=60.0, help="Seconds to ask for items.")
    parser.add_argument("--annotators", type=int, default=200)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--label", default=None, help="Output name (default: pause-<pause>).")
    parser.add_argument("--setup", type=Path, default=OUT / "setup.json")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--gunicorn-pid",
        type=int,
        help="Also report the CPU a request of this process tree (gunicorn) and of PostgreSQL.",
    )
    parser.add_argument("--database-url", help="Whose PostgreSQL backends to count (with the pid).")
    return parser.parse_args()


class ServerClosed(Exception):
    """The server closed a kept-alive connection before answering."""


class Connection:
    """One HTTP/1.1 keep-alive connection; just enough of the protocol for this API."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reconnects = 0

    async def request(self, path: str, headers: bytes, body: bytes) -> tuple[int, bytes]:
        """POST; one silent retry when a kept-alive connection turns out closed (the API's
        next and submit are both safe to repeat: a live lease, a client_request_id)."""
        reused = self.writer is not None
        try:
            return await self._exchange(path, headers, body)
        except (ServerClosed, ConnectionResetError, BrokenPipeError):
            self.close()
            if not reused:
                raise
            self.reconnects += 1
            return await self._exchange(path, headers, body)

    async def _exchange(self, path: str, headers: bytes, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            b"POST %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n%s"
            % (path.encode(), headers, len(body), body)
        )
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as error:
            if not error.partial:
                raise ServerClosed() from error
            raise
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip().lower()
        payload = await self._body(status, fields)
        if fields.get("connection") == "close":
            self.close()
        return status, payload

    async def _body(self, status: int, fields: dict[str, str]) -> bytes:
        assert self.reader is not None
        if status in (204, 304):
            return b""
        if "content-length" in fields:
            return await self.reader.readexactly(int(fields["content-length"]))
        if fields.get("transfer-encoding") == "chunked":
            chunks = []
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
            await self.reader.readuntil(b"\r\n")
            return b"".join(chunks)
        fields["connection"] = "close"
        return await self.reader.read()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Endpoint:
    latencies_ms: list[float] = field(default_factory=list)
    started_s: list[float] = field(default_factory=list)  # monotonic start of each request
    statuses: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)

    def record(
        self, status: int | str, started_s: float, latency_ms: float, body: bytes = b""
    ) -> None:
        self.latencies_ms.append(latency_ms)
        self.started_s.append(started_s)
        self.statuses[str(status)] += 1
        if status not in (200, 201, 204) and str(status) not in self.samples:
            self.samples[str(status)] = body[:300].decode("utf-8", "replace")

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms)
        return {
            "count": len(ordered),
            "statuses": dict(self.statuses),
            **{f"p{q}_ms": _percentile(ordered, q) for q in (50, 95, 99)},
            "max_ms": round(ordered[-1], 1) if ordered else None,
            "mean_ms": round(sum(ordered) / len(ordered), 1) if ordered else None,
            "error_samples": self.samples,
        }


def _percentile(ordered: list[float], q: float) -> float | None:
    """Nearest-rank percentile."""
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * q // 100))
    return round(ordered[int(rank) - 1], 1)


@dataclass
class Run:
    project_id: int
    pause: float
    deadline: float
    next: Endpoint = field(default_factory=Endpoint)
    submit: Endpoint = field(default_factory=Endpoint)
    accepted: list[tuple[str, int, int]] = field(default_factory=list)
    reconnects: int = 0
    exhausted: int = 0


def _tiers(ids: list[int], rng: random.Random) -> list[list[int]]:
    """A random ranking of ``ids``, with a tie now and then."""
    order = rng.sample(ids, len(ids))
    tiers = [[order[0]]]
    for completion_id in order[1:]:
        if rng.random() < 0.15:
            tiers[-1].append(completion_id)
        else:
            tiers.append([completion_id])
    return tiers


async def _timed(
    conn: Connection, endpoint: Endpoint, path: str, headers: bytes, body: bytes
) -> tuple[int, bytes] | None:
    started = time.monotonic()
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT_S):
            status, payload = await conn.request(path, headers, body)
    except (OSError, asyncio.IncompleteReadError, ServerClosed, TimeoutError) as error:
        conn.close()
        endpoint.record(type(error).__name__, started, (time.monotonic() - started) * 1000)
        return None
    endpoint.record(status, started, (time.monotonic() - started) * 1000, payload)
    return status, payload


async def _annotator(run: Run, conn: Connection, user_id: int, token: str, seed: int) -> None:
    rng = random.Random(seed)
    headers = (
        f"Host: {conn.host}:{conn.port}\r\nAuthorization: Token {token}\r\n"
        "Content-Type: application/json\r\nAccept: application/json\r\n"
    ).encode()
    next_path = f"/api/v1/projects/{run.project_id}/next/"
    submit_path = f"/api/v1/projects/{run.project_id}/rankings/"
    # Annotators do not all start in the same millisecond.
    await asyncio.sleep(rng.uniform(0, 2 * run.pause))
    while time.monotonic() < run.deadline:
        answer = await _timed(conn, run.next, next_path, headers, b"")
        if answer is None or answer[0] != 200:
            if answer is not None and answer[0] == 204:
                run.exhausted += 1
                return
            await asyncio.sleep(max(run.pause, 0.2))  # back off after an error
            continue
        item = json.loads(answer[1])
        await asyncio.sleep(run.pause)
        shown = [c["id"] for c in item["completions"]]
        request_id = str(uuid.uuid4())
        body = json.dumps(
            {
                "prompt_id": item["prompt"]["id"],
                "tiers": _tiers(shown, rng),
                "display_order": shown,
                "time_spent_ms": int(run.pause * 1000) or rng.randint(500, 5000),
                "client_request_id": request_id,
            }
        ).encode()
        answer = await _timed(conn, run.submit, submit_path, headers, body)
        if answer is not None and answer[0] == 201:
            run.accepted.append((request_id, item["prompt"]["id"], user_id))
        await asyncio.sleep(run.pause)
    conn.close()


def _jiffies(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone since it was listed
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process under it (run.sh's pid is the ``timeout`` above gunicorn)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            todo.extend(int(child) for child in task.read_text().split())
    return found


def _server_cpu(gunicorn_pid: int | None, database_url: str | None) -> dict[str, int]:
    """CPU jiffies so far of gunicorn (master and workers) and of the database's backends."""
    if gunicorn_pid is None:
        return {}
    usage = {"gunicorn": _jiffies(_descendants(gunicorn_pid))}
    if database_url:
        import psycopg

        with psycopg.connect(database_url) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        usage["postgres"] = _jiffies([row[0] for row in rows])
    return usage


def _cpu_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    setup = json.loads(args.setup.read_text())
    annotators = setup["annotators"][: args.annotators]
    if len(annotators) < args.annotators:
        raise SystemExit(f"setup.json has only {len(annotators)} annotators")
    url = urlsplit(args.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    started = time.monotonic()
    run = Run(setup["project_id"], args.pause, started + args.duration)
    conns = [Connection(host, port) for _ in annotators]
    server_before = _server_cpu(args.gunicorn_pid, args.database_url)
    cpu_before, usage_before = _cpu_busy(), resource.getrusage(resource.RUSAGE_SELF)
    tasks = [
        _annotator(run, conn, a["user_id"], a["token"], args.seed * 100_000 + n)
        for n, (conn, a) in enumerate(zip(conns, annotators, strict=True))
    ]
    # Bounded: every request has its own timeout, and the whole run has this one.
    async with asyncio.timeout(args.duration + 3 * args.pause + 2 * REQUEST_TIMEOUT_S):
        await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    cpu_after, usage_after = _cpu_busy(), resource.getrusage(resource.RUSAGE_SELF)
    server_after = _server_cpu(args.gunicorn_pid, args.database_url)
    run.reconnects = sum(c.reconnects for c in conns)
    requests = len(run.next.latencies_ms) + len(run.submit.latencies_ms)
    loadgen_cpu = (usage_after.ru_utime + usage_after.ru_stime) - (
        usage_before.ru_utime + usage_before.ru_stime
    )
    return {
        "label": args.label,
        "pause_s": args.pause,
        "duration_s": args.duration,
        "annotators": args.annotators,
        "elapsed_s": round(elapsed, 2),
        "rankings_created": len(run.accepted),
        "rankings_per_s": round(len(run.accepted) / elapsed, 1),
        "requests": requests,
        "requests_per_s": round(requests / elapsed, 1),
        "next": run.next.summary(),
        "submit": run.submit.summary(),
        "kept_alive_reconnects": run.reconnects,
        "annotators_out_of_items": run.exhausted,
        "loadgen_cpu_s": round(loadgen_cpu, 2),
        # PostgreSQL backends opened during the run are missed: run a warm-up first.
        "server_cpu_ms_per_request": {
            name: round(1000 * (after - server_before[name]) / HZ / max(1, requests), 1)
            for name, after in server_after.items()
        },
        "machine_cpu_busy_pct": round(
            100 * (cpu_after[0] - cpu_before[0]) / max(1, cpu_after[1] - cpu_before[1]), 1
        ),
        "accepted": run.accepted,
        "timeline": [
            (name, round(at - started, 4), round(ms, 2))
            for name, endpoint in (("next", run.next), ("submit", run.submit))
            for at, ms in zip(endpoint.started_s, endpoint.latencies_ms, strict=True)
        ],
    }


def _print(result: dict[str, Any]) -> None:
    print(
        f"{result['label']}: {result['annotators']} annotators, pause {result['pause_s']} s, "
        f"{result['elapsed_s']} s: {result['rankings_per_s']} rankings/s, "
        f"{result['requests_per_s']} requests/s (loadgen CPU {result['loadgen_cpu_s']} s, "
        f"machine CPU busy {result['machine_cpu_busy_pct']} %)"
    )
    if result["server_cpu_ms_per_request"]:
        print(f"  server CPU per request (ms): {result['server_cpu_ms_per_request']}")
    for name in ("next", "submit"):
        s = result[name]
        print(
            f"  {name:6} n={s['count']:6}  p50 {s['p50_ms']} ms  p95 {s['p95_ms']} ms  "
            f"p99 {s['p99_ms']} ms  max {s['max_ms']} ms  statuses {s['statuses']}"
        )
        for status, sample in s["error_samples"].items():
            print(f"    {status}: {sample}")


def main() -> None:
    args = _arguments()
    args.label = args.label or f"pause-{args.pause:g}"
    result = asyncio.run(_main(args))
    accepted = result.pop("accepted")
    timeline = sorted(result.pop("timeline"), key=lambda row: row[1])
    OUT.mkdir(exist_ok=True)
    # Every request's start (s into the run) and latency: shows whether slow ones cluster.
    with (OUT / f"{args.label}-requests.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["endpoint", "started_s", "latency_ms"])
        writer.writerows(timeline)
    with (OUT / f"{args.label}-accepted.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["client_request_id", "prompt_id", "user_id"])
        writer.writerows(accepted)
    (OUT / f"{args.label}.json").write_text(json.dumps(result, indent=1))
    _print(result)


if __name__ == "__main__":
    main()
