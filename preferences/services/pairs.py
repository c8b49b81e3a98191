"""Rankings → preference pairs, set-based and incremental.

Each ranking of K completions gives its C(K,2) ordered pairs, less the pairs inside a
tier (ties give no pair). A ranking is (re)expanded when its ``revision`` differs from the
one its RankingExpansion row records, or it has no such row yet; a revised ranking's old
pairs are replaced.

One run copies the stale rankings (id, revision, tiers) into a scratch table in a single
statement, then deletes, inserts and marks from that copy: all three work on the same
rankings, so a revision committed meanwhile is left for the next run rather than marked
without its pairs. Annotators are not held up: the rankings are only locked against
deletion (``FOR KEY SHARE``), and revising one does not wait for that lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from annotation.models import Ranking
from preferences.models import RankingExpansion, RankingPair
from projects.services.periodic import projects_each

# The advisory-lock namespace of a project's pairs, consensus and dataset versions ("RWDS").
DATASET_LOCK = 0x52574453
# Per sort or hash of a dataset job's statements (PostgreSQL's work_mem).
JOB_WORK_MEM = "128MB"
# After this many new pairs the planner needs fresh statistics: dataset versions join
# these rows right after, and plans made for the empty table run many times slower.
ANALYZE_AFTER = 10_000

# The pairs of one ranking: every two tiers in order, every id of the first against
# every id of the second. The FROM clause is the only part the two databases spell
# differently.
_TIER_PAIRS = {
    "postgresql": """
        CROSS JOIN LATERAL jsonb_array_elements(r.tiers) WITH ORDINALITY AS tw(tier, wi)
        CROSS JOIN LATERAL jsonb_array_elements_text(tw.tier) AS w(cid)
        CROSS JOIN LATERAL jsonb_array_elements(r.tiers) WITH ORDINALITY AS tl(tier, li)
        CROSS JOIN LATERAL jsonb_array_elements_text(tl.tier) AS l(cid)
        WHERE tw.wi < tl.li""",
    "sqlite": """
        , json_each(r.tiers) AS tw, json_each(tw.value) AS w,
          json_each(r.tiers) AS tl, json_each(tl.value) AS l
        WHERE tw.key < tl.key""",
}
_CHOSEN = {"postgresql": "w.cid::bigint", "sqlite": "w.value"}
_REJECTED = {"postgresql": "l.cid::bigint", "sqlite": "l.value"}

_R, _E, _P = Ranking._meta.db_table, RankingExpansion._meta.db_table, RankingPair._meta.db_table
_STALE_TABLE = {
    "postgresql": "CREATE TEMP TABLE IF NOT EXISTS pairs_stale (id bigint, prompt_id bigint, "
    "revision int, tiers jsonb, expanded boolean) ON COMMIT DROP",
    "sqlite": "CREATE TEMP TABLE IF NOT EXISTS pairs_stale (id integer, prompt_id integer, "
    "revision integer, tiers text, expanded boolean)",
}
_STALE = f"""
    INSERT INTO pairs_stale (id, prompt_id, revision, tiers, expanded)
    SELECT r.id, r.prompt_id, r.revision, CASE WHEN r.kind = 'ranked' THEN r.tiers END,
           e.revision IS NOT NULL
    FROM {_R} r LEFT JOIN {_E} e ON e.ranking_id = r.id
    WHERE r.project_id = %s AND (e.revision IS NULL OR e.revision <> r.revision)"""
_DELETE = f"DELETE FROM {_P} WHERE ranking_id IN (SELECT id FROM pairs_stale WHERE expanded)"
# Plain statements rather than one upsert: most stale rankings are new, and an insert that
# may conflict costs a speculative insertion per row.
_MARK_NEW = (
    f"INSERT INTO {_E} (ranking_id, revision) SELECT id, revision FROM pairs_stale "
    "WHERE NOT expanded"
)
_MARK_REVISED = f"""
    UPDATE {_E} SET revision = s.revision FROM pairs_stale s
    WHERE s.id = {_E}.ranking_id AND s.expanded"""


def _insert(vendor: str) -> str:
    return f"""
        INSERT INTO {_P} (ranking_id, prompt_id, chosen_id, rejected_id)
        SELECT r.id, r.prompt_id, {_CHOSEN[vendor]}, {_REJECTED[vendor]}
        FROM pairs_stale r {_TIER_PAIRS[vendor]}"""


@dataclass(frozen=True)
class ExpandResult:
    rankings: int
    pairs_removed: int
    pairs_added: int


def dataset_job(*, project_id: int) -> None:
    """Start a dataset job (expansion, consensus, version build) in this transaction.

    It takes the project's dataset lock until the transaction ends, so the jobs of one
    project run one at a time and a build reads pairs and consensus that nothing changes
    under it; and it sets what their bulk statements want: memory for sorts and hashes
    instead of the server's 4 MB default (which spilled them to disk), and no JIT
    compilation (0.8 s of a version's statement went to compiling it). SQLite serialises
    every writer and has neither setting.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [DATASET_LOCK, project_id])
        cursor.execute(f"SET LOCAL work_mem = '{JOB_WORK_MEM}'")
        cursor.execute("SET LOCAL jit = off")


@transaction.atomic
def pairs_expand(*, project_id: int) -> ExpandResult:
    """Bring the project's RankingPair rows up to date with its rankings. Idempotent;
    overlapping runs queue behind each other and the later one finds nothing to do."""
    vendor = connection.vendor
    dataset_job(project_id=project_id)
    with connection.cursor() as cursor:
        cursor.execute(_STALE_TABLE[vendor])
        cursor.execute("DELETE FROM pairs_stale")
        # FOR KEY SHARE: a ranking cannot be deleted under its new pairs (they have no
        # foreign key to stop it), while its annotator can still revise it.
        lock = " FOR KEY SHARE OF r" if vendor == "postgresql" else ""
        cursor.execute(_STALE + lock, [project_id])
        rankings = cursor.rowcount
        if not rankings:
            return ExpandResult(rankings=0, pairs_removed=0, pairs_added=0)
        cursor.execute(_DELETE)
        removed = cursor.rowcount
        cursor.execute(_insert(vendor))
        added = cursor.rowcount
        cursor.execute(_MARK_NEW)
        cursor.execute(_MARK_REVISED)
        if vendor == "postgresql" and added >= ANALYZE_AFTER:
            cursor.execute(f"ANALYZE {_P}, {_E}")
    return ExpandResult(rankings=rankings, pairs_removed=removed, pairs_added=added)


def pairs_expand_all() -> int:
    """Expand the new and revised rankings of every project; the pairs added in all."""
    expanded = projects_each(
        lambda project_id: pairs_expand(project_id=project_id).pairs_added, job="pairs expansion"
    )
    return sum(expanded.done.values())
