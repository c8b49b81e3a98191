"""The item browser (researchers and admins): search and filter a project's items, open
one to see its completions, every ranking of it, its consensus and how its raters agree.

Raters are named to admins only; researchers see "Rater 3", the same number for the same
annotator across the project (selectors.rater_numbers).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.api.annotate import MessageOutput
from annotation.models import Completion, Prompt, Ranking
from preferences.models import PromptConsensus
from preferences.selectors.items import (
    ITEM_STATUSES,
    ItemAgreement,
    ItemDetail,
    gold_tiers,
    item_agreement,
    item_detail,
    item_models,
    items_of_project,
)
from projects.api.query import query_validate
from projects.models import Role
from projects.permissions import IsProjectResearcher, ProjectScoped


@extend_schema_serializer(component_name="CompletionDetail")
class CompletionDetailOutput(serializers.ModelSerializer):
    class Meta:
        model = Completion
        fields = ["id", "position", "text", "model_name", "metadata"]


@extend_schema_serializer(component_name="Item")
class ItemOutput(serializers.ModelSerializer):
    messages = MessageOutput(many=True, allow_null=True)
    completions = CompletionDetailOutput(many=True)
    flagged = serializers.BooleanField(help_text="An annotator flagged it.")
    disputed = serializers.BooleanField(help_text="Its raters split on a consensus pair.")

    class Meta:
        model = Prompt
        fields = [
            "id", "external_id", "text", "messages", "metadata", "gold_ranking", "is_gold",
            "priority", "claim_count", "ranking_count", "created_at", "flagged", "disputed",
            "awaiting_completions", "completions",
        ]  # fmt: skip
        extra_kwargs = {
            "awaiting_completions": {
                "help_text": "Imported without completions or still being generated: not in "
                "the annotation queue until all its completions are in."
            }
        }


class ItemListQuery(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="Text in the prompt, a completion or the external id (any case).",
    )
    model = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="Items with a completion by this model (the exact name).",
    )
    status = serializers.ChoiceField(
        choices=list(ITEM_STATUSES.items()),
        required=False,
        allow_blank=True,
        default="",
        help_text="Only the items of this status.",
    )


class ItemListView(ProjectScoped, generics.ListAPIView):
    permission_classes = [IsProjectResearcher]
    serializer_class = ItemOutput

    def get_queryset(self) -> QuerySet[Prompt]:
        query = query_validate(ItemListQuery, self.request)
        return items_of_project(
            project=self.project, search=query["q"], model=query["model"], status=query["status"]
        )

    @extend_schema(parameters=[ItemListQuery])
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema_serializer(component_name="ItemModel")
class ItemModelOutput(serializers.Serializer):
    name = serializers.CharField(help_text="Blank for completions imported without a model.")
    items = serializers.IntegerField(help_text="Items with a completion by it.")


class ItemModelsView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(responses=ItemModelOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        return Response(ItemModelOutput(item_models(project_id=project_id), many=True).data)


@extend_schema_serializer(component_name="ItemRanking")
class ItemRankingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    rater = serializers.CharField(
        help_text="Admins: the annotator's name; researchers: 'Rater N'; imports: the source."
    )
    rater_number = serializers.IntegerField(allow_null=True)
    username = serializers.CharField(allow_null=True, help_text="Admins only.")
    import_source = serializers.CharField()
    kind = serializers.ChoiceField(choices=Ranking.Kind.choices)
    tiers = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()), allow_null=True
    )
    display_order = serializers.ListField(child=serializers.IntegerField())
    time_spent_ms = serializers.IntegerField(allow_null=True)
    skip_reason = serializers.CharField()
    flag_reason = serializers.CharField()
    flag_note = serializers.CharField()
    review_status = serializers.CharField()
    revision = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    agreement_with_others = serializers.FloatField(
        allow_null=True,
        help_text="Share of its strict pairs that the other raters' consensus orders alike.",
    )
    gold_score = serializers.FloatField(allow_null=True, help_text="Gold items only.")


@extend_schema_serializer(component_name="ConsensusPair")
class ConsensusPairOutput(serializers.Serializer):
    chosen = serializers.IntegerField()
    rejected = serializers.IntegerField()
    agree = serializers.IntegerField(help_text="Raters who put chosen above rejected.")
    disagree = serializers.IntegerField(help_text="Raters who put rejected above chosen.")
    tie = serializers.IntegerField(help_text="Raters who tied them.")


@extend_schema_serializer(component_name="ItemConsensus")
class ConsensusOutput(serializers.Serializer):
    method = serializers.CharField()
    tiers = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()))
    strengths = serializers.DictField(child=serializers.FloatField())
    raters = serializers.IntegerField()
    kendall_w = serializers.FloatField(allow_null=True)
    pairs = ConsensusPairOutput(many=True)
    computed_at = serializers.DateTimeField()
    up_to_date = serializers.BooleanField(
        help_text="False when rankings changed since: the next refresh recomputes it."
    )


@extend_schema_serializer(component_name="ItemAgreement")
class AgreementOutput(serializers.Serializer):
    raters = serializers.IntegerField(help_text="Annotators who ranked it.")
    kendall_w = serializers.FloatField(allow_null=True)
    pairwise_agreement = serializers.FloatField(
        allow_null=True, help_text="Share of rater pairs giving a pair of completions alike."
    )


@extend_schema_serializer(component_name="ItemDetail")
class ItemDetailOutput(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    text = serializers.CharField()
    messages = MessageOutput(many=True, allow_null=True)
    metadata = serializers.DictField()
    is_gold = serializers.BooleanField()
    gold_tiers = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        allow_null=True,
        help_text="The gold ranking, in completion ids.",
    )
    priority = serializers.IntegerField()
    claim_count = serializers.IntegerField()
    ranking_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    flagged = serializers.BooleanField()
    disputed = serializers.BooleanField()
    awaiting_completions = serializers.BooleanField(
        help_text="Not in the annotation queue until all its completions are in."
    )
    completions = CompletionDetailOutput(many=True)
    rankings = ItemRankingOutput(many=True)
    consensus = ConsensusOutput(allow_null=True)
    agreement = AgreementOutput()


def _rater(ranking: Ranking, numbers: dict[int, int], named: bool) -> dict[str, Any]:
    if ranking.annotator is None:
        return {"rater": ranking.import_source, "rater_number": None, "username": None}
    number = numbers.get(ranking.annotator.pk)
    if not named:
        return {"rater": f"Rater {number}", "rater_number": number, "username": None}
    name = ranking.annotator.get_full_name() or ranking.annotator.get_username()
    return {"rater": name, "rater_number": number, "username": ranking.annotator.get_username()}


def _ranking_data(
    ranking: Ranking, detail: ItemDetail, found: ItemAgreement, named: bool
) -> dict[str, Any]:
    fields = (
        "id", "import_source", "kind", "tiers", "display_order", "time_spent_ms", "skip_reason",
        "flag_reason", "flag_note", "review_status", "revision", "created_at", "updated_at",
    )  # fmt: skip
    return {
        **{name: getattr(ranking, name) for name in fields},
        **_rater(ranking, detail.rater_numbers, named),
        "agreement_with_others": found.with_others.get(ranking.pk),
        "gold_score": found.gold_scores.get(ranking.pk),
    }


def _consensus_data(consensus: PromptConsensus, found: ItemAgreement) -> dict[str, Any]:
    keys = ("chosen", "rejected", "agree", "disagree", "tie")
    return {
        "method": consensus.method,
        "tiers": consensus.tiers,
        "strengths": consensus.strengths,
        "raters": consensus.raters,
        "kendall_w": consensus.kendall_w,
        "pairs": [dict(zip(keys, pair, strict=True)) for pair in consensus.pairs],
        "computed_at": consensus.computed_at,
        "up_to_date": found.consensus_up_to_date,
    }


PROMPT_FIELDS = (
    "id", "external_id", "text", "messages", "metadata", "is_gold", "priority", "claim_count",
    "ranking_count", "created_at", "awaiting_completions",
)  # fmt: skip


class ItemDetailView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(responses=ItemDetailOutput)
    def get(self, request: Request, project_id: int, prompt_id: int) -> Response:
        detail = item_detail(project_id=project_id, prompt_id=prompt_id)
        if detail is None:
            raise Http404
        found = item_agreement(detail=detail)
        named = self.role == Role.ADMIN
        prompt = detail.prompt
        body = {
            **{name: getattr(prompt, name) for name in PROMPT_FIELDS},
            "gold_tiers": gold_tiers(prompt=prompt, completions=detail.completions),
            "flagged": prompt.flagged,  # type: ignore[attr-defined]
            "disputed": prompt.disputed,  # type: ignore[attr-defined]
            "completions": detail.completions,
            "rankings": [_ranking_data(r, detail, found, named) for r in detail.rankings],
            "consensus": detail.consensus and _consensus_data(detail.consensus, found),
            "agreement": {
                "raters": found.raters,
                "kendall_w": found.kendall_w,
                "pairwise_agreement": found.pairwise_agreement,
            },
        }
        return Response(ItemDetailOutput(body).data)
