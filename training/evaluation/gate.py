"""Promotion gated on evaluation sets: a project marks the sets a model must not regress
on (``EvaluationSet.gates_promotion``). Promoting a model that regresses on one of them, or
is not evaluated on it yet, is a 409 naming each failing set and metric, unless a project
admin overrides it; the override is written into the model's decision."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from config.errors import Conflict
from training.evaluation.selectors import VersionResult, set_results
from training.models import Evaluation, EvaluationSet, ModelVersion
from training.services.registry import model_version_promote


class PromotionBlocked(Conflict):
    code = "promotion_blocked"

    def __init__(self, model: ModelVersion, failures: dict[str, list[str]]) -> None:
        super().__init__()
        names = ", ".join(sorted(failures))
        self.message = (
            f"Model {model.number} fails the promotion gate on {names}; an admin may "
            "promote it anyway with override."
        )
        self.fields = failures  # set name -> what fails there


def gating_set_names(*, project_id: int) -> str:
    """The project's gating sets, named for a message ("" when none gates)."""
    names = EvaluationSet.objects.filter(project_id=project_id, gates_promotion=True)
    return ", ".join(names.order_by("name").values_list("name", flat=True))


def promotion_failures(*, model: ModelVersion) -> dict[str, list[str]]:
    """Each gating set the model fails, with why: not evaluated, or its regressions."""
    failures: dict[str, list[str]] = {}
    gating = EvaluationSet.objects.filter(project_id=model.project_id, gates_promotion=True)
    for evaluation_set in gating:
        found = next(r for r in set_results(evaluation_set=evaluation_set) if r.model == model)
        reasons = _reasons(found)
        if reasons:
            failures[evaluation_set.name] = reasons
    return failures


def _reasons(result: VersionResult) -> list[str]:
    evaluation = result.evaluation
    if evaluation is None or evaluation.status != Evaluation.Status.SUCCEEDED:
        state = evaluation.get_status_display().lower() if evaluation else "not scheduled"
        return [f"Not evaluated on this set yet ({state})."]
    assert result.baseline is not None or not result.regressions
    return [
        f"{r['scope']} {r['metric']}: {r['candidate']:.4f} against {r['baseline']:.4f} of model "
        f"{result.baseline.number if result.baseline else '?'} (change {r['delta']:+.4f}, "
        f"{r['level']:.1%} interval {r['low']:+.4f} to {r['high']:+.4f})"
        for r in result.regressions
    ]


def model_promote_gated(
    *, model: ModelVersion, promoted_by: str, override: bool = False, may_override: bool = False
) -> ModelVersion:
    """Promote ``model`` if it passes the gate, or if an admin overrides a failing gate."""
    if override and not may_override:
        raise PermissionDenied("Only a project admin may override the promotion gate.")
    failures = promotion_failures(model=model)
    if failures and not override:
        raise PromotionBlocked(model, failures)
    decision = f"Promoted by {promoted_by}."
    if failures:
        listed = "; ".join(f"{name}: {' / '.join(why)}" for name, why in sorted(failures.items()))
        decision = f"Promoted by {promoted_by}, overriding the evaluation gate ({listed})."
    return model_version_promote(model=model, decision=decision)
