"""The annotator's way back (their history, and one item of it reopened with their ranking)
and their workspace preferences."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from annotation.api.annotate import CompletionOutput, PromptOutput
from annotation.models import Ranking
from annotation.selectors import annotator_history, annotator_preferences, annotator_ranked_item
from annotation.services.preferences import preferences_update
from config.fields import StrictBooleanField
from config.schema import schema_keywords
from projects.permissions import IsProjectAnnotator, ProjectScoped


def _user_id(request: Request) -> int:
    # The views' permissions let only signed-in users through.
    return int(request.user.pk)  # type: ignore[arg-type]


@extend_schema_serializer(component_name="HistoryEntry")
class HistoryEntryOutput(serializers.Serializer):
    ranking_id = serializers.IntegerField(source="id")
    prompt_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Ranking.Kind.choices)
    revision = serializers.IntegerField(help_text="1, then one more for each revision.")
    skip_reason = serializers.CharField()
    flag_reason = serializers.CharField(help_text="Blank, or one of the flag reasons.")
    excerpt = serializers.SerializerMethodField(
        help_text="The start of the prompt (of its last message, for chats), on one line."
    )
    created_at = serializers.DateTimeField(help_text="When I first ranked, skipped or flagged it.")
    updated_at = serializers.DateTimeField()

    def get_excerpt(self, ranking: Ranking) -> str:
        return " ".join(ranking.excerpt.split())  # type: ignore[attr-defined]


class HistoryView(ProjectScoped, generics.ListAPIView):
    """My own rankings, skips and flags in this project, newest first (paged)."""

    permission_classes = [IsProjectAnnotator]
    serializer_class = HistoryEntryOutput

    def get_queryset(self) -> QuerySet[Ranking]:
        return annotator_history(project_id=self.project.pk, annotator_id=_user_id(self.request))


@extend_schema_serializer(component_name="HistoryRanking")
class HistoryRankingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Ranking.Kind.choices)
    tiers = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        allow_null=True,
        help_text="Completion ids, best tier first (null for a skip or a flag).",
    )
    revision = serializers.IntegerField()
    skip_reason = serializers.CharField()
    flag_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="HistoryItem")
class HistoryItemOutput(serializers.Serializer):
    """An item I ranked, skipped or flagged, as I saw it, with what I did."""

    prompt = PromptOutput()
    completions = CompletionOutput(many=True, help_text="In the order I was shown them.")
    ranking = HistoryRankingOutput()
    can_revise = serializers.BooleanField(
        help_text="A ranking or a skip, in a project whose rankings are not locked: "
        "POST …/rankings/ with this prompt revises it (a skip becomes a ranking while the "
        "item still needs raters)."
    )


class HistoryItemView(ProjectScoped, APIView):
    permission_classes = [IsProjectAnnotator]

    @extend_schema(responses=HistoryItemOutput)
    def get(self, request: Request, project_id: int, prompt_id: int) -> Response:
        item = annotator_ranked_item(
            project_id=self.project.pk, annotator_id=_user_id(request), prompt_id=prompt_id
        )
        if item is None:
            raise Http404
        ranking = item.ranking
        data = {
            "prompt": ranking.prompt,
            "completions": item.completions,
            "ranking": ranking,
            "can_revise": not self.project.rankings_locked and ranking.kind != Ranking.Kind.FLAGGED,
        }
        return Response(HistoryItemOutput(data).data)


@extend_schema_serializer(component_name="Preferences")
class PreferencesOutput(serializers.Serializer):
    advance_after_rank = serializers.BooleanField(
        help_text="After a number key places a card in a rank, move focus to the next card."
    )


@extend_schema_serializer(
    component_name="PreferencesUpdate",
    extensions=schema_keywords(additionalProperties=False, minProperties=1),
)
class PreferencesInput(serializers.Serializer):
    advance_after_rank = StrictBooleanField(
        required=False,
        help_text="After a number key places a card in a rank, move focus to the next card.",
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["No such preference."] for name in unknown}
                )
            if not data:
                raise serializers.ValidationError(
                    {api_settings.NON_FIELD_ERRORS_KEY: ["Give at least one preference to change."]}
                )
        return super().to_internal_value(data)


class PreferencesView(APIView):
    """My workspace preferences, the same in every browser I sign in from."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PreferencesOutput)
    def get(self, request: Request) -> Response:
        preferences = annotator_preferences(user=request.user)  # type: ignore[arg-type]
        return Response(PreferencesOutput(preferences).data)

    @extend_schema(request=PreferencesInput, responses=PreferencesOutput)
    def patch(self, request: Request) -> Response:
        data = PreferencesInput(data=request.data)
        data.is_valid(raise_exception=True)
        preferences = preferences_update(user=request.user, **data.validated_data)  # type: ignore[arg-type]
        return Response(PreferencesOutput(preferences).data)
