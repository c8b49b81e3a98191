"""Project activity over time, for the researchers' overview."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from preferences.selectors.items import project_activity
from projects.permissions import IsProjectResearcher, ProjectScoped


class DayOutput(serializers.Serializer):
    day = serializers.DateField()
    rankings = serializers.IntegerField()
    annotators = serializers.IntegerField()
    pairwise_agreement = serializers.FloatField(allow_null=True)


@extend_schema_serializer(component_name="Activity")
class ActivityOutput(serializers.Serializer):
    days = DayOutput(many=True)


class ActivityView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(responses=ActivityOutput)
    def get(self, request: Request, project_id: int) -> Response:
        return Response(ActivityOutput({"days": project_activity(project=self.project)}).data)
