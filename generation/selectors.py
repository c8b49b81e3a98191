"""Reads of the generation side: jobs with their progress, failures, the leaderboard."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from annotation.models import Completion, Ranking
from generation.engine.leaderboard import Board, Game, board_compute, ranking_games
from generation.models import GenerationJob, GenerationSample, Generator
from generation.services.jobs import is_stalled
from projects.models import Project

MAX_FAILURES_LISTED = 50
MAX_CATEGORIES = 20


def generators_of(*, project: Project) -> QuerySet[Generator]:
    return Generator.objects.filter(project=project)


def jobs_of(*, project: Project) -> QuerySet[GenerationJob]:
    return GenerationJob.objects.filter(project=project).select_related("created_by")


def job_eta_seconds(job: GenerationJob) -> float | None:
    """Time left at the pace so far; None until something is done or once it ended."""
    if job.status != GenerationJob.Status.RUNNING or not job.started_at:
        return None
    finished = job.samples_done + job.samples_failed
    if not finished:
        return None
    elapsed = (timezone.now() - job.started_at).total_seconds()
    left = max(job.samples_total - finished, 0)
    return round(elapsed / finished * left, 1)


def job_stalled(job: GenerationJob) -> bool:
    return is_stalled(job)


def job_failures(*, job: GenerationJob) -> list[dict[str, Any]]:
    """The first failed samples: which prompt, which generator, why."""
    rows = (
        GenerationSample.objects.filter(job=job, status=GenerationSample.Status.FAILED)
        .order_by("prompt_id", "generator_id", "sample_index")
        .values(
            "prompt_id", "prompt__external_id", "generator__name", "sample_index", "attempts",
            "error",
        )[:MAX_FAILURES_LISTED]
    )  # fmt: skip
    return [
        {
            "prompt": row["prompt_id"],
            "external_id": row["prompt__external_id"],
            "generator": row["generator__name"],
            "sample_index": row["sample_index"],
            "attempts": row["attempts"],
            "error": row["error"],
        }
        for row in rows
    ]


@dataclass(frozen=True)
class Leaderboard:
    models: list[str]
    board: Board
    category: str
    categories: dict[str, tuple[list[str], Board]]


def _games(
    project: Project, prompt_filter: dict[str, Any] | None = None
) -> tuple[list[str], list[Game], dict[int, Any]]:
    """The games of the project's rankings, the model names, and each prompt's metadata."""
    completions = Completion.objects.filter(prompt__project=project).exclude(model_name="")
    model_of_completion: dict[int, str] = dict(completions.values_list("id", "model_name"))
    models = sorted(set(model_of_completion.values()))
    index = {name: i for i, name in enumerate(models)}
    model_of = {c: index[name] for c, name in model_of_completion.items()}
    rankings = Ranking.objects.filter(
        project=project, kind=Ranking.Kind.RANKED, tiers__isnull=False
    ).values_list("prompt_id", "tiers", "prompt__metadata")
    games: list[Game] = []
    metadata: dict[int, Any] = {}
    for prompt_id, tiers, meta in rankings.iterator(chunk_size=5000):
        metadata[prompt_id] = meta
        games += ranking_games(prompt_id, tiers or [], model_of)
    return models, games, metadata


def leaderboard_compute(
    *, project: Project, category: str = "", resamples: int = 200, seed: int = 0
) -> Leaderboard:
    """Bradley-Terry over the models that wrote the project's completions (generators and
    imported model names alike), from every ranking; split by ``category``, a metadata key."""
    models, games, metadata = _games(project)
    board = board_compute(games, len(models), resamples=resamples, seed=seed)
    split: dict[str, tuple[list[str], Board]] = {}
    if category:
        groups: dict[str, list[Game]] = {}
        for game in games:
            value = (metadata.get(game.prompt) or {}).get(category)
            if value is not None:
                groups.setdefault(str(value), []).append(game)
        largest = sorted(groups, key=lambda v: (-len(groups[v]), v))[:MAX_CATEGORIES]
        for value in sorted(largest):
            split[value] = (
                models,
                board_compute(groups[value], len(models), resamples=resamples, seed=seed),
            )
    return Leaderboard(models, board, category, split)
