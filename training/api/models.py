"""The model registry for researchers: list a project's model versions, promote one to
active, download one as a zip."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.permissions import IsProjectResearcher, ProjectScoped
from training import selectors
from training.models import ModelVersion
from training.services import registry


@extend_schema_serializer(component_name="ModelVersion")
class ModelOutput(serializers.ModelSerializer):
    training_run = serializers.IntegerField(source="training_run_id")
    dataset_version = serializers.IntegerField(source="dataset_version.number")

    class Meta:
        model = ModelVersion
        fields = [
            "id", "number", "training_run", "dataset_version", "metrics", "reward_mean",
            "reward_std", "is_active", "created_at", "promoted_at", "decision",
        ]  # fmt: skip
        read_only_fields = fields


class ModelListView(ProjectScoped, generics.ListAPIView):
    permission_classes = [IsProjectResearcher]
    serializer_class = ModelOutput

    def get_queryset(self) -> QuerySet[ModelVersion]:
        return selectors.model_versions(project_id=self.project.pk)


class ModelPromoteView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(request=None, responses=ModelOutput)
    def post(self, request: Request, project_id: int, model_id: int) -> Response:
        model = get_object_or_404(selectors.model_versions(project_id=project_id), pk=model_id)
        user = request.user.get_username()
        registry.model_version_promote(model=model, decision=f"Promoted by {user}.")
        return Response(ModelOutput(model).data)


class ModelDownloadView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(responses={(200, "application/zip"): bytes})
    def get(self, request: Request, project_id: int, model_id: int) -> FileResponse:
        model = get_object_or_404(
            selectors.model_versions(project_id=project_id).select_related("project"), pk=model_id
        )
        name = f"{model.project.slug}-model-{model.number}.zip"
        return FileResponse(registry.model_zip(model), as_attachment=True, filename=name)
