"""Disputes: pairs most raters agree on that the active model confidently reverses."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import generics, serializers

from projects.permissions import IsProjectResearcher, ProjectScoped
from training import selectors
from training.models import Dispute


@extend_schema_serializer(component_name="Dispute")
class DisputeOutput(serializers.ModelSerializer):
    external_id = serializers.CharField(source="prompt.external_id")
    model = serializers.IntegerField(source="model_version.number")

    class Meta:
        model = Dispute
        fields = [
            "id", "prompt_id", "external_id", "chosen_id", "rejected_id", "human_agreement",
            "model_probability", "model",
        ]  # fmt: skip


class DisputeListView(ProjectScoped, generics.ListAPIView):
    """Pairs most raters agree on that the active model confidently reverses."""

    permission_classes = [IsProjectResearcher]
    serializer_class = DisputeOutput

    def get_queryset(self) -> QuerySet[Dispute]:
        return selectors.disputes_active(project_id=self.project.pk)
