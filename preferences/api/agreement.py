"""Agreement report and the on-demand consensus refresh."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.fields import (
    StrictIntegerField,
)
from preferences.selectors.agreement_report import annotator_report, project_agreement
from preferences.services.consensus_store import consensus_update
from projects.permissions import IsProjectResearcher, ProjectScoped


@extend_schema_serializer(component_name="ProjectAgreement")
class ProjectAgreementOutput(serializers.Serializer):
    krippendorff_alpha = serializers.FloatField(allow_null=True)
    pairwise_agreement = serializers.FloatField(allow_null=True)
    mean_kendall_w = serializers.FloatField(allow_null=True)
    prompts = serializers.IntegerField()
    multi_rated_prompts = serializers.IntegerField()
    rankings = serializers.IntegerField()
    annotators = serializers.IntegerField()
    consensus_prompts = serializers.IntegerField()


@extend_schema_serializer(component_name="AnnotatorQuality")
class AnnotatorOutput(serializers.Serializer):
    annotator_id = serializers.IntegerField()
    username = serializers.CharField()
    rankings = serializers.IntegerField()
    consensus_agreement = serializers.FloatField(allow_null=True)
    compared_pairs = serializers.IntegerField()
    gold_rankings = serializers.IntegerField()
    gold_accuracy = serializers.FloatField(allow_null=True)
    position_bias = serializers.FloatField(allow_null=True)
    position_chance = serializers.FloatField(allow_null=True)
    length_bias = serializers.FloatField(allow_null=True)
    median_time_ms = serializers.FloatField(allow_null=True)


@extend_schema_serializer(component_name="AgreementReport")
class AgreementOutput(serializers.Serializer):
    project = ProjectAgreementOutput()
    annotators = AnnotatorOutput(many=True)


class AgreementView(ProjectScoped, APIView):
    # Researchers and up: the report names annotators.
    permission_classes = [IsProjectResearcher]

    @extend_schema(responses={200: AgreementOutput})
    def get(self, request: Request, project_id: int) -> Response:
        report = {
            "project": project_agreement(project_id=self.project.pk),
            "annotators": annotator_report(project_id=self.project.pk),
        }
        return Response(AgreementOutput(report).data)


@extend_schema_serializer(component_name="ConsensusRefresh")
class RefreshInput(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=["bradley_terry", "ranked_pairs"], default="bradley_terry"
    )
    min_raters = StrictIntegerField(
        min_value=1, max_value=50, required=False, allow_null=True, default=None
    )


@extend_schema_serializer(component_name="ConsensusRefreshed")
class RefreshOutput(serializers.Serializer):
    updated = serializers.IntegerField()


class ConsensusRefreshView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(request=RefreshInput, responses={200: RefreshOutput})
    def post(self, request: Request, project_id: int) -> Response:
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        updated = consensus_update(project_id=self.project.pk, **data.validated_data)
        return Response(RefreshOutput({"updated": updated}).data)
