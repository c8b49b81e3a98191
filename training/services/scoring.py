"""Scoring completions with a registered model (the scoring API and best-of-n reranking).

A loaded model is kept per process (a few, least recently used first out), so repeated
requests pay for the forward pass only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from projects.models import Project
from training.engine import RewardScorer
from training.models import ModelVersion
from training.services.registry import model_local_dir

_loaded: OrderedDict[int, RewardScorer] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class Score:
    index: int
    reward: float
    normalized: float
    rank: int


def scorer_for(model: ModelVersion) -> RewardScorer:
    with _lock:
        if model.pk in _loaded:
            _loaded.move_to_end(model.pk)
            return _loaded[model.pk]
        scorer = RewardScorer(model_local_dir(model), device=settings.TRAINING_SCORING_DEVICE)
        _loaded[model.pk] = scorer
        while len(_loaded) > settings.TRAINING_SCORERS_PER_PROCESS:
            _loaded.popitem(last=False)
        return scorer


def model_for_scoring(*, project: Project, model_id: int | None) -> ModelVersion:
    models = ModelVersion.objects.filter(project=project)
    model = (
        models.filter(pk=model_id).first() if model_id else models.filter(is_active=True).first()
    )
    if model is None:
        field = "model" if model_id else "project"
        raise ValidationError(
            {field: ["No such model in this project." if model_id else "No active model yet."]}
        )
    return model


def completions_score(*, model: ModelVersion, prompt: str, completions: list[str]) -> list[Score]:
    """Rewards of each completion, raw and normalised by the model's reward statistics,
    with their rank (1 = best)."""
    scorer = scorer_for(model)
    with _lock:  # one forward pass at a time per process: torch uses every core already
        rewards = scorer.score(prompt, completions)
    order = sorted(range(len(rewards)), key=lambda i: -rewards[i])
    rank = {index: position + 1 for position, index in enumerate(order)}
    std = model.reward_std or 1.0
    return [
        Score(i, reward, (reward - model.reward_mean) / std, rank[i])
        for i, reward in enumerate(rewards)
    ]
