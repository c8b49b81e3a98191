"""Rankings → preference pairs, set-based and incremental.

Each ranking of K completions gives its C(K,2) ordered pairs, less the pairs inside a
tier (ties give no pair). Only rankings whose ``revision`` moved past
``expanded_revision`` are (re)expanded, and a revised ranking's old pairs are replaced.
The whole step is three statements inside one transaction; PostgreSQL does the work.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from annotation.models import Ranking, RankingPair

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


@dataclass(frozen=True)
class ExpandResult:
    rankings: int
    pairs_removed: int
    pairs_added: int


@transaction.atomic
def pairs_expand(*, project_id: int) -> ExpandResult:
    """Bring the project's RankingPair rows up to date with its rankings. Idempotent;
    overlapping runs queue behind each other and the later one finds nothing to do."""
    vendor = connection.vendor
    r, p = Ranking._meta.db_table, RankingPair._meta.db_table
    stale = "r.project_id = %s AND r.expanded_revision <> r.revision"
    with connection.cursor() as cursor:
        # Lock the stale rankings: a revision arriving meanwhile waits for this commit,
        # so the pairs written here are exactly those of the revision marked below.
        lock = "" if vendor == "sqlite" else "FOR UPDATE"
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT r.id FROM {r} r WHERE {stale} {lock}) AS locked",
            [project_id],
        )
        rankings = cursor.fetchone()[0]
        if not rankings:
            return ExpandResult(rankings=0, pairs_removed=0, pairs_added=0)
        cursor.execute(
            f"DELETE FROM {p} WHERE ranking_id IN (SELECT r.id FROM {r} r WHERE {stale})",
            [project_id],
        )
        removed = cursor.rowcount
        cursor.execute(
            f"""
            INSERT INTO {p} (ranking_id, project_id, prompt_id, chosen_id, rejected_id)
            SELECT r.id, r.project_id, r.prompt_id, {_CHOSEN[vendor]}, {_REJECTED[vendor]}
            FROM {r} r {_TIER_PAIRS[vendor]}
            AND {stale} AND r.kind = 'ranked'
            """,
            [project_id],
        )
        added = cursor.rowcount
        cursor.execute(
            f"UPDATE {r} SET expanded_revision = revision "
            f"WHERE project_id = %s AND expanded_revision <> revision",
            [project_id],
        )
    return ExpandResult(rankings=rankings, pairs_removed=removed, pairs_added=added)
