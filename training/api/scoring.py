"""Scoring completions with a project's model (the active one unless named)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.fields import StrictCharField, StrictIntegerField
from projects.permissions import IsProjectResearcher, ProjectScoped
from training.services import scoring


@extend_schema_serializer(component_name="ScoreRequest")
class ScoreInput(serializers.Serializer):
    prompt = StrictCharField(max_length=100_000, trim_whitespace=False)
    completions = serializers.ListField(
        child=StrictCharField(max_length=100_000, trim_whitespace=False),
        min_length=1,
        max_length=64,
    )
    model = StrictIntegerField(
        required=False, allow_null=True, help_text="A model id; the active model if left out."
    )


class ScoreItemOutput(serializers.Serializer):
    index = serializers.IntegerField()
    reward = serializers.FloatField()
    normalized = serializers.FloatField()
    rank = serializers.IntegerField()


@extend_schema_serializer(component_name="Scores")
class ScoreOutput(serializers.Serializer):
    model = serializers.IntegerField()
    scores = ScoreItemOutput(many=True)


class ScoreView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(request=ScoreInput, responses=ScoreOutput)
    def post(self, request: Request, project_id: int) -> Response:
        data = ScoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        model = scoring.model_for_scoring(
            project=self.project, model_id=data.validated_data.get("model")
        )
        scores = scoring.completions_score(
            model=model,
            prompt=data.validated_data["prompt"],
            completions=data.validated_data["completions"],
        )
        return Response(ScoreOutput({"model": model.pk, "scores": scores}).data)
