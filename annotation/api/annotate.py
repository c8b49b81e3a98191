"""The annotator's loop: next item → rank / skip / flag; plus their own history."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.models import Assignment, Ranking
from annotation.selectors import (
    annotator_progress,
    completions_in_order,
    rankings_visible_to,
    rankings_with_authors,
    review_queue,
)
from annotation.services.queue import assignment_next
from annotation.services.rankings import (
    ItemFull,
    LeaseLost,
    NotAssigned,
    flag_review,
    ranking_pass,
    ranking_submit,
)
from config.fields import StrictCharField, StrictIntegerField, StrictJSONField
from config.schema import conflict_responses
from projects.permissions import (
    IsProjectAdmin,
    IsProjectAnnotator,
    IsProjectResearcher,
    ProjectScoped,
)
from projects.services.projects import ProjectArchived


@extend_schema_serializer(component_name="ItemCompletion")
class CompletionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


@extend_schema_serializer(component_name="ChatMessage")
class MessageOutput(serializers.Serializer):
    role = serializers.CharField()
    content = serializers.CharField()


@extend_schema_serializer(component_name="ItemPrompt")
class PromptOutput(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    messages = MessageOutput(many=True, allow_null=True)


@extend_schema_serializer(component_name="Assignment")
class AssignmentOutput(serializers.Serializer):
    """What the annotator sees: no model names, no gold marker, no other raters."""

    id = serializers.IntegerField()
    expires_at = serializers.DateTimeField()
    prompt = PromptOutput()
    completions = CompletionOutput(many=True)


_datetime = serializers.DateTimeField()


def _assignment_data(assignment: Assignment) -> dict[str, object]:
    # AssignmentOutput's shape, built directly: this answers every "next" request, and
    # instantiating nested serializers costs more than the rest of the view
    # (tests/annotation/test_api_annotate.py holds the two equal).
    prompt = assignment.prompt
    messages = prompt.messages
    return {
        "id": assignment.pk,
        "expires_at": _datetime.to_representation(assignment.expires_at),
        "prompt": {
            "id": prompt.pk,
            "text": prompt.text,
            "messages": None
            if messages is None
            else [{"role": m["role"], "content": m["content"]} for m in messages],
        },
        "completions": [
            {"id": c.pk, "text": c.text} for c in completions_in_order(assignment=assignment)
        ],
    }


@extend_schema_serializer(component_name="NextItem")
class NextInput(serializers.Serializer):
    after = StrictIntegerField(
        required=False,
        allow_null=True,
        help_text="The prompt id on screen: lease the item after it (prefetch).",
    )


class NextItemView(ProjectScoped, APIView):
    permission_classes = [IsProjectAnnotator]

    @extend_schema(
        request=NextInput,
        responses={200: AssignmentOutput, 204: None, **conflict_responses(ProjectArchived)},
    )
    def post(self, request: Request, project_id: int) -> Response:
        data = NextInput(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = assignment_next(
            project=self.project,
            annotator=request.user,  # type: ignore[arg-type]
            after_prompt_id=data.validated_data.get("after"),
        )
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(_assignment_data(assignment))


@extend_schema_field(
    {
        "type": "array",
        "minItems": 1,
        "items": {"type": "array", "minItems": 1, "items": {"type": "integer"}},
    }
)
class TiersField(StrictJSONField):
    """Read as JSON and checked by the ranking service (which names the tier at fault); the
    schema says their shape."""


@extend_schema_serializer(component_name="RankingSubmit")
class RankingInput(serializers.Serializer):
    prompt_id = StrictIntegerField()
    tiers = TiersField(help_text="Completion ids, best tier first: [[3], [1, 4], [2]].")
    display_order = serializers.ListField(
        child=StrictIntegerField(), required=False, allow_null=True, max_length=16
    )
    time_spent_ms = StrictIntegerField(
        required=False, allow_null=True, min_value=0, max_value=86_400_000
    )
    client_request_id = serializers.UUIDField(required=False, allow_null=True)


@extend_schema_serializer(component_name="Ranking")
class RankingOutput(serializers.ModelSerializer):
    class Meta:
        model = Ranking
        fields = [
            "id", "prompt_id", "kind", "tiers", "display_order", "time_spent_ms", "skip_reason",
            "flag_reason", "flag_note", "revision", "client_request_id", "created_at", "updated_at",
        ]  # fmt: skip


def ranking_data(ranking: Ranking) -> dict[str, object]:
    """RankingOutput's shape, built directly for the submit hot path (held equal by a test)."""
    return {
        "id": ranking.pk,
        "prompt_id": ranking.prompt_id,
        "kind": ranking.kind,
        "tiers": ranking.tiers,
        "display_order": ranking.display_order,
        "time_spent_ms": ranking.time_spent_ms,
        "skip_reason": ranking.skip_reason,
        "flag_reason": ranking.flag_reason,
        "flag_note": ranking.flag_note,
        "revision": ranking.revision,
        "client_request_id": None
        if ranking.client_request_id is None
        else str(ranking.client_request_id),
        "created_at": _datetime.to_representation(ranking.created_at),
        "updated_at": _datetime.to_representation(ranking.updated_at),
    }


class RankingListView(ProjectScoped, generics.ListAPIView):
    """Annotators list their own rankings; researchers and admins list everyone's."""

    permission_classes = [IsProjectAnnotator]
    serializer_class = RankingOutput

    def get_queryset(self) -> QuerySet[Ranking]:
        return rankings_visible_to(
            user=self.request.user, project_id=self.project.pk, role=self.role
        )

    @extend_schema(
        request=RankingInput,
        responses={
            201: RankingOutput,
            200: RankingOutput,
            **conflict_responses(NotAssigned, LeaseLost, ItemFull, ProjectArchived),
        },
    )
    def post(self, request: Request, project_id: int) -> Response:
        data = RankingInput(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = ranking_submit(
            project=self.project,
            annotator=request.user,  # type: ignore[arg-type]
            **data.validated_data,
        )
        code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        return Response(ranking_data(outcome.ranking), status=code)


@extend_schema_serializer(component_name="Skip")
class SkipInput(serializers.Serializer):
    prompt_id = StrictIntegerField()
    reason = StrictCharField(max_length=500)
    client_request_id = serializers.UUIDField(required=False, allow_null=True)


@extend_schema_serializer(component_name="Flag")
class FlagInput(serializers.Serializer):
    prompt_id = StrictIntegerField()
    reason = serializers.ChoiceField(choices=Ranking.FlagReason.choices)
    note = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")
    client_request_id = serializers.UUIDField(required=False, allow_null=True)


def _passed(outcome_created: bool, ranking: Ranking) -> Response:
    code = status.HTTP_201_CREATED if outcome_created else status.HTTP_200_OK
    return Response(ranking_data(ranking), status=code)


class SkipView(ProjectScoped, APIView):
    permission_classes = [IsProjectAnnotator]

    @extend_schema(
        request=SkipInput,
        responses={
            201: RankingOutput,
            200: RankingOutput,
            **conflict_responses(NotAssigned, LeaseLost, ProjectArchived),
        },
    )
    def post(self, request: Request, project_id: int) -> Response:
        data = SkipInput(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = ranking_pass(
            project=self.project,
            annotator=request.user,  # type: ignore[arg-type]
            prompt_id=data.validated_data["prompt_id"],
            kind=Ranking.Kind.SKIPPED,
            skip_reason=data.validated_data["reason"],
            client_request_id=data.validated_data.get("client_request_id"),
        )
        return _passed(outcome.created, outcome.ranking)


class FlagView(ProjectScoped, APIView):
    permission_classes = [IsProjectAnnotator]

    @extend_schema(
        request=FlagInput,
        responses={
            201: RankingOutput,
            200: RankingOutput,
            **conflict_responses(NotAssigned, LeaseLost, ProjectArchived),
        },
    )
    def post(self, request: Request, project_id: int) -> Response:
        data = FlagInput(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = ranking_pass(
            project=self.project,
            annotator=request.user,  # type: ignore[arg-type]
            prompt_id=data.validated_data["prompt_id"],
            kind=Ranking.Kind.FLAGGED,
            flag_reason=data.validated_data["reason"],
            flag_note=data.validated_data["note"],
            client_request_id=data.validated_data.get("client_request_id"),
        )
        return _passed(outcome.created, outcome.ranking)


@extend_schema_serializer(component_name="Progress")
class ProgressOutput(serializers.Serializer):
    ranked = serializers.IntegerField()
    ranked_today = serializers.IntegerField()
    skipped = serializers.IntegerField()
    flagged = serializers.IntegerField()
    remaining_for_me = serializers.IntegerField()
    items_total = serializers.IntegerField()
    items_complete = serializers.IntegerField()


class ProgressView(ProjectScoped, APIView):
    permission_classes = [IsProjectAnnotator]

    @extend_schema(responses=ProgressOutput)
    def get(self, request: Request, project_id: int) -> Response:
        progress = annotator_progress(project=self.project, annotator=request.user)  # type: ignore[arg-type]
        return Response(ProgressOutput(progress).data)


@extend_schema_serializer(component_name="FlaggedItem")
class FlaggedOutput(serializers.ModelSerializer):
    external_id = serializers.CharField(source="prompt.external_id")
    annotator = serializers.CharField(source="annotator.username")

    class Meta:
        model = Ranking
        fields = [
            "id", "prompt_id", "external_id", "annotator", "flag_reason", "flag_note",
            "review_status", "created_at",
        ]  # fmt: skip


class ReviewQueueView(generics.ListAPIView):
    """Flagged items waiting for an admin (researchers may look)."""

    permission_classes = [IsProjectResearcher]
    serializer_class = FlaggedOutput

    def get_queryset(self) -> QuerySet[Ranking]:
        return review_queue(project_id=self.kwargs["project_id"])


@extend_schema_serializer(component_name="Review")
class ReviewInput(serializers.Serializer):
    review_status = serializers.ChoiceField(
        choices=[Ranking.Review.RESOLVED, Ranking.Review.DISMISSED]
    )


class ReviewView(APIView):
    permission_classes = [IsProjectAdmin]

    @extend_schema(request=ReviewInput, responses=FlaggedOutput)
    def post(self, request: Request, project_id: int, ranking_id: int) -> Response:
        data = ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        flagged = get_object_or_404(rankings_with_authors(project_id=project_id), pk=ranking_id)
        ranking = flag_review(
            ranking=flagged, status=Ranking.Review(data.validated_data["review_status"])
        )
        return Response(FlaggedOutput(ranking).data)
