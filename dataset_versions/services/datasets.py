"""Dataset versions: immutable, hashed, prompt-disjoint snapshots of preference pairs.

A version is numbered in status building (``dataset_version_queue``, for the API, which a
worker then builds; ``dataset_version_create`` builds it in the caller) and built in one
transaction: pending rankings are expanded, the consensus is refreshed when the rule uses
it, and one statement writes the version's pairs and its lineage (which ranking, at which
revision, went in) and answers their counts and content hash. The version turns ready in
that same transaction, so a failed or killed build never leaves a ready version with half
its rows. Once ready nothing updates it again: a new rule or new rankings make a new
version. The content hash covers (prompt, chosen, rejected, weight, split) only, so the same
rule over the same data gives the same hash whatever the row ids.

Per-rater pairs keep weight 1.0: each ranking's C(K,2) pairs count as the annotator gave
them, and the trainer's listwise batching already weights a prompt's pairs 1/C(K,2).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass
from dataclasses import fields as dataclass_fields
from datetime import datetime
from itertools import groupby
from typing import Any, Literal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import NotSupportedError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from annotation.models import Ranking
from dataset_versions import tasks
from dataset_versions.models import DatasetPair, DatasetRanking, DatasetVersion
from dataset_versions.tasks import BUILD_TIME_LIMIT
from preferences.models import PromptConsensus, RankingExpansion, RankingPair
from preferences.services.consensus_store import RATER_RANKINGS, consensus_update
from preferences.services.pairs import dataset_job, pairs_expand
from projects.models import Project

SPLITS = ("train", "validation", "test")
DEFAULT_SPLIT = {"train": 0.8, "validation": 0.1, "test": 0.1}
# The longest a build may run: the task's hard time limit. A version still building after
# that, with no build holding it, was abandoned (dataset_versions_fail_stale).


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


RULE_FIELDS = frozenset(field.name for field in dataclass_fields(Rule))


def split_validate(split: dict[str, float]) -> dict[str, float]:
    if not isinstance(split, dict) or set(split) != set(SPLITS):
        raise ValidationError({"split": ["Give exactly train, validation and test shares."]})
    if any(not isinstance(v, (int, float)) or v < 0 for v in split.values()):
        raise ValidationError({"split": ["Shares must be numbers of at least 0."]})
    if abs(sum(split.values()) - 1.0) > 1e-6:
        raise ValidationError({"split": ["Shares must add up to 1."]})
    return {name: float(split[name]) for name in SPLITS}


@dataclass(frozen=True)
class Started:
    """The version a request got, and whether the request made it (or found it building)."""

    version: DatasetVersion
    created: bool


def dataset_version_queue(
    *,
    project: Project,
    rule: Rule,
    name: str = "",
    seed: int = 0,
    split: dict[str, float] | None = None,
    created_by: User | None = None,
) -> Started:
    """Number a new version in status building and have a worker build it once the row is
    committed. The same request while an identical version is still building answers that
    version instead: a double submit builds once."""

    started = _version_start(project, rule, name, seed, split, created_by)
    if started.created:
        version_id = started.version.pk
        transaction.on_commit(lambda: tasks.dataset_version_build.delay(version_id))
    return started


def dataset_version_create(
    *,
    project: Project,
    rule: Rule,
    name: str = "",
    seed: int = 0,
    split: dict[str, float] | None = None,
    created_by: User | None = None,
) -> DatasetVersion:
    """Number and build a version here and now (the CLI, tests, benchmarks); a build that
    raises leaves the version failed with the error, and the error goes on up."""
    version = _version_start(project, rule, name, seed, split, created_by).version
    try:
        return dataset_version_build(version_id=version.pk)
    except Exception as error:
        dataset_version_fail(version_id=version.pk, error=error_text(error))
        raise


def dataset_version_preview(
    *,
    project: Project,
    rule: Rule,
    seed: int = 0,
    split: dict[str, float] | None = None,
) -> dict[str, dict[str, int]]:
    """The pairs and prompts each split of a version with this rule, seed and split would
    hold, counted by the build's own selection and split without writing anything: a
    version with an empty validation split can be seen coming. Rankings made since beat
    last expanded them (``RANKWISE_PIPELINE_EVERY_SECONDS``) are not counted yet, and a
    consensus rule counts the consensus as beat last refreshed it."""
    rule.validate()
    shares = split_validate(DEFAULT_SPLIT if split is None else split)
    version = DatasetVersion(project=project, seed=seed, split=shares)  # never saved
    if connection.vendor != "postgresql":
        return _by_split(_split_counts(_embedded_rows(project, rule, version)))
    statement = _CONSENSUS_PREVIEW if rule.pairs == "consensus" else _PER_RATER_PREVIEW
    with connection.cursor() as cursor:
        cursor.execute(statement, _params(project, rule, version))
        (found_json,) = cursor.fetchone()
    return _by_split(json.loads(found_json) if isinstance(found_json, str) else found_json)


def _version_start(
    project: Project,
    rule: Rule,
    name: str,
    seed: int,
    split: dict[str, float] | None,
    created_by: User | None,
) -> Started:
    rule.validate()
    fields = {
        "name": name,
        "rule": rule.as_json(),
        "seed": seed,
        "split": split_validate(DEFAULT_SPLIT if split is None else split),
    }
    with transaction.atomic():
        # The project row lock serialises numbering, and the duplicate check with it.
        Project.objects.select_for_update().get(pk=project.pk)
        versions = DatasetVersion.objects.filter(project=project)
        for building in versions.filter(status=DatasetVersion.Status.BUILDING):
            if all(getattr(building, key) == value for key, value in fields.items()):
                return Started(building, created=False)
        latest = versions.aggregate(n=Max("number"))["n"]
        version = DatasetVersion.objects.create(
            project=project, number=(latest or 0) + 1, created_by=created_by, **fields
        )
    return Started(version, created=True)


def dataset_version_build(*, version_id: int) -> DatasetVersion:
    """Build a version that is building: expand new rankings, refresh the consensus when
    the rule uses it, then write the version's pairs and lineage, count and hash them and
    mark it ready, all in one transaction. A build that raises or dies writes nothing and
    leaves the version building, never half-written and ready. A version in any other
    status (a redelivered task of a finished build) is returned as it is."""
    with transaction.atomic():
        version = (
            DatasetVersion.objects.select_for_update(of=("self",))
            .select_related("project")
            .get(pk=version_id)
        )
        if version.status != DatasetVersion.Status.BUILDING:
            return version
        project, rule = version.project, Rule(**version.rule)
        # Nothing changes the project's pairs or consensus until this commits.
        dataset_job(project_id=project.pk)
        pairs_expand(project_id=project.pk)
        build = _build if connection.vendor == "postgresql" else _build_embedded
        version.counts, version.content_hash = build(project, rule, version)
        version.status = DatasetVersion.Status.READY
        version.error = ""
        version.save(update_fields=["counts", "content_hash", "status", "error"])
    return version


def dataset_version_fail(*, version_id: int, error: str) -> bool:
    """Mark a building version failed with ``error``; False when it is no longer building."""
    building = DatasetVersion.objects.filter(pk=version_id, status=DatasetVersion.Status.BUILDING)
    return bool(building.update(status=DatasetVersion.Status.FAILED, error=error))


def dataset_versions_fail_stale(*, now: datetime | None = None) -> int:
    """Fail the versions still building after the longest a build may run, that no build
    is working on: their worker was killed or their task was lost. A running build holds
    its version's row lock, which SKIP LOCKED passes by. The number failed."""
    cutoff = (now or timezone.now()) - BUILD_TIME_LIMIT
    minutes = int(BUILD_TIME_LIMIT.total_seconds() // 60)
    with transaction.atomic():
        stale = list(
            DatasetVersion.objects.select_for_update(skip_locked=True)
            .filter(status=DatasetVersion.Status.BUILDING, created_at__lt=cutoff)
            .values_list("pk", flat=True)
        )
        DatasetVersion.objects.filter(pk__in=stale).update(
            status=DatasetVersion.Status.FAILED,
            error=f"The build did not finish within {minutes} minutes (its worker stopped, "
            "or it waited in the queue that long). Create the version again.",
        )
    return len(stale)


def error_text(error: BaseException) -> str:
    """How a build's error reads on its version."""
    return f"{type(error).__name__}: {error}"


def _build(project: Project, rule: Rule, version: DatasetVersion) -> tuple[dict[str, Any], str]:
    """One statement writes the pairs and the lineage and answers counts and hash."""
    if rule.pairs == "consensus":
        consensus_update(project_id=project.pk, method=rule.method, min_raters=rule.min_raters)
    with connection.cursor() as cursor:
        statement = _CONSENSUS_VERSION if rule.pairs == "consensus" else _PER_RATER_VERSION
        cursor.execute(statement, _params(project, rule, version))
        return _summary(cursor.fetchone())


def _build_embedded(
    project: Project, rule: Rule, version: DatasetVersion
) -> tuple[dict[str, Any], str]:
    """The per-rater build for the embedded SQLite database, in Python: the same rows,
    splits and hash as the PostgreSQL statement, for the small projects that mode holds."""
    rows = _embedded_rows(project, rule, version)
    DatasetPair.objects.bulk_create(
        DatasetPair(
            version=version, prompt_id=p, ranking_id=r, chosen_id=c, rejected_id=x, split=split
        )
        for split, p, r, c, x in rows
    )
    used = RankingExpansion.objects.filter(ranking_id__in={row[2] for row in rows})
    DatasetRanking.objects.bulk_create(
        DatasetRanking(version=version, ranking_id=ranking, revision=revision)
        for ranking, revision in used.values_list("ranking_id", "revision")
    )
    text = "\n".join(
        f"{p}:{c}:{x}:{1.0:.6f}:{split}"
        for p, c, x, split in sorted((r[1], r[3], r[4], r[0]) for r in rows)
    )
    return _summary((used.count(), _split_counts(rows), hashlib.sha256(text.encode()).hexdigest()))


def _embedded_rows(
    project: Project, rule: Rule, version: DatasetVersion
) -> list[tuple[str, int, int, int, int]]:
    """(split, prompt, ranking, chosen, rejected) of every pair a per-rater version takes."""
    if rule.pairs == "consensus":
        raise NotSupportedError("Consensus versions are built by PostgreSQL (DATABASE_URL).")
    authors = Q(annotator__isnull=False)
    if rule.rater_ids is not None:
        authors = Q(annotator_id__in=rule.rater_ids)
    if rule.include_imported:
        authors |= Q(annotator__isnull=True)
    rankings = Ranking.objects.filter(authors, project=project, kind=Ranking.Kind.RANKED)
    if not rule.include_gold:
        rankings = rankings.filter(is_gold=False)
    prompt_of = dict(rankings.values_list("id", "prompt_id"))
    raters = Counter(prompt_of.values())
    least = rule.min_raters or 1
    return sorted(
        (_split_of(prompt, version), prompt, ranking, chosen, rejected)
        for ranking, prompt, chosen, rejected in RankingPair.objects.filter(
            ranking__in=rankings
        ).values_list("ranking_id", "prompt_id", "chosen_id", "rejected_id")
        if raters[prompt] >= least
    )


def _split_counts(rows: list[tuple[str, int, int, int, int]]) -> dict[str, list[int]]:
    """{split: [pairs, prompts]} of embedded rows, as the build statement answers it."""
    splits: dict[str, list[int]] = {}
    for split, prompts in groupby(sorted((row[0], row[1]) for row in rows), key=lambda x: x[0]):
        listed = [prompt for _, prompt in prompts]
        splits[split] = [len(listed), len(set(listed))]
    return splits


def _split_of(prompt_id: int, version: DatasetVersion) -> str:
    """_SPLIT's answer for one prompt."""
    digest = hashlib.md5(f"{version.seed}:{prompt_id}".encode()).hexdigest()
    unit = int(digest[:8], 16) / 4294967296.0
    train, validation = version.split["train"], version.split["validation"]
    return "train" if unit < train else "validation" if unit < train + validation else "test"


def _params(project: Project, rule: Rule, version: DatasetVersion) -> dict[str, Any]:
    split = version.split
    return {
        "project": project.pk,
        "version": version.pk,
        "seed": str(version.seed),
        "train": split["train"],
        "train_validation": split["train"] + split["validation"],
        "method": rule.method,
        "min_raters": rule.min_raters
        if rule.min_raters is not None
        else (project.raters_per_item if rule.pairs == "consensus" else 1),
        "min_agreement": rule.min_agreement,
        "rater_ids": rule.rater_ids,
        "include_imported": rule.include_imported,
        "include_gold": rule.include_gold,
    }


def _summary(row: tuple[Any, ...]) -> tuple[dict[str, Any], str]:
    """Counts and content hash from the build statement's one row."""
    rankings, splits, content_hash = row
    by_split = _by_split(json.loads(splits) if isinstance(splits, str) else splits)
    counts = {
        "pairs": sum(s["pairs"] for s in by_split.values()),
        # Splits are prompt-disjoint, so their prompt counts add up.
        "prompts": sum(s["prompts"] for s in by_split.values()),
        "rankings": rankings,
        "splits": by_split,
    }
    return counts, str(content_hash)


def _by_split(found: dict[str, list[int]]) -> dict[str, dict[str, int]]:
    """{split: [pairs, prompts]} as {split: {"pairs", "prompts"}}, every split present."""
    by_split = {name: {"pairs": 0, "prompts": 0} for name in SPLITS}
    for name, (pairs, prompts) in found.items():
        by_split[name] = {"pairs": pairs, "prompts": prompts}
    return by_split


_R, _E, _RP = Ranking._meta.db_table, RankingExpansion._meta.db_table, RankingPair._meta.db_table
_PC, _DP, _DR = (
    PromptConsensus._meta.db_table,
    DatasetPair._meta.db_table,
    DatasetRanking._meta.db_table,
)

# A prompt's place in [0, 1), from md5(seed:prompt_id): the split depends on nothing else,
# so it is reproducible and all of a prompt's pairs land in one split.
_SPLIT = """CASE
    WHEN h.u < %(train)s THEN 'train'
    WHEN h.u < %(train_validation)s THEN 'validation'
    ELSE 'test' END"""
_UNIT = """CROSS JOIN LATERAL (SELECT
    ('x' || lpad(substr(md5(%(seed)s || ':' || {prompt}::text), 1, 8), 16, '0'))::bit(64)::bigint
    / 4294967296.0 AS u) h"""

# What the build statement answers, from its ``pairs`` and ``lineage`` CTEs: the lineage
# size, {split: [pairs, prompts]}, and the content hash over the pairs in a fixed order.
# The pairs CTE's {split: [pairs, prompts]}.
_SPLIT_COUNTS = """(SELECT coalesce(jsonb_object_agg(split, jsonb_build_array(n, prompts)), '{}')
            FROM (SELECT split, count(*) AS n, count(DISTINCT prompt_id) AS prompts
                  FROM pairs GROUP BY split) s)"""
# What the build statement answers, from its ``pairs`` and ``lineage`` CTEs: the lineage
# size, {split: [pairs, prompts]}, and the content hash over the pairs in a fixed order.
_SUMMARY = f"""
    SELECT (SELECT count(*) FROM lineage),
           {_SPLIT_COUNTS},
           (SELECT encode(sha256(convert_to(coalesce(string_agg(
                prompt_id || ':' || chosen_id || ':' || rejected_id || ':'
                || round(weight::numeric, 6) || ':' || split, E'\\n'
                ORDER BY prompt_id, chosen_id, rejected_id, weight, split), ''), 'UTF8')), 'hex')
            FROM pairs)"""

# Per rater: every pair of every ranking that passes the filters, with how many rankings
# the prompt has.
_RATER_RANKINGS = f"""rk AS (
        SELECT r.id, r.prompt_id, count(*) OVER (PARTITION BY r.prompt_id) AS n
        FROM {_R} r
        WHERE r.project_id = %(project)s AND r.kind = 'ranked'
          AND (%(include_gold)s OR NOT r.is_gold)
          AND CASE WHEN r.annotator_id IS NULL THEN %(include_imported)s
                   ELSE (%(rater_ids)s::bigint[] IS NULL OR r.annotator_id = ANY(%(rater_ids)s))
              END
    )"""
_RATER_PAIRS = f"""
            SELECT rp.prompt_id, rp.chosen_id, rp.rejected_id, rp.ranking_id, {_SPLIT} AS split
            FROM rk JOIN {_RP} rp ON rp.ranking_id = rk.id
            {_UNIT.format(prompt="rk.prompt_id")}
            WHERE rk.n >= %(min_raters)s"""
# The rows go in split and prompt order, so the split index only appends and an export of
# one split reads its rows together.
_PER_RATER_VERSION = f"""
    WITH {_RATER_RANKINGS}, pairs AS (
        INSERT INTO {_DP} (version_id, prompt_id, chosen_id, rejected_id, weight, split,
                           ranking_id)
        SELECT %(version)s, x.prompt_id, x.chosen_id, x.rejected_id, 1.0, x.split, x.ranking_id
        FROM ({_RATER_PAIRS}
        ) x
        ORDER BY x.split, x.prompt_id, x.ranking_id, x.chosen_id, x.rejected_id
        RETURNING prompt_id, chosen_id, rejected_id, weight, split, ranking_id
    ), lineage AS (
        INSERT INTO {_DR} (version_id, ranking_id, revision)
        SELECT %(version)s, e.ranking_id, e.revision FROM {_E} e
        WHERE e.ranking_id IN (SELECT ranking_id FROM pairs)
        RETURNING ranking_id
    ){_SUMMARY}"""
_PER_RATER_PREVIEW = f"""
    WITH {_RATER_RANKINGS}, pairs AS ({_RATER_PAIRS}
    ) SELECT {_SPLIT_COUNTS}"""

# By consensus: the pairs the stored consensus orders, weighted by the share of the raters
# who agree, a tie counting half (consensus_update stores the votes with each pair); the
# lineage is the rankings it was made of (consensus_store.RATER_RANKINGS), for every prompt
# with a pair in the version. The split is worked out once per prompt, not once per pair;
# the rows go in unsorted (sorting 600,000 of them cost about as much as it saved).
_CONSENSUS_VOTES = f"""prompts AS MATERIALIZED (
        SELECT pc.prompt_id, pc.pairs, pc.strengths, {_SPLIT} AS split
        FROM {_PC} pc {_UNIT.format(prompt="pc.prompt_id")}
        WHERE pc.project_id = %(project)s AND pc.method = %(method)s
          AND pc.raters >= %(min_raters)s
    ), voted AS (
        SELECT x.prompt_id, x.split, (p.pair ->> 0)::bigint AS chosen,
               (p.pair ->> 1)::bigint AS rejected,
               (x.strengths ->> (p.pair ->> 0))::float - (x.strengths ->> (p.pair ->> 1))::float
                   AS margin,
               (p.pair ->> 2)::float AS agree, (p.pair ->> 3)::float AS disagree,
               (p.pair ->> 4)::float AS tie
        FROM prompts x CROSS JOIN LATERAL jsonb_array_elements(x.pairs) AS p(pair)
    )"""
_CONSENSUS_PAIRS = """
        SELECT v.prompt_id, v.chosen, v.rejected, v.weight, v.margin, v.split
        FROM (
            SELECT voted.*, (agree + 0.5 * tie) / (agree + disagree + tie) AS weight FROM voted
        ) v
        WHERE v.weight >= %(min_agreement)s - 1e-9"""
_CONSENSUS_VERSION = f"""
    WITH {_CONSENSUS_VOTES}, pairs AS (
        INSERT INTO {_DP} (version_id, prompt_id, chosen_id, rejected_id, weight, margin, split)
        SELECT %(version)s, x.* FROM ({_CONSENSUS_PAIRS}
        ) x
        RETURNING prompt_id, chosen_id, rejected_id, weight, split
    ), lineage AS (
        INSERT INTO {_DR} (version_id, ranking_id, revision)
        SELECT %(version)s, r.id, e.revision FROM {_R} r JOIN {_E} e ON e.ranking_id = r.id
        WHERE r.project_id = %(project)s AND {RATER_RANKINGS}
          AND r.prompt_id IN (SELECT prompt_id FROM pairs)
        RETURNING ranking_id
    ){_SUMMARY}"""
_CONSENSUS_PREVIEW = f"""
    WITH {_CONSENSUS_VOTES}, pairs AS ({_CONSENSUS_PAIRS}
    ) SELECT {_SPLIT_COUNTS}"""
