"""Reads of evaluation results: every model version of a project on a set, each compared
with its baseline, regressions flagged (see ``training.evaluation.regression``).

A version's **baseline** on a set is the project's active model when that is another
version evaluated on the set; otherwise the newest earlier version evaluated on it. The
promotion gate uses the same rule, so the page shows exactly what a promotion would meet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet

from annotation.models import Project
from training.evaluation.metrics import ScoredItem
from training.evaluation.regression import set_differences
from training.models import Evaluation, EvaluationItem, EvaluationSet, ModelVersion

CACHE_SECONDS = 7 * 24 * 3600  # both sides' results never change: only eviction matters


@dataclass
class VersionResult:
    model: ModelVersion
    evaluation: Evaluation | None
    baseline: ModelVersion | None = None
    comparisons: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def regressions(self) -> list[dict[str, Any]]:
        """The flagged differences, each with its scope (``overall`` or a category)."""
        return [
            {"scope": scope, **difference}
            for scope, differences in self.comparisons.items()
            for difference in differences
            if difference["regression"]
        ]


def evaluation_sets_of(*, project: Project) -> QuerySet[EvaluationSet]:
    return EvaluationSet.objects.filter(project=project).select_related("created_by")


def set_results(*, evaluation_set: EvaluationSet) -> list[VersionResult]:
    """Every model version of the set's project, newest first, with its evaluation on the
    set (``None`` when it has none yet) and its comparison with its baseline."""
    models = list(ModelVersion.objects.filter(project_id=evaluation_set.project_id))
    evaluations = {
        e.model_version_id: e
        for e in Evaluation.objects.filter(evaluation_set=evaluation_set).defer("rewards")
    }
    results = [VersionResult(model, evaluations.get(model.pk)) for model in models]
    done = {pk: e for pk, e in evaluations.items() if e.status == Evaluation.Status.SUCCEEDED}
    items: list[tuple[list[list[int]], str]] | None = None
    for result in results:
        mine = done.get(result.model.pk)
        baseline = _baseline(result.model, models, done) if mine else None
        if mine is None or baseline is None:
            continue
        result.baseline = baseline
        if items is None:
            items = list(
                EvaluationItem.objects.filter(evaluation_set=evaluation_set)
                .order_by("position")
                .values_list("tiers", "category")
            )
        result.comparisons = _comparison(done[baseline.pk], mine, items)
    return results


def _baseline(
    model: ModelVersion, models: list[ModelVersion], done: dict[int, Evaluation]
) -> ModelVersion | None:
    active = next((m for m in models if m.is_active), None)
    if active is not None and active.pk != model.pk and active.pk in done:
        return active
    earlier = [m for m in models if m.number < model.number and m.pk in done]
    return max(earlier, key=lambda m: m.number) if earlier else None


def _comparison(
    base: Evaluation, candidate: Evaluation, items: list[tuple[list[list[int]], str]]
) -> dict[str, list[dict[str, Any]]]:
    key = (
        f"evaluation-comparison:{base.pk}:{base.finished_at}:{candidate.pk}:{candidate.finished_at}"
    ).replace(" ", "_")
    found = cache.get(key)
    if found is None:
        rewards = dict(
            Evaluation.objects.filter(pk__in=[base.pk, candidate.pk]).values_list("pk", "rewards")
        )
        differences = set_differences(
            _scored(items, rewards[base.pk]), _scored(items, rewards[candidate.pk])
        )
        found = {
            scope: [d.as_dict() for d in found_here] for scope, found_here in differences.items()
        }
        cache.set(key, found, CACHE_SECONDS)
    return found


def _scored(
    items: list[tuple[list[list[int]], str]], rewards: list[list[float]]
) -> list[ScoredItem]:
    return [
        ScoredItem(item_rewards, tiers, [], category)
        for (tiers, category), item_rewards in zip(items, rewards, strict=True)
    ]


def model_results(*, model: ModelVersion) -> dict[int, VersionResult]:
    """The model's result on every set of its project, by set id."""
    out = {}
    for evaluation_set in EvaluationSet.objects.filter(project_id=model.project_id):
        found = set_results(evaluation_set=evaluation_set)
        out[evaluation_set.pk] = next(r for r in found if r.model.pk == model.pk)
    return out
