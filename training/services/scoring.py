"""Scoring completions with a registered model (the scoring API, best-of-n, RL rewards).

Each process keeps a few loaded models (least recently used first out), each behind a
dynamic batcher (``training.serving.batcher``): concurrent requests for one model share
forward passes. A request names its model when it arrives (the project's active one, or
a pinned version), so a promotion swaps the model for the next requests while the ones
already queued finish on the model they started with; an evicted model's batcher
finishes its queue before it closes.
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
from training.serving.batcher import BatcherClosed, DynamicBatcher, Items

_loaded: OrderedDict[int, DynamicBatcher] = OrderedDict()
_lock = threading.Lock()
_loading: dict[int, threading.Lock] = {}  # one load per model at a time, others wait


class ScoringUnavailable(Exception):
    """The model did not answer in time (overloaded or stuck): the caller may retry."""


@dataclass(frozen=True)
class Score:
    index: int
    reward: float
    normalized: float
    rank: int


def batcher_for(model: ModelVersion) -> DynamicBatcher:
    """The model's batcher, loading the model on first use. Loading takes seconds: it
    happens outside the pool lock, so requests for other models go on meanwhile."""
    with _lock:
        if model.pk in _loaded:
            _loaded.move_to_end(model.pk)
            return _loaded[model.pk]
        loading = _loading.setdefault(model.pk, threading.Lock())
    with loading:
        with _lock:
            if model.pk in _loaded:  # another request loaded it while this one waited
                return _loaded[model.pk]
        batcher = DynamicBatcher(
            _scorer(model),
            max_batch_tokens=settings.TRAINING_SCORING_BATCH_TOKENS,
            max_wait_ms=settings.TRAINING_SCORING_MAX_WAIT_MS,
            name=str(model.pk),
        )
        with _lock:
            _loaded[model.pk] = batcher
            _loading.pop(model.pk, None)
            while len(_loaded) > settings.TRAINING_SCORERS_PER_PROCESS:
                _loaded.popitem(last=False)[1].close()  # finishes what it holds
        return batcher


def _scorer(model: ModelVersion) -> RewardScorer:
    return RewardScorer(
        model_local_dir(model),
        device=settings.TRAINING_SCORING_DEVICE,
        token_budget=settings.TRAINING_SCORING_BATCH_TOKENS,
        precision=settings.TRAINING_SCORING_PRECISION,
        remember_tokens=False,  # a server sees new rollouts all the time: keep no cache
    )


def scorer_for(model: ModelVersion) -> RewardScorer:
    """The loaded engine scorer itself, for offline passes that batch on their own."""
    return batcher_for(model).scorer


def groups_score(*, model: ModelVersion, items: Items) -> list[list[float]]:
    """Raw rewards of each (prompt, completions) group, batched with concurrent callers."""
    for _ in range(3):  # the batcher may be evicted between lookup and submit
        batcher = batcher_for(model)
        try:
            return batcher.score(items, timeout=settings.TRAINING_SCORING_TIMEOUT_SECONDS)
        except BatcherClosed:
            continue
        except TimeoutError as error:
            raise ScoringUnavailable("The model did not answer in time; retry.") from error
    raise ScoringUnavailable("The model was being replaced; retry.")


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


def normalized(model: ModelVersion, reward: float) -> float:
    """A raw reward in units of the model's reward spread on its evaluation data."""
    return (reward - model.reward_mean) / (model.reward_std or 1.0)


def completions_score(*, model: ModelVersion, prompt: str, completions: list[str]) -> list[Score]:
    """Rewards of each completion, raw and normalised by the model's reward statistics,
    with their rank (1 = best)."""
    rewards = groups_score(model=model, items=[(prompt, completions)])[0]
    rank = {index: position + 1 for position, index in enumerate(ranking(rewards))}
    return [Score(i, r, normalized(model, r), rank[i]) for i, r in enumerate(rewards)]


def ranking(rewards: list[float]) -> list[int]:
    """Completion indices best first (best-of-n picks the first); ties keep input order."""
    return sorted(range(len(rewards)), key=lambda i: -rewards[i])
