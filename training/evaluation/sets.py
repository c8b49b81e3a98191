"""Evaluation sets: upload (parsed, hashed, stored item by item), the promotion-gate flag,
and deletion. Every upload schedules its evaluation by every model version of the project."""

from __future__ import annotations

from itertools import islice
from typing import IO

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from config.errors import Conflict
from projects.models import Project
from training.evaluation.formats import SetFile, set_file_read
from training.evaluation.runs import evaluations_schedule
from training.models import EvaluationItem, EvaluationSet, ModelVersion

BATCH_SIZE = 1000


class SetExists(Conflict):
    code = "evaluation_set_exists"

    def __init__(self, existing: EvaluationSet) -> None:
        super().__init__()
        self.message = f"This project already has these items, as the set {existing.name!r}."


def evaluation_set_create(
    *,
    project: Project,
    file: IO[bytes],
    file_name: str,
    name: str,
    category_key: str = "subset",
    gates_promotion: bool = False,
    created_by: User | None = None,
) -> EvaluationSet:
    """Store the file's items as a new set; 400 (``SetInvalid``) naming each bad record,
    409 when the project holds the same items already."""
    parsed = set_file_read(file=file, file_name=file_name, category_key=category_key)
    with transaction.atomic():
        # One upload at a time per project: the name and content checks then hold.
        Project.objects.select_for_update().get(pk=project.pk)
        _unique_check(project=project, name=name, parsed=parsed)
        evaluation_set = EvaluationSet.objects.create(
            project=project,
            name=name,
            file_name=file_name[:255],
            kind=parsed.kind,
            category_key=category_key,
            sha256=parsed.sha256,
            counts=_counts(parsed),
            gates_promotion=gates_promotion,
            created_by=created_by,
        )
        _items_store(evaluation_set, parsed)
        evaluations_schedule(
            model_versions=list(ModelVersion.objects.filter(project=project)),
            evaluation_sets=[evaluation_set],
        )
    return evaluation_set


def _unique_check(*, project: Project, name: str, parsed: SetFile) -> None:
    sets = EvaluationSet.objects.filter(project=project)
    same = sets.filter(sha256=parsed.sha256).first()
    if same is not None:
        raise SetExists(same)
    if sets.filter(name=name).exists():
        raise ValidationError({"name": ["This project already has a set of this name."]})


def _counts(parsed: SetFile) -> dict[str, object]:
    categories: dict[str, int] = {}
    for item in parsed.items:
        if item.category:
            categories[item.category] = categories.get(item.category, 0) + 1
    pairs = sum(
        len(tier) * sum(len(lower) for lower in item.tiers[i + 1 :])
        for item in parsed.items
        for i, tier in enumerate(item.tiers)
    )
    return {
        "items": len(parsed.items),
        "pairs": pairs,
        "categories": dict(sorted(categories.items())),
    }


def _items_store(evaluation_set: EvaluationSet, parsed: SetFile) -> None:
    rows = (
        EvaluationItem(
            evaluation_set=evaluation_set,
            position=position,
            external_id=item.external_id[:255],
            prompt=item.prompt,
            completions=item.completions,
            tiers=item.tiers,
            category=item.category,
        )
        for position, item in enumerate(parsed.items)
    )
    while batch := list(islice(rows, BATCH_SIZE)):
        EvaluationItem.objects.bulk_create(batch)


def evaluation_set_gate(*, evaluation_set: EvaluationSet, gates_promotion: bool) -> EvaluationSet:
    evaluation_set.gates_promotion = gates_promotion
    evaluation_set.save(update_fields=["gates_promotion"])
    return evaluation_set


def evaluation_set_delete(*, evaluation_set: EvaluationSet) -> None:
    """The set, its items and every model's results on it."""
    evaluation_set.delete()
