"""Time the Parquet export of 100,000 prompts x K=4 (600,000 pairs) and its peak memory.

    .venv/bin/python benchmarks/datasets/bench_export.py [--prompts N] [--reseed]

Runs on the database ``rankwise_exbench`` (created and migrated when missing; override
with DATABASE_URL). The prompts, completions and the C(K,2) pairs per prompt (as a
consensus of 3 raters gives them) are made with set-based SQL, then the export streams
them to a temporary Parquet file. Peak memory is the process's maximum RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rankwise_exbench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

import psycopg  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from dataset_versions.models import DatasetVersion  # noqa: E402
from dataset_versions.services.export_writers import parquet_write, version_pairs  # noqa: E402
from projects.models import Project  # noqa: E402

SLUG = "bench-export"
K = 4


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=100_000)
    parser.add_argument("--reseed", action="store_true", help="Drop and recreate the data.")
    parser.add_argument("--split", help="Export only this split (to compare memory by size).")
    return parser.parse_args()


def _database_exists() -> None:
    settings = connection.settings_dict
    name = settings["NAME"]
    admin = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


SEED_SQL = [
    """INSERT INTO annotation_prompt (project_id, external_id, text, metadata, is_gold,
           completions_hash, priority, claim_count, ranking_count, created_at)
       SELECT %(project)s, 'p-' || i, 'Question ' || i || ': ' || repeat(md5(i::text), 6),
              '{}', false, '', 0, 0, 3, now()
       FROM generate_series(1, %(prompts)s) AS i""",
    """INSERT INTO annotation_completion (prompt_id, position, text, model_name, metadata)
       SELECT p.id, k, 'Answer ' || k || ' ' || repeat(md5(p.id::text || k), 10),
              'model-' || k, '{}'
       FROM annotation_prompt p CROSS JOIN generate_series(0, %(k)s - 1) AS k
       WHERE p.project_id = %(project)s""",
    """INSERT INTO annotation_datasetpair (version_id, prompt_id, chosen_id, rejected_id,
           weight, margin, split)
       SELECT %(version)s, a.prompt_id, a.id, b.id, 1.0, (b.position - a.position)::float,
              CASE WHEN a.prompt_id %% 10 = 0 THEN 'test'
                   WHEN a.prompt_id %% 10 = 1 THEN 'validation' ELSE 'train' END
       FROM annotation_completion a
       JOIN annotation_completion b ON b.prompt_id = a.prompt_id AND b.position > a.position
       JOIN annotation_prompt p ON p.id = a.prompt_id
       WHERE p.project_id = %(project)s""",
]


def _seed(prompts: int, reseed: bool) -> DatasetVersion:
    project = Project.objects.filter(slug=SLUG).first()
    if project is not None and not reseed:
        return DatasetVersion.objects.get(project=project, number=1)
    if project is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM annotation_datasetpair WHERE version_id IN "
                "(SELECT id FROM annotation_datasetversion WHERE project_id = %s)",
                [project.pk],
            )
        project.delete()
    project = Project.objects.create(name="Export benchmark", slug=SLUG)
    version = DatasetVersion.objects.create(
        project=project, number=1, rule={}, split={"train": 0.8, "validation": 0.1, "test": 0.1},
        status=DatasetVersion.Status.READY,
    )  # fmt: skip
    started = time.perf_counter()
    params = {"project": project.pk, "prompts": prompts, "k": K, "version": version.pk}
    with connection.cursor() as cursor:
        for statement in SEED_SQL:
            cursor.execute(statement, params)
        cursor.execute("ANALYZE")
    print(f"seeded in {time.perf_counter() - started:.1f} s")
    return version


def main() -> None:
    args = _arguments()
    _database_exists()
    call_command("migrate", verbosity=0)
    version = _seed(args.prompts, args.reseed)
    pairs = version_pairs(version=version, split=args.split)
    print(f"{pairs.count():,} pairs; RSS before export {_rss_mb():.0f} MB")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pairs.parquet"
        started = time.perf_counter()
        rows = parquet_write(pairs=pairs, out=str(path))
        elapsed = time.perf_counter() - started
        size_mb = path.stat().st_size / 1024**2
        assert pq.ParquetFile(path).metadata.num_rows == rows
    peak = _rss_mb()
    print(f"parquet export: {rows:,} rows in {elapsed:.2f} s ({rows / elapsed:,.0f} rows/s)")
    print(f"file {size_mb:.1f} MB; peak RSS {peak:.0f} MB")
    verdict = "PASS" if elapsed <= 20 and peak < 500 else "FAIL"
    print(f"target <= 20 s and < 500 MB: {verdict}")


if __name__ == "__main__":
    main()
