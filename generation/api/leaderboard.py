"""The model leaderboard: generators (and imported models) ranked by the human rankings."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from generation.engine.leaderboard import Board
from generation.selectors import leaderboard_compute
from projects.permissions import IsProjectResearcher, ProjectScoped

MAX_RESAMPLES = 1000


class LeaderboardQuery(serializers.Serializer):
    category = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="An item metadata key."
    )
    resamples = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_RESAMPLES, help_text="Bootstrap resamples (200)."
    )


class StandingOutput(serializers.Serializer):
    model = serializers.CharField()
    rating = serializers.FloatField(help_text="Elo-like: 1000 + 400·log10(BT strength).")
    lower = serializers.FloatField(help_text="2.5th percentile over prompt resamples.")
    upper = serializers.FloatField(help_text="97.5th percentile over prompt resamples.")
    wins = serializers.FloatField(help_text="Games won, ties counting half.")
    games = serializers.IntegerField()


class BoardOutput(serializers.Serializer):
    standings = StandingOutput(many=True)
    win_rate = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True)),
        help_text="[i][j]: the share of model i's games against model j that i won "
        "(models in the order of `models`); null where they never met.",
    )
    games_between = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField())
    )
    prompts = serializers.IntegerField()
    games = serializers.IntegerField()


class CategoryOutput(BoardOutput):
    value = serializers.CharField()


@extend_schema_serializer(component_name="Leaderboard")
class LeaderboardOutput(BoardOutput):
    models = serializers.ListField(child=serializers.CharField())
    category = serializers.CharField()
    categories = CategoryOutput(many=True)


def _board(models: list[str], board: Board) -> dict[str, Any]:
    return {
        "standings": [
            {
                "model": models[s.model],
                "rating": round(s.rating, 1),
                "lower": round(s.lower, 1),
                "upper": round(s.upper, 1),
                "wins": s.wins,
                "games": s.games,
            }
            for s in board.standings
        ],
        "win_rate": board.win_rate,
        "games_between": board.games_between,
        "prompts": board.prompts,
        "games": board.games,
    }


class LeaderboardView(ProjectScoped, APIView):
    """Bradley-Terry over the models of the project's completions from every ranking, with
    bootstrap intervals (prompts resampled), the win-rate matrix and, given ``category``
    (a key of the items' metadata), the same per value of it."""

    permission_classes = [IsProjectResearcher]

    @extend_schema(
        parameters=[LeaderboardQuery],
        responses=LeaderboardOutput,
    )
    def get(self, request: Request, project_id: int) -> Response:
        query = LeaderboardQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = leaderboard_compute(
            project=self.project,
            category=query.validated_data.get("category", ""),
            resamples=query.validated_data.get("resamples", 200),
        )
        body = _board(found.models, found.board) | {
            "models": found.models,
            "category": found.category,
            "categories": [
                _board(models, board) | {"value": value}
                for value, (models, board) in found.categories.items()
            ],
        }
        return Response(body)
