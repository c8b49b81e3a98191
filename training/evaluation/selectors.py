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

from projects.models import Project
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
    pairs: dict[str, tuple[VersionResult, Evaluation, Evaluation]] = {}
    for result in results:
        mine = done.get(result.model.pk)
        result.baseline = _baseline(result.model, models, done) if mine else None
        if mine is not None and result.baseline is not None:
            base = done[result.baseline.pk]
            pairs[_key(base, mine)] = (result, base, mine)
    cached = cache.get_many(list(pairs)) if pairs else {}
    missing = {key: found for key, found in pairs.items() if key not in cached}
    if missing:
        cached |= _comparisons(evaluation_set, list(missing.values()))
        cache.set_many({key: cached[key] for key in missing}, CACHE_SECONDS)
    for key, (result, _, _) in pairs.items():
        result.comparisons = cached[key]
    return results


def _baseline(
    model: ModelVersion, models: list[ModelVersion], done: dict[int, Evaluation]
) -> ModelVersion | None:
    active = next((m for m in models if m.is_active), None)
    if active is not None and active.pk != model.pk and active.pk in done:
        return active
    earlier = [m for m in models if m.number < model.number and m.pk in done]
    return max(earlier, key=lambda m: m.number) if earlier else None


def _key(base: Evaluation, candidate: Evaluation) -> str:
    """Both results are final once succeeded; their end times tell a re-run apart."""
    ends = f"{base.finished_at:%Y%m%d%H%M%S%f}:{candidate.finished_at:%Y%m%d%H%M%S%f}"
    return f"evaluation-comparison:{base.pk}:{candidate.pk}:{ends}"


def _comparisons(
    evaluation_set: EvaluationSet, pairs: list[tuple[VersionResult, Evaluation, Evaluation]]
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The comparisons not cached: the set's items and the rewards needed, a query each."""
    items = list(
        EvaluationItem.objects.filter(evaluation_set=evaluation_set)
        .order_by("position")
        .values_list("tiers", "category")
    )
    needed = {e.pk for _, base, mine in pairs for e in (base, mine)}
    rewards = dict(Evaluation.objects.filter(pk__in=needed).values_list("pk", "rewards"))
    out = {}
    for _, base, mine in pairs:
        differences = set_differences(
            _scored(items, rewards[base.pk]), _scored(items, rewards[mine.pk])
        )
        out[_key(base, mine)] = {
            scope: [d.as_dict() for d in found] for scope, found in differences.items()
        }
    return out


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
