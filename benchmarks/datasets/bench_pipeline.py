"""Time the dataset pipeline on PostgreSQL: pair expansion, consensus, dataset versions.

    .venv/bin/python benchmarks/datasets/bench_pipeline.py [--prompts 100000]
        [--completions 4] [--raters 3] [--tie-rate 0.1]

Uses the database in DATABASE_URL (default postgres://postgres@127.0.0.1:5432/rankwise_dsbench),
creating and migrating it; every run empties its annotation tables first (it is a scratch
database: never point this at real data). The rankings are built set-based (one
``INSERT … SELECT`` over generate_series), then each step is timed on its own. The floor is a
single ``INSERT … SELECT`` doing only the expansion into an unlogged scratch table.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/rankwise_dsbench"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--prompts", type=int, default=100_000)
    parser.add_argument("--completions", type=int, default=4)
    parser.add_argument("--raters", type=int, default=3)
    parser.add_argument("--tie-rate", type=float, default=0.1)
    parser.add_argument("--skip-per-rater", action="store_true", help="skip the 1.7 M-pair version")
    return parser.parse_args()


def _database_create(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _timed(label: str, step: Callable[[], Any], results: dict[str, float]) -> Any:
    start = time.perf_counter()
    value = step()
    results[label] = time.perf_counter() - start
    print(f"{label:<34} {results[label]:8.2f} s   {value}", flush=True)
    return value


def _reset() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        # The derived tables have no foreign keys for CASCADE to follow.
        cursor.execute(
            "TRUNCATE annotation_project, auth_user, annotation_rankingpair, "
            "annotation_rankingexpansion, annotation_promptconsensus, annotation_datasetpair, "
            "annotation_datasetranking RESTART IDENTITY CASCADE"
        )


def _build(args: argparse.Namespace) -> int:
    """Project, raters, prompts x completions and one ranking per (prompt, rater), in SQL.

    Each rater orders the completions by position plus noise (so raters mostly agree), and
    merges a completion into the previous tier with probability ``tie_rate``.
    """
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from projects.models import Membership, Project

    with transaction.atomic():
        project = Project.objects.create(name="bench", slug="bench", raters_per_item=args.raters)
        users = [User.objects.create(username=f"rater{n}") for n in range(args.raters)]
        Membership.objects.bulk_create(Membership(project=project, user=u) for u in users)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO annotation_prompt (project_id, external_id, text, metadata, is_gold,
                    completions_hash, priority, claim_count, ranking_count, created_at)
                SELECT %s, 'p' || n, 'Prompt ' || n, '{}', false, '', 0, %s, %s, now()
                FROM generate_series(1, %s) n
                """,
                [project.pk, args.raters, args.raters, args.prompts],
            )
            cursor.execute(
                """
                INSERT INTO annotation_completion (prompt_id, position, text, model_name, metadata)
                SELECT p.id, k, repeat('word ', 5 + (random() * 60)::int), 'm' || k, '{}'
                FROM annotation_prompt p CROSS JOIN generate_series(0, %s - 1) k
                WHERE p.project_id = %s
                """,
                [args.completions, project.pk],
            )
            cursor.execute(
                """
                INSERT INTO annotation_ranking (project_id, prompt_id, annotator_id, import_source,
                    kind, tiers, display_order, time_spent_ms, skip_reason, flag_reason,
                    flag_note, review_status, is_gold, revision, created_at, updated_at)
                WITH slots AS (
                    SELECT c.prompt_id, u.id AS annotator_id, c.id,
                           row_number() OVER w AS rn, random() < %s AS tie
                    FROM annotation_completion c
                    JOIN annotation_prompt p ON p.id = c.prompt_id AND p.project_id = %s
                    CROSS JOIN (SELECT unnest(%s::int[]) AS id) u
                    WINDOW w AS (PARTITION BY c.prompt_id, u.id
                                 ORDER BY c.position + 2.5 * random())
                ), numbered AS (
                    SELECT *, sum(CASE WHEN rn = 1 OR NOT tie THEN 1 ELSE 0 END)
                              OVER (PARTITION BY prompt_id, annotator_id ORDER BY rn) AS tier
                    FROM slots
                ), tiers AS (
                    SELECT prompt_id, annotator_id, tier, jsonb_agg(id ORDER BY rn) AS ids
                    FROM numbered GROUP BY prompt_id, annotator_id, tier
                )
                SELECT %s, prompt_id, annotator_id, '', 'ranked', jsonb_agg(ids ORDER BY tier),
                       '[]', 20000 + (random() * 60000)::int, '', '', '', '', false, 1,
                       now(), now()
                FROM tiers GROUP BY prompt_id, annotator_id
                """,
                [args.tie_rate, project.pk, [u.pk for u in users], project.pk],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return project.pk


def _floor(project_id: int) -> int:
    """Only the expansion: the same lateral join, into an unlogged scratch table."""
    from django.db import connection, transaction

    from preferences.services.pairs import _TIER_PAIRS

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_pairs_floor")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_pairs_floor (ranking_id bigint, project_id bigint, "
            "prompt_id bigint, chosen_id bigint, rejected_id bigint)"
        )
        cursor.execute(
            f"""
            INSERT INTO bench_pairs_floor
            SELECT r.id, r.project_id, r.prompt_id, w.cid::bigint, l.cid::bigint
            FROM annotation_ranking r {_TIER_PAIRS["postgresql"]}
            AND r.project_id = %s AND r.kind = 'ranked'
            """,
            [project_id],
        )
        return int(cursor.rowcount)


def main() -> None:
    args = _arguments()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    _database_create(url)
    _django_setup(url)

    from dataset_versions.services.datasets import Rule, dataset_version_create
    from preferences.services.consensus_store import consensus_update
    from preferences.services.pairs import pairs_expand
    from projects.models import Project

    print(f"load average before: {os.getloadavg()}  cpus: {os.cpu_count()}")
    results: dict[str, float] = {}
    _reset()
    project_id = _timed("build rankings (setup)", lambda: _build(args), results)
    project = Project.objects.get(pk=project_id)
    floor_rows = _timed("floor: one INSERT … SELECT", lambda: _floor(project_id), results)
    _timed("pairs_expand", lambda: pairs_expand(project_id=project_id), results)
    _timed("consensus_update", lambda: consensus_update(project_id=project_id), results)
    consensus = _timed(
        "dataset version (consensus)",
        lambda: dataset_version_create(project=project, rule=Rule(pairs="consensus")).counts,
        results,
    )
    per_rater = {"pairs": "skipped"}
    if not args.skip_per_rater:
        per_rater = _timed(
            "dataset version (per rater)",
            lambda: dataset_version_create(project=project, rule=Rule()).counts,
            results,
        )
    pipeline = results["pairs_expand"] + results["consensus_update"]
    pipeline += results["dataset version (consensus)"]
    print(
        f"floor rows {floor_rows}; consensus pairs {consensus['pairs']}, "
        f"per-rater pairs {per_rater['pairs']}"
    )
    print(
        f"expansion / floor: {results['pairs_expand'] / results['floor: one INSERT … SELECT']:.2f}x"
    )
    print(f"expansion + consensus + consensus version: {pipeline:.2f} s (target ≤ 30 s)")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
