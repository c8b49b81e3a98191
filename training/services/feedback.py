"""The model back in the loop: what the active model says about items humans rank.

- Disputes: consensus pairs that most raters agree on (share ≥ ``agreement``) but the
  model gives at most ``1 - confidence`` probability: a re-review queue.
- Priority: items still needing raters where the model is least sure (two completions
  with nearly equal rewards) get a higher annotation ``priority`` (0-100), so humans
  spend their time where the next reward model learns most.

Both run on a training worker (they need the model) after a model becomes active.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

from django.db import transaction

from annotation.models import Completion, Prompt
from preferences.models import PromptConsensus
from training.models import Dispute, ModelVersion
from training.services.scoring import scorer_for


@dataclass(frozen=True)
class Feedback:
    disputes: int
    prioritised: int


def _texts(prompt_ids: list[int]) -> tuple[dict[int, str], dict[int, list[tuple[int, str]]]]:
    prompts = dict(Prompt.objects.filter(pk__in=prompt_ids).values_list("pk", "text"))
    completions: dict[int, list[tuple[int, str]]] = {}
    rows = Completion.objects.filter(prompt_id__in=prompt_ids).order_by("prompt_id", "position")
    for prompt_id, completion_id, text in rows.values_list("prompt_id", "pk", "text"):
        completions.setdefault(prompt_id, []).append((completion_id, text))
    return prompts, completions


def _rewards(model: ModelVersion, prompt_ids: list[int]) -> dict[int, dict[int, float]]:
    prompts, completions = _texts(prompt_ids)
    ids = [p for p in prompt_ids if p in completions]
    scores = scorer_for(model).score_groups(
        [(prompts[p], [text for _, text in completions[p]]) for p in ids]
    )
    return {
        p: {cid: r for (cid, _), r in zip(completions[p], rewards, strict=True)}
        for p, rewards in zip(ids, scores, strict=True)
    }


def model_feedback_refresh(
    *, model: ModelVersion, limit: int = 2000, agreement: float = 0.75, confidence: float = 0.8
) -> Feedback:
    return Feedback(
        disputes=_disputes_refresh(model, limit, agreement, confidence),
        prioritised=_priority_refresh(model, limit),
    )


def _disputes_refresh(model: ModelVersion, limit: int, agreement: float, confidence: float) -> int:
    consensus = list(
        PromptConsensus.objects.filter(project_id=model.project_id)
        .order_by("-computed_at")
        .values_list("prompt_id", "pairs")[:limit]
    )
    rewards = _rewards(model, [p for p, _ in consensus])
    found = []
    for prompt_id, pairs in consensus:
        scores = rewards.get(prompt_id, {})
        for chosen, rejected, share, _margin in pairs:
            if share < agreement or chosen not in scores or rejected not in scores:
                continue
            probability = 1 / (1 + math.exp(scores[rejected] - scores[chosen]))
            if probability <= 1 - confidence:
                found.append(
                    Dispute(
                        model_version=model,
                        prompt_id=prompt_id,
                        chosen_id=chosen,
                        rejected_id=rejected,
                        human_agreement=share,
                        model_probability=probability,
                    )
                )
    with transaction.atomic():
        Dispute.objects.filter(model_version=model).delete()
        Dispute.objects.bulk_create(found, batch_size=1000)
    return len(found)


def _priority_refresh(model: ModelVersion, limit: int) -> int:
    """Priority 100 for a dead heat between two completions, falling to 0 when the model
    separates every completion with confidence."""
    open_ids = list(
        Prompt.objects.filter(
            project_id=model.project_id,
            is_gold=False,
            claim_count__lt=model.project.raters_per_item,
        )
        .order_by("-claim_count", "-priority", "id")
        .values_list("pk", flat=True)[:limit]
    )
    rewards = _rewards(model, open_ids)
    updates = []
    for prompt_id, scores in rewards.items():
        ordered = sorted(scores.values())
        gap = min((b - a for a, b in pairwise(ordered)), default=math.inf)
        certainty = abs(1 / (1 + math.exp(-gap)) - 0.5) * 2 if math.isfinite(gap) else 1.0
        updates.append(Prompt(pk=prompt_id, priority=round(100 * (1 - certainty))))
    Prompt.objects.bulk_update(updates, ["priority"], batch_size=1000)
    return len(updates)
