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
from dataset_versions.services import dataset_sql
from dataset_versions.tasks import BUILD_TIME_LIMIT
from preferences.models import RankingExpansion, RankingPair
from preferences.services.consensus_store import consensus_update
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
    statement = (
        dataset_sql.CONSENSUS_PREVIEW
        if rule.pairs == "consensus"
        else dataset_sql.PER_RATER_PREVIEW
    )
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
        statement = (
            dataset_sql.CONSENSUS_VERSION
            if rule.pairs == "consensus"
            else dataset_sql.PER_RATER_VERSION
        )
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
