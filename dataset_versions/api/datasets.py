"""Dataset versions, consensus and agreement: the researcher's side of the data."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.fields import (
    NestedInput,
    StrictBooleanField,
    StrictCharField,
    StrictFloatField,
    StrictIntegerField,
)
from dataset_versions.models import DatasetVersion
from dataset_versions.services.datasets import (
    DEFAULT_SPLIT,
    RULE_FIELDS,
    Rule,
    dataset_version_preview,
    dataset_version_queue,
    split_validate,
)
from projects.permissions import IsProjectResearcher, ProjectScoped


@extend_schema_serializer(component_name="DatasetSplit")
class SplitInput(NestedInput):
    train = StrictFloatField(min_value=0, max_value=1)
    validation = StrictFloatField(min_value=0, max_value=1)
    test = StrictFloatField(min_value=0, max_value=1)

    def validate(self, attrs: dict[str, float]) -> dict[str, float]:
        # The rule is the domain's (split_validate); its message is this object's error.
        try:
            split_validate(attrs)
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict["split"]) from error
        return attrs


@extend_schema_serializer(component_name="DatasetVersionCreate")
class VersionInput(serializers.Serializer):
    name = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    seed = StrictIntegerField(required=False, default=0, min_value=-(2**31), max_value=2**31 - 1)
    split = SplitInput(required=False)
    pairs = serializers.ChoiceField(choices=["per_rater", "consensus"], default="per_rater")
    method = serializers.ChoiceField(
        choices=["bradley_terry", "ranked_pairs"], default="bradley_terry"
    )
    min_agreement = StrictFloatField(min_value=0, max_value=1, default=0.0)
    min_raters = StrictIntegerField(
        min_value=1, max_value=50, required=False, allow_null=True, default=None
    )
    rater_ids = serializers.ListField(
        # A user id: larger numbers name nobody, and PostgreSQL refuses them past bigint.
        child=StrictIntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        allow_null=True,
        default=None,
        allow_empty=False,
        min_length=1,  # what allow_empty says, in the schema
        max_length=10_000,
    )
    include_imported = StrictBooleanField(default=False)
    include_gold = StrictBooleanField(default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The fields above say each value's type and range (for the schema too); which
        # combinations make a rule is the domain's (Rule.validate), its errors field errors.
        rule = {name: value for name, value in attrs.items() if name in RULE_FIELDS}
        try:
            Rule(**rule).validate()
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        return attrs


@extend_schema_serializer(component_name="DatasetVersion")
class VersionOutput(serializers.ModelSerializer):
    class Meta:
        model = DatasetVersion
        fields = [
            "id", "number", "name", "status", "rule", "seed", "split", "content_hash", "counts",
            "error", "created_by", "created_at",
        ]  # fmt: skip


class DatasetVersionListView(ProjectScoped, generics.ListAPIView):
    permission_classes = [IsProjectResearcher]
    serializer_class = VersionOutput

    def get_queryset(self) -> QuerySet[DatasetVersion]:
        return DatasetVersion.objects.filter(project=self.project).order_by("-number")

    @extend_schema(request=VersionInput, responses={202: VersionOutput})
    def post(self, request: Request, project_id: int) -> Response:
        """Queue a new version: it comes back building, and a worker builds it (follow it on
        its detail URL until ready or failed). The same request again while that version is
        still building answers the same version."""
        data = VersionInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields: dict[str, Any] = dict(data.validated_data)
        name, seed = fields.pop("name"), fields.pop("seed")
        split = fields.pop("split", None) or DEFAULT_SPLIT
        started = dataset_version_queue(
            project=self.project,
            rule=Rule(**fields),
            name=name,
            seed=seed,
            split=dict(split),
            created_by=request.user,  # type: ignore[arg-type]
        )
        return Response(VersionOutput(started.version).data, status=status.HTTP_202_ACCEPTED)


class SplitCountsOutput(serializers.Serializer):
    pairs = serializers.IntegerField()
    prompts = serializers.IntegerField()


@extend_schema_serializer(component_name="DatasetVersionPreview")
class PreviewOutput(serializers.Serializer):
    train = SplitCountsOutput()
    validation = SplitCountsOutput()
    test = SplitCountsOutput()


class DatasetVersionPreviewView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(request=VersionInput, responses={200: PreviewOutput})
    def post(self, request: Request, project_id: int) -> Response:
        """The pairs and prompts per split that creating a version with this body would
        give now, without creating it (the name is ignored)."""
        data = VersionInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields: dict[str, Any] = dict(data.validated_data)
        fields.pop("name")
        seed, split = fields.pop("seed"), fields.pop("split", None) or DEFAULT_SPLIT
        counts = dataset_version_preview(
            project=self.project, rule=Rule(**fields), seed=seed, split=dict(split)
        )
        return Response(PreviewOutput(counts).data)


class DatasetVersionDetailView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(responses={200: VersionOutput})
    def get(self, request: Request, project_id: int, number: int) -> Response:
        version = get_object_or_404(DatasetVersion, project=self.project, number=number)
        return Response(VersionOutput(version).data)
