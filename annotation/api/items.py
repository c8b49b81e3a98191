"""Researchers' view of a project's items: text, completions with their models, counts."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import generics, serializers

from annotation.models import Completion, Prompt
from annotation.permissions import IsProjectResearcher
from annotation.selectors import items_of_project


@extend_schema_serializer(component_name="CompletionDetail")
class CompletionDetailOutput(serializers.ModelSerializer):
    class Meta:
        model = Completion
        fields = ["id", "position", "text", "model_name", "metadata"]


@extend_schema_serializer(component_name="Item")
class ItemOutput(serializers.ModelSerializer):
    completions = CompletionDetailOutput(many=True)

    class Meta:
        model = Prompt
        fields = [
            "id", "external_id", "text", "messages", "metadata", "gold_ranking", "is_gold",
            "priority", "claim_count", "ranking_count", "created_at", "completions",
        ]  # fmt: skip


class ItemListView(generics.ListAPIView):
    permission_classes = [IsProjectResearcher]
    serializer_class = ItemOutput

    def get_queryset(self) -> QuerySet[Prompt]:
        return items_of_project(project_id=self.kwargs["project_id"])
