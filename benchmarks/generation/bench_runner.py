"""The generation job runner's own overhead, against a server that answers at once.

    .venv/bin/python benchmarks/generation/bench_runner.py [--requests 20000]
        [--concurrency 64] [--skip-job]

Three ways to get the same ``--requests`` chat completions from benchmarks/generation/
instant_server.py (started here, in its own process), at ``--concurrency`` in flight:

- ``openai``: a plain asyncio loop of the ``openai`` client (AsyncOpenAI, a semaphore);
  the baseline (pip install -e .[bench]).
- ``engine``: generation.engine's works_run alone (no Django, no database).
- ``job``: a whole generation job as a worker runs it: claim, read the pending samples,
  the engine in its thread, the batched writes of samples, completions and prompts, the
  job's counts. Uses the database in DATABASE_URL (default
  postgres://postgres@127.0.0.1:5432/rankwise_genbench, created and migrated; its tables
  are written: a scratch database only).

Completions per second of each and the ratios to the openai loop are printed as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/rankwise_genbench"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--skip-job", action="store_true", help="no database: engine vs openai")
    return parser.parse_args()


def _server() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = Path(__file__).with_name("instant_server.py")
    process = subprocess.Popen([sys.executable, str(script), str(port)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
        except urllib.error.HTTPError:
            return process, f"http://127.0.0.1:{port}/v1"  # up: 404 on /
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the instant server did not start")


async def _openai_loop(base_url: str, requests: int, concurrency: int) -> float:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key="none", max_retries=4)
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> str:
        async with gate:
            answer = await client.chat.completions.create(
                model="m",
                messages=[{"role": "user", "content": f"Question {i}"}],
                max_tokens=8,
                temperature=1.0,
                seed=i,
            )
            return answer.choices[0].message.content or ""

    started = time.perf_counter()
    texts = await asyncio.gather(*(one(i) for i in range(requests)))
    elapsed = time.perf_counter() - started
    assert all(texts)
    await client.close()
    return elapsed


def _engine(base_url: str, requests: int, concurrency: int) -> float:
    from generation.engine.orchestrate import works_run
    from generation.engine.types import (
        Endpoint,
        PromptWork,
        SampleRequest,
        SampleResult,
        Sampling,
    )

    endpoint = Endpoint(
        key=1, model="m", sampling=Sampling(max_tokens=8), base_url=base_url,
        concurrency=concurrency,
    )  # fmt: skip
    works = [PromptWork(1, f"Question {i}", None, (SampleRequest(i, i),)) for i in range(requests)]
    results: list[SampleResult] = []
    started = time.perf_counter()
    asyncio.run(works_run(works, {1: endpoint}, results.append))
    elapsed = time.perf_counter() - started
    assert len(results) == requests
    assert all(r.ok for r in results)
    return elapsed


def _database_create(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _job(base_url: str, requests: int, concurrency: int) -> tuple[float, dict[str, int]]:
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    _database_create(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from annotation.services.imports import items_import
    from generation.models import GenerationJob, Generator
    from generation.services.execute import generation_job_execute
    from generation.services.jobs import generation_job_create
    from projects.models import Project

    Project.objects.filter(slug="generation-bench").delete()
    project = Project.objects.create(name="generation bench", slug="generation-bench")
    prompts = requests // 2  # 2 samples per prompt
    records = ({"id": f"p{i}", "prompt": f"Question {i}"} for i in range(prompts))
    lines = "\n".join(json.dumps(record) for record in records)
    items_import(project=project, file=io.BytesIO(lines.encode()), file_name="prompts.jsonl")
    generator = Generator.objects.create(
        project=project, name="instant", base_url=base_url, model="m", max_tokens=8,
        concurrency=concurrency,
    )  # fmt: skip
    job = generation_job_create(
        project=project, plan=[{"generator": generator.pk, "samples": 2}], created_by=None
    )
    started = time.perf_counter()
    status = generation_job_execute(job_id=job.pk)
    elapsed = time.perf_counter() - started
    job = GenerationJob.objects.get(pk=job.pk)
    assert status == "succeeded", job.error
    counts = {
        "samples_done": job.samples_done,
        "prompts_released": job.prompts_released,
        "duplicates": job.duplicates,
    }
    return elapsed, counts


def main() -> None:
    args = _arguments()
    server, base_url = _server()
    try:
        n, c = args.requests, args.concurrency
        report: dict[str, object] = {"requests": n, "concurrency": c, "cpus": os.cpu_count()}
        baseline = asyncio.run(_openai_loop(base_url, n, c))
        engine = _engine(base_url, n, c)
        report["openai_per_second"] = round(n / baseline)
        report["engine_per_second"] = round(n / engine)
        report["engine_vs_openai"] = round(baseline / engine, 2)
        if not args.skip_job:
            job, counts = _job(base_url, n, c)
            report["job_per_second"] = round(n / job)
            report["job_vs_openai"] = round(baseline / job, 2)
            report["job"] = counts
        print(json.dumps(report, indent=2))
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
