"""The model leaderboard: Bradley-Terry maths on their own, then over imported AlpacaEval
completions (4 real models) ranked by simulated annotators of known preferences."""

from __future__ import annotations

import gzip
import io
import math
from itertools import islice

import numpy as np
import pytest

from annotation.models import Ranking
from annotation.services.imports import items_import
from generation.engine.leaderboard import Game, board_compute, bt_fit, ranking_games
from projects.models import Role
from tests.factories import MembershipFactory
from tests.shared_data import ALPACA_K4


def test_three_wins_in_four_put_a_model_400_log10_3_points_ahead():
    logs = bt_fit(np.array([[0.0, 3.0], [1.0, 0.0]]), prior=0.0)
    assert (logs[0] - logs[1]) * 400 / math.log(10) == pytest.approx(400 * math.log10(3))


def test_a_tie_counts_half_a_win_each():
    games = [Game(0, 0, 1, 0.5), Game(1, 0, 1, 1.0)]
    board = board_compute(games, 2, resamples=0)
    assert [(s.model, s.wins, s.games) for s in board.standings] == [(0, 1.5, 2), (1, 0.5, 2)]
    assert board.win_rate[0][1] == pytest.approx(0.75)


def test_a_model_that_never_lost_gets_a_finite_rating():
    board = board_compute([Game(p, 0, 1, 1.0) for p in range(5)], 2, resamples=20)
    assert all(math.isfinite(s.rating) for s in board.standings)
    assert board.standings[0].model == 0


def test_intervals_hold_the_estimate_and_narrow_with_more_prompts():
    rng = np.random.default_rng(1)

    def games(prompts: int) -> list[Game]:
        return [Game(p, 0, 1, float(rng.random() < 0.7)) for p in range(prompts)]

    small = board_compute(games(40), 2, resamples=200).standings[0]
    large = board_compute(games(800), 2, resamples=200).standings[0]
    assert small.lower <= small.rating <= small.upper
    assert large.upper - large.lower < small.upper - small.lower


def test_a_ranking_plays_every_pair_of_models_once_and_skips_a_model_against_itself():
    # Completions 1 (model 0) > 2 and 3 tied (models 1 and 0).
    games = ranking_games(7, [[1], [2, 3]], {1: 0, 2: 1, 3: 0})
    assert games == [Game(7, 0, 1, 1.0), Game(7, 1, 0, 0.5)]


# --- over imported completions ----------------------------------------------------------

STRENGTH = {"gpt4_1106_preview": 2.0, "claude-2": 1.0, "vicuna-7b": 0.0, "falcon-7b-instruct": -1.5}


def _alpaca(count: int) -> bytes:
    with gzip.open(ALPACA_K4, "rt") as lines:
        return "".join(islice(lines, count)).encode()


def _plackett_luce(rng: np.random.Generator, completions: list[tuple[int, str]]) -> list[list[int]]:
    """A ranking drawn best first, each pick in proportion to exp(strength)."""
    left = list(completions)
    tiers = []
    while left:
        weights = np.exp([STRENGTH[model] for _, model in left])
        pick = rng.choice(len(left), p=weights / weights.sum())
        tiers.append([left.pop(pick)[0]])
    return tiers


@pytest.mark.django_db
def test_the_leaderboard_ranks_imported_models_by_the_rankings(project, client_for, member):
    report = items_import(project=project, file=io.BytesIO(_alpaca(150)), file_name="a.jsonl")
    assert report.created == 150
    raters = [MembershipFactory(project=project, role=Role.ANNOTATOR).user for _ in range(2)]
    rng = np.random.default_rng(0)
    rankings = []
    for prompt in project.prompts.prefetch_related("completions"):
        pairs = [(c.pk, c.model_name) for c in prompt.completions.all()]
        for rater in raters:
            tiers = _plackett_luce(rng, pairs)
            rankings.append(Ranking(project=project, prompt=prompt, annotator=rater, tiers=tiers))
    Ranking.objects.bulk_create(rankings)

    client = client_for(member(Role.RESEARCHER))
    response = client.get(f"/api/v1/projects/{project.pk}/leaderboard/?category=source")
    assert response.status_code == 200, response.json()
    body = response.json()
    order = [row["model"] for row in body["standings"]]
    assert order == sorted(STRENGTH, key=lambda m: -STRENGTH[m])
    assert all(r["lower"] <= r["rating"] <= r["upper"] for r in body["standings"])
    assert (body["prompts"], body["games"]) == (150, 150 * 2 * 6)
    best, worst = body["models"].index(order[0]), body["models"].index(order[-1])
    assert body["win_rate"][best][worst] > 0.8
    assert {c["value"] for c in body["categories"]} >= {"helpful_base"}
    assert sum(c["prompts"] for c in body["categories"]) == 150


@pytest.mark.django_db
def test_a_project_without_rankings_has_an_empty_leaderboard(project, client_for, member):
    response = client_for(member(Role.RESEARCHER)).get(
        f"/api/v1/projects/{project.pk}/leaderboard/"
    )
    assert response.status_code == 200
    assert (response.json()["games"], response.json()["standings"]) == (0, [])
