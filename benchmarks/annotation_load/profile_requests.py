"""Where one annotator's next → submit cycle spends its time, in-process, on the load database.

    .venv/bin/python benchmarks/annotation_load/profile_requests.py [--cycles 200] [--top 25]

Drives the real views through Django's test client (no HTTP server, no concurrency) as
an annotator of its own (``load-profiler``), and prints per endpoint: the mean wall time, the
SQL statements issued (counted and timed by ``CaptureQueriesContext``, grouped by shape),
and, with ``--top N``, the N heaviest functions under cProfile. Run it with the load database
idle; it leaves rankings behind as a load run does (setup.py resets them).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "out"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--top", type=int, default=0, help="Also print N cProfile rows.")
    return parser.parse_args()


def _django_setup() -> None:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rankwise_load")
    os.environ.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="annotation-load-test-dummy-secret-key-not-for-production-0123456789",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_LOG_LEVEL="warning",
        DATABASE_CONN_MAX_AGE="600",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _shape(sql: str) -> str:
    """The statement with its literals blanked, so repeats group together."""
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+\b", "?", sql)
    return re.sub(r"\s+", " ", sql)[:150]


class Tally:
    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0
        self.requests = 0
        self.queries: dict[str, list[float]] = defaultdict(list)

    def add(self, wall: float, cpu: float, captured: list[dict[str, Any]]) -> None:
        self.wall += wall
        self.cpu += cpu
        self.requests += 1
        for query in captured:
            self.queries[_shape(query["sql"])].append(float(query["time"]))

    def print(self, name: str) -> None:
        n = self.requests
        total_sql = sum(sum(times) for times in self.queries.values())
        count = sum(len(times) for times in self.queries.values())
        print(
            f"\n{name}: {1000 * self.wall / n:.1f} ms a request ({1000 * self.cpu / n:.1f} ms CPU "
            f"in this process), {count / n:.1f} statements "
            f"taking {1000 * total_sql / n:.1f} ms (client-side, round trip included)"
        )
        for shape, times in sorted(self.queries.items(), key=lambda kv: -sum(kv[1])):
            print(f"  {len(times) / n:4.1f}x {1000 * sum(times) / len(times):6.2f} ms  {shape}")


def _profiler_token(project_id: int) -> str:
    """An annotator of its own, so a load run going on at the same time is not disturbed."""
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    from projects.models import Membership, Role

    user, _ = User.objects.get_or_create(username="load-profiler")
    Membership.objects.get_or_create(
        project_id=project_id, user=user, defaults={"role": Role.ANNOTATOR}
    )
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def _cycle(client: Any, project_id: int, tallies: dict[str, Tally]) -> None:
    import uuid

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.post(
            f"/api/v1/projects/{project_id}/next/", content_type="application/json"
        )
        tallies["next"].add(
            time.perf_counter() - started, time.process_time() - cpu, captured.captured_queries
        )
    item = response.json()
    shown = [c["id"] for c in item["completions"]]
    body = {
        "prompt_id": item["prompt"]["id"],
        "tiers": [[i] for i in shown],
        "display_order": shown,
        "time_spent_ms": 1000,
        "client_request_id": str(uuid.uuid4()),
    }
    with CaptureQueriesContext(connection) as captured:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.post(
            f"/api/v1/projects/{project_id}/rankings/", body, content_type="application/json"
        )
        tallies["submit"].add(
            time.perf_counter() - started, time.process_time() - cpu, captured.captured_queries
        )
    if response.status_code != 201:
        raise SystemExit(f"submit answered {response.status_code}: {response.content[:300]!r}")


def main() -> None:
    args = _arguments()
    _django_setup()
    from django.test import Client

    setup = json.loads((OUT / "setup.json").read_text())
    client = Client(HTTP_AUTHORIZATION=f"Token {_profiler_token(setup['project_id'])}")
    tallies = {"next": Tally(), "submit": Tally()}
    for _ in range(5):  # warm: imports, connection, URL resolver caches
        _cycle(client, setup["project_id"], {"next": Tally(), "submit": Tally()})
    for _ in range(args.cycles):
        _cycle(client, setup["project_id"], tallies)
    # Python function calls per request: unlike times, the same on a busy machine.
    profiler = cProfile.Profile()
    profiler.enable()
    _cycle(client, setup["project_id"], {"next": Tally(), "submit": Tally()})
    profiler.disable()
    for name, tally in tallies.items():
        tally.print(name)
    calls = pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]
    print(f"\nPython function calls for one next + submit: {calls:,}")
    if args.top:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.cycles):
            _cycle(client, setup["project_id"], {"next": Tally(), "submit": Tally()})
        profiler.disable()
        print(f"\ncProfile over {args.cycles} more cycles (both endpoints, test client included):")
        order = os.environ.get("PROFILE_SORT", "cumulative")  # e.g. tottime
        pstats.Stats(profiler).sort_stats(order).print_stats(args.top)


if __name__ == "__main__":
    main()
