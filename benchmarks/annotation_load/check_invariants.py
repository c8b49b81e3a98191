"""Check the task queue's invariants on the load database after a run.

    .venv/bin/python benchmarks/annotation_load/check_invariants.py \
        [--accepted out/paused-accepted.csv ...] [--label paused]

For the project in ``out/setup.json``:

- no regular item has ``claim_count`` > ``raters_per_item`` (over-assignment);
- every touched item has ``claim_count`` = its annotators' rankings + its active leases,
  and ``ranking_count`` = its rankings of kind 'ranked';
- no (item, annotator) pair has two rankings, two active leases, or a ranking and a lease;
- every 201 the load generator recorded is a stored ranking with that annotator, item and
  client_request_id (zero lost rankings); a ranking revised since by a request with another
  id (something else used the account) is counted apart.

Prints the counts, writes ``out/<label>-invariants.json`` and exits 1 on any violation.
Plain SQL through psycopg: the checks are set-based over the whole project.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import psycopg

OUT = Path(__file__).resolve().parent / "out"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rankwise_load"

# Items that any ranking, lease or counter says were handed out.
TOUCHED = """
    WITH touched AS (
        SELECT id AS prompt_id FROM annotation_prompt
        WHERE project_id = %(project)s AND (claim_count <> 0 OR ranking_count <> 0)
        UNION SELECT prompt_id FROM annotation_ranking WHERE project_id = %(project)s
        UNION SELECT prompt_id FROM annotation_assignment WHERE project_id = %(project)s
    ), ranked AS (
        SELECT prompt_id,
            count(*) FILTER (WHERE kind = 'ranked') AS ranked,
            count(*) FILTER (WHERE kind = 'ranked' AND annotator_id IS NOT NULL) AS by_annotators
        FROM annotation_ranking WHERE project_id = %(project)s GROUP BY prompt_id
    ), leased AS (
        SELECT prompt_id, count(*) AS live FROM annotation_assignment
        WHERE project_id = %(project)s AND status = 'active' GROUP BY prompt_id
    )
    SELECT p.id, p.is_gold, p.claim_count, p.ranking_count,
        coalesce(r.ranked, 0), coalesce(r.by_annotators, 0), coalesce(l.live, 0)
    FROM touched AS t
    JOIN annotation_prompt AS p ON p.id = t.prompt_id
    LEFT JOIN ranked AS r ON r.prompt_id = t.prompt_id
    LEFT JOIN leased AS l ON l.prompt_id = t.prompt_id
"""

DUPLICATE_RANKINGS = """
    SELECT count(*) FROM (
        SELECT 1 FROM annotation_ranking
        WHERE project_id = %(project)s AND annotator_id IS NOT NULL
        GROUP BY prompt_id, annotator_id HAVING count(*) > 1
    ) AS d
"""
DUPLICATE_LEASES = """
    SELECT count(*) FROM (
        SELECT 1 FROM annotation_assignment
        WHERE project_id = %(project)s AND status = 'active'
        GROUP BY prompt_id, annotator_id HAVING count(*) > 1
    ) AS d
"""
LEASE_BESIDE_RANKING = """
    SELECT count(*) FROM annotation_assignment AS a
    JOIN annotation_ranking AS r ON r.prompt_id = a.prompt_id AND r.annotator_id = a.annotator_id
    WHERE a.project_id = %(project)s AND a.status = 'active'
"""
# A 201 whose ranking is not there at all is lost. One whose ranking is there under another
# client_request_id was revised afterwards by the same annotator (only possible when
# something besides the load generator used the account): reported, not lost.
LOST = """
    SELECT a.client_request_id, a.prompt_id, a.user_id, r.client_request_id, r.revision
    FROM accepted AS a
    LEFT JOIN annotation_ranking AS r
        ON r.annotator_id = a.user_id AND r.prompt_id = a.prompt_id AND r.kind = 'ranked'
    WHERE r.client_request_id IS DISTINCT FROM a.client_request_id
"""


VIOLATIONS = (
    "over_assigned_items",
    "claim_count_mismatches",
    "ranking_count_mismatches",
    "duplicate_rankings",
    "duplicate_active_leases",
    "leases_beside_a_ranking",
    "lost_rankings",
)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--accepted", type=Path, nargs="*", default=[], help="CSV files written by loadgen.py."
    )
    parser.add_argument("--label", default="check")
    parser.add_argument("--setup", type=Path, default=OUT / "setup.json")
    return parser.parse_args()


def _counters(cur: psycopg.Cursor[Any], project: int, raters: int) -> dict[str, Any]:
    rows = cur.execute(TOUCHED, {"project": project}).fetchall()
    claim_wrong = [
        r
        for r in rows
        if not r[1] and r[2] != r[5] + r[6]  # claim = rankings + live leases
    ]
    count_wrong = [r for r in rows if r[3] != r[4]]
    over = cur.execute(
        "SELECT count(*) FROM annotation_prompt "
        "WHERE project_id = %s AND NOT is_gold AND claim_count > %s",
        [project, raters],
    ).fetchone()
    return {
        "touched_items": len(rows),
        "rankings": sum(r[4] for r in rows),
        "active_leases": sum(r[6] for r in rows),
        "items_complete": sum(1 for r in rows if r[4] >= raters),
        "over_assigned_items": over[0] if over else None,
        "claim_count_mismatches": len(claim_wrong),
        "ranking_count_mismatches": len(count_wrong),
        "mismatch_examples": [
            dict(
                zip(
                    ["id", "gold", "claim", "ranking_count", "ranked", "by_annotators", "live"],
                    r,
                    strict=True,
                )
            )
            for r in (claim_wrong + count_wrong)[:5]
        ],
    }


def _one(cur: psycopg.Cursor[Any], query: str, project: int) -> int:
    row = cur.execute(query, {"project": project}).fetchone()
    return int(row[0]) if row else 0


def _lost(cur: psycopg.Cursor[Any], files: list[Path]) -> dict[str, Any]:
    cur.execute(
        "CREATE TEMPORARY TABLE accepted "
        "(client_request_id uuid, prompt_id bigint, user_id integer)"
    )
    for path in files:
        with (
            path.open() as lines,
            cur.copy("COPY accepted FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            for line in lines:
                copy.write(line)
    row = cur.execute("SELECT count(*) FROM accepted").fetchone()
    recorded = row[0] if row else 0
    missing = cur.execute(LOST).fetchall()
    lost = [row for row in missing if row[3] is None or row[4] == 1]
    revised = [row for row in missing if row not in lost]
    return {
        "accepted_201s_checked": recorded,
        "lost_rankings": len(lost),
        "lost_examples": [[str(v) for v in row[:3]] for row in lost[:5]],
        "revised_since_by_another_request": len(revised),
    }


def main() -> int:
    args = _arguments()
    setup = json.loads(args.setup.read_text())
    project = setup["project_id"]
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        raters = cur.execute(
            "SELECT raters_per_item FROM annotation_project WHERE id = %s", [project]
        ).fetchone()
        if raters is None:
            sys.exit(f"no project {project} in {url}")
        result = {
            "project_id": project,
            "raters_per_item": raters[0],
            **_counters(cur, project, raters[0]),
            "duplicate_rankings": _one(cur, DUPLICATE_RANKINGS, project),
            "duplicate_active_leases": _one(cur, DUPLICATE_LEASES, project),
            "leases_beside_a_ranking": _one(cur, LEASE_BESIDE_RANKING, project),
            **_lost(cur, args.accepted),
        }
    violations = [key for key in VIOLATIONS if result[key]]
    result["violations"] = violations
    OUT.mkdir(exist_ok=True)
    (OUT / f"{args.label}-invariants.json").write_text(json.dumps(result, indent=1))
    for key, value in result.items():
        if key not in ("mismatch_examples", "lost_examples") or value:
            print(f"  {key}: {value}")
    print(f"invariants ({args.label}): " + ("OK" if not violations else f"VIOLATED {violations}"))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
