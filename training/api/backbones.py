"""The backbones a project's training runs may start from."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.permissions import IsProjectResearcher, ProjectScoped
from training.services import backbones


@extend_schema_serializer(component_name="Backbone")
class BackboneOutput(serializers.Serializer):
    name = serializers.CharField(help_text="What config.backbone takes.")
    label = serializers.CharField()  # type: ignore[assignment]  # not Field.label: a field
    kind = serializers.ChoiceField(choices=["default", "model", "allowlist"])


class BackboneListView(ProjectScoped, APIView):
    """The backbones a training run of this project may name in ``config.backbone``: the
    packaged default, the project's model versions and the administrators' allowlist."""

    permission_classes = [IsProjectResearcher]

    @extend_schema(responses=BackboneOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        choices = backbones.backbone_choices(project=self.project)
        return Response(BackboneOutput(choices, many=True).data)
