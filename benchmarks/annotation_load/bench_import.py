"""Time the import of 100,000 four-completion items into a fresh project on PostgreSQL.

The items reuse alpaca_eval's prompts and completions (realistic lengths, ~1.2 kB per
completion) under new ids, written to a temporary JSONL.gz; then ``items_import`` runs on
it twice: a first import (everything created) and a re-import (everything unchanged).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rankwise_bench \
        .venv/bin/python benchmarks/annotation_load/bench_import.py [--items N] [--keep]

The database is migrated and vacuumed first; the project is deleted at the end unless
``--keep``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = Path(__file__).resolve().parents[3] / "shared" / "data" / "alpaca_eval_k4.jsonl.gz"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="alpaca_eval JSONL.gz")
    parser.add_argument("--keep", action="store_true", help="Keep the project afterwards.")
    return parser.parse_args()


def _templates(source: Path) -> list[dict[str, Any]]:
    if source.is_file():
        with gzip.open(source, "rt", encoding="utf-8") as lines:
            return [json.loads(line) for line in lines]
    # No alpaca file: synthetic text of about the same length.
    words = [
        "the",
        "reward",
        "model",
        "prefers",
        "answers",
        "that",
        "are",
        "correct,",
        "complete",
        "and",
        "clear",
    ]
    return [
        {
            "prompt": " ".join(words[(i + j) % len(words)] for j in range(30)),
            "completions": [
                {
                    "model": f"model-{k}",
                    "text": " ".join(words[(i * k + j) % 11] for j in range(200)),
                }
                for k in range(4)
            ],
        }
        for i in range(100)
    ]


def _items(templates: list[dict[str, Any]], count: int) -> Iterator[dict[str, Any]]:
    for n in range(count):
        template = templates[n % len(templates)]
        yield {
            "id": f"bench-{n:07d}",
            "prompt": template["prompt"],
            "completions": template["completions"],
            "metadata": {"copy_of": template.get("id", ""), "n": n},
        }


def _write(path: Path, items: Iterator[dict[str, Any]]) -> None:
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
        for item in items:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")


def _vacuum(connection: Any) -> None:
    """Reclaim earlier runs' deleted rows, so that every run starts from the same state."""
    with connection.cursor() as cursor:
        for table in ("annotation_prompt", "annotation_completion", "annotation_ranking"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def _run(project: Any, path: Path, label: str, count: int) -> None:
    from annotation.services.imports import items_import

    started, cpu_started = time.perf_counter(), time.process_time()
    with path.open("rb") as stream:
        report = items_import(project=project, file=stream, file_name=path.name)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    # The Python side's CPU time tells a busy machine from a slow import.
    print(
        f"{label}: {elapsed:.1f} s, {count / elapsed:,.0f} items/s, {cpu:.1f} s Python CPU "
        f"(created {report.created}, unchanged {report.unchanged}, skipped {report.skipped}); "
        f"peak RSS so far {_peak_rss_mib():.0f} MiB; load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    args = _arguments()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from projects.models import Project

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (e.g. .../rankwise_bench).")
    call_command("migrate", verbosity=0)
    _vacuum(connection)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench_items.jsonl.gz"
        _write(path, _items(_templates(args.source), args.items))
        size = path.stat().st_size / 2**20
        print(f"{args.items:,} items, K=4, {size:.0f} MiB gzipped; RSS {_peak_rss_mib():.0f} MiB")
        project = Project.objects.create(
            name="Import benchmark", slug=f"bench-{uuid.uuid4().hex[:8]}"
        )
        try:
            _run(project, path, "first import", args.items)
            _run(project, path, "re-import  ", args.items)
        finally:
            if not args.keep:
                _delete_items(connection, project.pk)
                project.delete()
                _vacuum(connection)


def _delete_items(connection: Any, project_id: int) -> None:
    """Set-based: the ORM's cascade would collect 500,000 ids into one statement."""
    from annotation.models import Completion, Prompt, Ranking

    prompts = f"SELECT id FROM {Prompt._meta.db_table} WHERE project_id = %s"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Ranking._meta.db_table} WHERE project_id = %s", [project_id])
        cursor.execute(
            f"DELETE FROM {Completion._meta.db_table} WHERE prompt_id IN ({prompts})", [project_id]
        )
        cursor.execute(f"DELETE FROM {Prompt._meta.db_table} WHERE project_id = %s", [project_id])


if __name__ == "__main__":
    main()
