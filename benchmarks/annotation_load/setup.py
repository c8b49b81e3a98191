"""Build the annotation load test's database: one project of 1,000,000 four-completion items,
200 annotators with API tokens.

    .venv/bin/python benchmarks/annotation_load/setup.py [--items N] [--annotators N] [--force]

The database (``DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/rankwise_load``)
is created if missing and migrated. Items and completions are written by set-based SQL
(``INSERT … SELECT generate_series``), never row by row. The project id and the annotators'
tokens go to ``out/setup.json``.

When that file already describes a complete project in the database, the build is skipped:
new migrations are applied and the annotation state is reset (rankings and leases deleted,
counters zeroed), so that every load run starts from the same queue. ``--force`` drops the
database and rebuilds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "out"
SETUP_FILE = OUT / "setup.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rankwise_load"
PROJECT_SLUG = "annotation-load"
PASSWORD = "load-test-password"

# Sentences that the SQL below repeats and cuts to a few hundred characters, so items and
# completions have realistic sizes without a data file.
PROMPT_TEXT = (
    "Explain to a new colleague how a reward model is trained from human preference "
    "rankings, what can go wrong when annotators disagree, and how you would detect "
    "position bias in the collected data. Keep it concrete and give one worked example. "
)
COMPLETION_TEXT = (
    "A reward model is trained on pairs drawn from each ranking: the preferred completion "
    "should score higher than the other one, and the loss is the negative log-sigmoid of "
    "the score difference. Disagreement between raters shows up as noisy labels, so we "
    "keep several raters per item and look at agreement before training. Position bias "
    "is checked by comparing win rates by display slot, which a shuffled order makes easy. "
)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--completions", type=int, default=4, help="Completions per item.")
    parser.add_argument("--annotators", type=int, default=200)
    parser.add_argument("--raters-per-item", type=int, default=3)
    parser.add_argument("--force", action="store_true", help="Drop the database and rebuild.")
    return parser.parse_args()


def _database_create(url: str, *, drop: bool) -> None:
    """Create the load database through the server's maintenance database."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if drop:
            drop_sql = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop_sql.format(sql.Identifier(name)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _already_built(items: int) -> dict[str, Any] | None:
    from annotation.models import Prompt
    from projects.models import Project

    if not SETUP_FILE.is_file():
        return None
    saved = json.loads(SETUP_FILE.read_text())
    project = Project.objects.filter(pk=saved["project_id"], slug=PROJECT_SLUG).first()
    if project is None or saved.get("items") != items:
        return None
    if Prompt.objects.filter(project=project).count() != items:
        return None
    return saved


def _state_reset(project_id: int) -> None:
    """Forget every ranking and lease, so a run starts from an untouched queue."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM annotation_ranking WHERE project_id = %s", [project_id])
        cursor.execute("DELETE FROM annotation_assignment WHERE project_id = %s", [project_id])
        cursor.execute(
            "UPDATE annotation_prompt SET claim_count = 0, ranking_count = 0 "
            "WHERE project_id = %s AND (claim_count <> 0 OR ranking_count <> 0)",
            [project_id],
        )
    # The counter updates left dead index entries at the head of the queue index.
    _vacuum_analyze(["annotation_prompt", "annotation_ranking", "annotation_assignment"])


def _vacuum_analyze(tables: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def _project_create(raters_per_item: int) -> int:
    from projects.models import Project

    project = Project.objects.create(
        name="Annotation load test",
        slug=PROJECT_SLUG,
        raters_per_item=raters_per_item,
        description="1,000,000 synthetic items for benchmarks/annotation_load.",
    )
    return project.pk


def _annotators_create(project_id: int, count: int) -> list[dict[str, Any]]:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    from projects.models import Membership, Role

    # One hash for all: 200 PBKDF2 rounds would cost a minute and test nothing.
    password = make_password(PASSWORD)
    User.objects.filter(username__startswith="load-annotator-").delete()
    users = User.objects.bulk_create(
        User(username=f"load-annotator-{n:04d}", password=password) for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(project_id=project_id, user=user, role=Role.ANNOTATOR) for user in users
    )
    tokens = Token.objects.bulk_create(Token(key=Token.generate_key(), user=user) for user in users)
    return [{"user_id": t.user_id, "username": t.user.username, "token": t.key} for t in tokens]


def _items_create(project_id: int, items: int, completions: int) -> None:
    """Prompts of 150-450 characters, completions of 250-650, all in two statements."""
    from django.db import connection

    with connection.cursor() as cursor:
        # Bulk load: losing it in a crash only means running setup again.
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute(
            """
            INSERT INTO annotation_prompt (project_id, external_id, text, messages, metadata,
                gold_ranking, is_gold, completions_hash, priority, claim_count, ranking_count,
                created_at)
            SELECT %(project)s, 'load-' || g,
                left('Item ' || g || '. ' || repeat(%(text)s, 3), (150 + (g * 7919) %% 301)::int),
                NULL, '{}'::jsonb, NULL, false, '', 0, 0, 0, now()
            FROM generate_series(1, %(items)s::bigint) AS g
            """,
            {"project": project_id, "items": items, "text": PROMPT_TEXT},
        )
        cursor.execute(
            "SELECT min(id), max(id) FROM annotation_prompt WHERE project_id = %s", [project_id]
        )
        first, last = cursor.fetchone()
        if last - first + 1 != items:
            raise RuntimeError("item ids are not contiguous: is something else writing?")
        # One series over (item, position), so an item's completions sit side by side on
        # disk, as an import writes them.
        cursor.execute(
            """
            INSERT INTO annotation_completion (prompt_id, position, text, model_name, metadata)
            SELECT %(first)s + n / %(k)s, n %% %(k)s,
                left('Answer ' || n %% %(k)s || ' to load-' || (n / %(k)s + 1) || ': '
                     || repeat(%(text)s, 2), (250 + (n * 7907) %% 401)::int),
                'model-' || n %% %(k)s, '{}'::jsonb
            FROM generate_series(0, %(rows)s::bigint - 1) AS n
            """,
            {
                "first": first,
                "k": completions,
                "rows": items * completions,
                "text": COMPLETION_TEXT,
            },
        )


def _build(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        project_id = _project_create(args.raters_per_item)
        annotators = _annotators_create(project_id, args.annotators)
        _items_create(project_id, args.items, args.completions)
    _vacuum_analyze(["annotation_prompt", "annotation_completion", "auth_user", "authtoken_token"])
    return {
        "project_id": project_id,
        "items": args.items,
        "completions_per_item": args.completions,
        "raters_per_item": args.raters_per_item,
        "annotators": annotators,
    }


def main() -> None:
    args = _arguments()
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    started = time.monotonic()
    _database_create(url, drop=args.force)
    _django_setup(url)
    saved = None if args.force else _already_built(args.items)
    if saved is not None and len(saved["annotators"]) >= args.annotators:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # the code may have moved on since the build
        _state_reset(saved["project_id"])
        print(
            f"setup: already built (project {saved['project_id']}); annotation state reset "
            f"in {time.monotonic() - started:.1f} s"
        )
        return
    if saved is None and not args.force:
        # A half-built or different database: start clean rather than guess.
        from django.db import connections

        connections.close_all()
        _database_create(url, drop=True)
    built = _build(args)
    built["setup_seconds"] = round(time.monotonic() - started, 1)
    OUT.mkdir(exist_ok=True)
    SETUP_FILE.write_text(json.dumps(built, indent=1))
    print(
        f"setup: project {built['project_id']} with {args.items:,} items x {args.completions} "
        f"completions and {args.annotators} annotators in {built['setup_seconds']} s "
        f"→ {SETUP_FILE.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
