"""Dataset versions: immutable, hashed, prompt-disjoint snapshots of preference pairs.

A version is built set-based inside PostgreSQL: one ``INSERT … SELECT`` writes its pairs,
another its lineage (which ranking, at which revision, went in). Once a version is ready
nothing updates it again: a new rule or new rankings make a new version. The content hash
covers (prompt, chosen, rejected, weight, split) only, so the same rule over the same data
gives the same hash whatever the row ids.

Per-rater pairs keep weight 1.0: each ranking's C(K,2) pairs count as the annotator gave
them, and the trainer's listwise batching already weights a prompt's pairs 1/C(K,2).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max

from annotation.models import (
    Completion,
    DatasetPair,
    DatasetRanking,
    DatasetVersion,
    Project,
    PromptConsensus,
    Ranking,
    RankingPair,
)
from annotation.services.consensus_store import consensus_update
from annotation.services.pairs import pairs_expand

SPLITS = ("train", "validation", "test")
DEFAULT_SPLIT = {"train": 0.8, "validation": 0.1, "test": 0.1}


@dataclass(frozen=True)
class Rule:
    """How rankings become a version's pairs.

    ``per_rater``: every strict pair of every ranking that passes the filters, weight 1.0.
    ``consensus``: the pairs the stored consensus orders, weight = share of raters agreeing
    (a tie counts half), kept when at least ``min_agreement``. The consensus is made of all
    annotator rankings, so the ranking filters (raters, imported, gold) are per-rater only.
    """

    pairs: Literal["per_rater", "consensus"] = "per_rater"
    method: Literal["bradley_terry", "ranked_pairs"] = "bradley_terry"
    min_agreement: float = 0.0
    min_raters: int | None = None
    rater_ids: list[int] | None = None
    include_imported: bool = False
    include_gold: bool = False

    def validate(self) -> None:
        errors: dict[str, str] = {}
        if self.pairs not in ("per_rater", "consensus"):
            errors["pairs"] = 'Use "per_rater" or "consensus".'
        if self.method not in ("bradley_terry", "ranked_pairs"):
            errors["method"] = 'Use "bradley_terry" or "ranked_pairs".'
        if not 0.0 <= self.min_agreement <= 1.0:
            errors["min_agreement"] = "Must be between 0 and 1."
        elif self.pairs == "per_rater" and self.min_agreement:
            errors["min_agreement"] = "Applies to consensus pairs only."
        if self.min_raters is not None and not 1 <= self.min_raters <= 50:
            errors["min_raters"] = "Must be between 1 and 50."
        if self.rater_ids is not None and not self.rater_ids:
            errors["rater_ids"] = "Name at least one annotator, or leave it out."
        if self.pairs == "consensus":
            for name in ("rater_ids", "include_imported", "include_gold"):
                if getattr(self, name):
                    errors[name] = "Applies to per-rater pairs only."
        if errors:
            raise ValidationError({k: [v] for k, v in errors.items()})

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def split_validate(split: dict[str, float]) -> dict[str, float]:
    if not isinstance(split, dict) or set(split) != set(SPLITS):
        raise ValidationError({"split": ["Give exactly train, validation and test shares."]})
    if any(not isinstance(v, (int, float)) or v < 0 for v in split.values()):
        raise ValidationError({"split": ["Shares must be numbers of at least 0."]})
    if abs(sum(split.values()) - 1.0) > 1e-6:
        raise ValidationError({"split": ["Shares must add up to 1."]})
    return {name: float(split[name]) for name in SPLITS}


def dataset_version_create(
    *,
    project: Project,
    rule: Rule,
    name: str = "",
    seed: int = 0,
    split: dict[str, float] | None = None,
    created_by: User | None = None,
) -> DatasetVersion:
    """Freeze the project's current pairs under ``rule`` into a new ready version."""
    rule.validate()
    shares = split_validate(DEFAULT_SPLIT if split is None else split)
    pairs_expand(project_id=project.pk)
    if rule.pairs == "consensus":
        consensus_update(project_id=project.pk, method=rule.method, min_raters=rule.min_raters)
    with transaction.atomic():
        # The project row lock serialises version numbering.
        Project.objects.select_for_update().get(pk=project.pk)
        latest = DatasetVersion.objects.filter(project=project).aggregate(n=Max("number"))["n"]
        version = DatasetVersion.objects.create(
            project=project,
            number=(latest or 0) + 1,
            name=name,
            rule=rule.as_json(),
            seed=seed,
            split=shares,
            created_by=created_by,
        )
        params = _params(project, rule, version, seed, shares)
        with connection.cursor() as cursor:
            if rule.pairs == "consensus":
                cursor.execute(_CONSENSUS_PAIRS, params)
                cursor.execute(_CONSENSUS_LINEAGE, params)
            else:
                cursor.execute(_PER_RATER_PAIRS, params)
                cursor.execute(_PER_RATER_LINEAGE, params)
            version.counts = _counts(cursor, version.pk)
            version.content_hash = _content_hash(cursor, version.pk)
        version.status = DatasetVersion.Status.READY
        version.save(update_fields=["counts", "content_hash", "status"])
    return version


def _params(
    project: Project, rule: Rule, version: DatasetVersion, seed: int, shares: dict[str, float]
) -> dict[str, Any]:
    return {
        "project": project.pk,
        "version": version.pk,
        "seed": str(seed),
        "train": shares["train"],
        "train_validation": shares["train"] + shares["validation"],
        "method": rule.method,
        "min_raters": rule.min_raters
        if rule.min_raters is not None
        else (project.raters_per_item if rule.pairs == "consensus" else 1),
        "min_agreement": rule.min_agreement,
        "rater_ids": rule.rater_ids,
        "include_imported": rule.include_imported,
        "include_gold": rule.include_gold,
    }


_R, _RP, _PC = Ranking._meta.db_table, RankingPair._meta.db_table, PromptConsensus._meta.db_table
_DP, _DR = DatasetPair._meta.db_table, DatasetRanking._meta.db_table
_C = Completion._meta.db_table

# A prompt's place in [0, 1), from md5(seed:prompt_id): the split depends on nothing else,
# so it is reproducible and all of a prompt's pairs land in one split.
_SPLIT = """CASE
    WHEN h.u < %(train)s THEN 'train'
    WHEN h.u < %(train_validation)s THEN 'validation'
    ELSE 'test' END"""
_UNIT = """CROSS JOIN LATERAL (SELECT
    ('x' || lpad(substr(md5(%(seed)s || ':' || {prompt}::text), 1, 8), 16, '0'))::bit(64)::bigint
    / 4294967296.0 AS u) h"""

# The rankings a per-rater version draws on, with how many the prompt has.
_PER_RATER_RANKINGS = f"""
    SELECT r.id, r.prompt_id, r.expanded_revision, count(*) OVER (PARTITION BY r.prompt_id) AS n
    FROM {_R} r
    WHERE r.project_id = %(project)s AND r.kind = 'ranked'
      AND (%(include_gold)s OR NOT r.is_gold)
      AND CASE WHEN r.annotator_id IS NULL THEN %(include_imported)s
               ELSE (%(rater_ids)s::bigint[] IS NULL OR r.annotator_id = ANY(%(rater_ids)s))
          END"""

_PER_RATER_PAIRS = f"""
    INSERT INTO {_DP} (version_id, prompt_id, chosen_id, rejected_id, weight, split, ranking_id)
    SELECT %(version)s, rp.prompt_id, rp.chosen_id, rp.rejected_id, 1.0, {_SPLIT}, rp.ranking_id
    FROM ({_PER_RATER_RANKINGS}) rk
    JOIN {_RP} rp ON rp.ranking_id = rk.id
    {_UNIT.format(prompt="rk.prompt_id")}
    WHERE rk.n >= %(min_raters)s"""

_PER_RATER_LINEAGE = f"""
    INSERT INTO {_DR} (version_id, ranking_id, revision)
    SELECT %(version)s, r.id, r.expanded_revision FROM {_R} r
    WHERE r.id IN (SELECT DISTINCT ranking_id FROM {_DP} WHERE version_id = %(version)s)"""

# The consensus is made of these rankings (consensus_store.RATER_RANKINGS).
_CONSENSUS_RANKINGS = f"""
    SELECT r.id, r.prompt_id, r.expanded_revision FROM {_R} r
    JOIN {_PC} pc ON pc.prompt_id = r.prompt_id
    WHERE r.project_id = %(project)s AND r.kind = 'ranked' AND r.annotator_id IS NOT NULL
      AND NOT r.is_gold AND pc.method = %(method)s AND pc.raters >= %(min_raters)s"""

# Every pair the consensus tiers order, and how the prompt's raters voted on it: a rater
# who ordered neither way tied it (every ranking orders all of a prompt's completions).
# cp and votes are materialised so that they meet in one hash join: left inline, the planner
# underestimates the jsonb expansion and re-sorts the votes once per consensus pair.
_CONSENSUS_PAIRS = f"""
    INSERT INTO {_DP} (version_id, prompt_id, chosen_id, rejected_id, weight, margin, split)
    WITH rk AS ({_CONSENSUS_RANKINGS}),
    raters AS (SELECT prompt_id, count(*) AS n FROM rk GROUP BY prompt_id),
    votes AS MATERIALIZED (
        SELECT rp.chosen_id, rp.rejected_id, count(*) AS n
        FROM rk JOIN {_RP} rp ON rp.ranking_id = rk.id GROUP BY 1, 2
    ),
    cp AS MATERIALIZED (
        SELECT pc.prompt_id, w.cid::bigint AS chosen, l.cid::bigint AS rejected,
               (pc.strengths ->> w.cid)::float - (pc.strengths ->> l.cid)::float AS margin
        FROM {_PC} pc
        CROSS JOIN LATERAL jsonb_array_elements(pc.tiers) WITH ORDINALITY AS tw(tier, wi)
        CROSS JOIN LATERAL jsonb_array_elements_text(tw.tier) AS w(cid)
        CROSS JOIN LATERAL jsonb_array_elements(pc.tiers) WITH ORDINALITY AS tl(tier, li)
        CROSS JOIN LATERAL jsonb_array_elements_text(tl.tier) AS l(cid)
        WHERE tw.wi < tl.li AND pc.project_id = %(project)s
    ),
    weighted AS (
        SELECT cp.*, (coalesce(a.n, 0) + 0.5 * (raters.n - coalesce(a.n, 0) - coalesce(d.n, 0)))
                     / raters.n AS weight
        FROM cp JOIN raters ON raters.prompt_id = cp.prompt_id
        LEFT JOIN votes a ON a.chosen_id = cp.chosen AND a.rejected_id = cp.rejected
        LEFT JOIN votes d ON d.chosen_id = cp.rejected AND d.rejected_id = cp.chosen
    )
    SELECT %(version)s, x.prompt_id, x.chosen, x.rejected, x.weight, x.margin, {_SPLIT}
    FROM weighted x {_UNIT.format(prompt="x.prompt_id")}
    WHERE x.weight >= %(min_agreement)s - 1e-9"""

_CONSENSUS_LINEAGE = f"""
    INSERT INTO {_DR} (version_id, ranking_id, revision)
    SELECT %(version)s, rk.id, rk.expanded_revision FROM ({_CONSENSUS_RANKINGS}) rk
    WHERE rk.prompt_id IN (SELECT DISTINCT prompt_id FROM {_DP} WHERE version_id = %(version)s)"""


def _counts(cursor: Any, version_id: int) -> dict[str, Any]:
    cursor.execute(
        f"""SELECT split, count(*), count(DISTINCT prompt_id) FROM {_DP}
            WHERE version_id = %s GROUP BY split""",
        [version_id],
    )
    by_split = {split: {"pairs": 0, "prompts": 0} for split in SPLITS}
    for split, pairs, prompts in cursor.fetchall():
        by_split[split] = {"pairs": pairs, "prompts": prompts}
    cursor.execute(f"SELECT count(*) FROM {_DR} WHERE version_id = %s", [version_id])
    return {
        "pairs": sum(s["pairs"] for s in by_split.values()),
        # Splits are prompt-disjoint, so their prompt counts add up.
        "prompts": sum(s["prompts"] for s in by_split.values()),
        "rankings": cursor.fetchone()[0],
        "splits": by_split,
    }


def _content_hash(cursor: Any, version_id: int) -> str:
    cursor.execute(
        f"""SELECT encode(sha256(convert_to(coalesce(string_agg(
                prompt_id || ':' || chosen_id || ':' || rejected_id || ':'
                || round(weight::numeric, 6) || ':' || split, E'\\n'
                ORDER BY prompt_id, chosen_id, rejected_id, weight, split), ''), 'UTF8')), 'hex')
            FROM {_DP} WHERE version_id = %s""",
        [version_id],
    )
    return str(cursor.fetchone()[0])
