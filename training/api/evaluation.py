"""Evaluation sets: upload, list, results of every model version per set (compared with
its baseline, regressions flagged), the promotion-gate flag, and evaluating again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any, cast

from django.core.files.uploadedfile import UploadedFile
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.api.imports import MULTIPART_OVERHEAD, max_import_bytes
from config.fields import StrictBooleanField, StrictCharField
from config.parsers import JSONParser
from config.schema import conflict_responses, schema_keywords
from projects.permissions import IsProjectResearcher, ProjectScoped
from training.evaluation import runs, selectors, sets
from training.evaluation.selectors import VersionResult
from training.models import Evaluation, EvaluationSet


@extend_schema_serializer(component_name="EvaluationSetUpload")
class SetInput(serializers.Serializer):
    file = serializers.FileField(
        help_text="TRL pairs, RewardBench (with subset) or rankings: .jsonl(.gz) or .parquet."
    )
    name = StrictCharField(max_length=200)
    category_key = StrictCharField(
        max_length=100,
        default="subset",
        help_text="The record key (or metadata key) whose value is an item's category.",
    )
    gates_promotion = StrictBooleanField(default=False)

    def validate_file(self, file: UploadedFile) -> UploadedFile:
        limit = max_import_bytes()
        if file.size is not None and file.size > limit:
            raise serializers.ValidationError(
                f"The file is {file.size:,} bytes; uploads are limited to {limit:,} bytes."
            )
        return file


@extend_schema_serializer(
    component_name="EvaluationSetUpdate",
    extensions=schema_keywords(additionalProperties=False, minProperties=1),
)
class SetUpdateInput(serializers.Serializer):
    gates_promotion = StrictBooleanField()

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        """Only the gate flag changes: anything else named is a mistake, not a no-op."""
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                message = "A set's items never change; only gates_promotion does."
                raise serializers.ValidationError({name: [message] for name in unknown})
        return super().to_internal_value(data)


class CountsOutput(serializers.Serializer):
    items = serializers.IntegerField()
    pairs = serializers.IntegerField()
    categories = serializers.DictField(child=serializers.IntegerField())


@extend_schema_serializer(component_name="EvaluationSet")
class SetOutput(serializers.ModelSerializer):
    counts = CountsOutput()
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)

    class Meta:
        model = EvaluationSet
        fields = [
            "id", "name", "file_name", "kind", "category_key", "sha256", "counts",
            "gates_promotion", "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


@extend_schema_serializer(component_name="EvaluationMetrics")
class MetricsOutput(serializers.Serializer):
    items = serializers.IntegerField()
    pairs = serializers.IntegerField()
    accuracy = serializers.FloatField(allow_null=True)
    model_ties = serializers.IntegerField()
    human_ties = serializers.IntegerField()
    human_tie_gap = serializers.FloatField(allow_null=True)
    mean_margin = serializers.FloatField(allow_null=True)
    ece = serializers.FloatField(allow_null=True)
    best_of_n_items = serializers.IntegerField()
    best_of_n_accuracy = serializers.FloatField(allow_null=True)
    spearman = serializers.FloatField(allow_null=True)
    kendall = serializers.FloatField(allow_null=True)
    length_correlation = serializers.FloatField(allow_null=True)


class ReportOutput(serializers.Serializer):
    overall = MetricsOutput()
    categories = serializers.DictField(child=MetricsOutput())


@extend_schema_serializer(component_name="Evaluation")
class EvaluationOutput(serializers.ModelSerializer):
    metrics = serializers.SerializerMethodField(help_text="Once it succeeded.")

    class Meta:
        model = Evaluation
        fields = [
            "id", "status", "attempts", "items_scored", "metrics", "error", "worker", "queued_at",
            "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ReportOutput(allow_null=True))
    def get_metrics(self, evaluation: Evaluation) -> dict[str, Any] | None:
        return evaluation.metrics if evaluation.status == Evaluation.Status.SUCCEEDED else None


class DifferenceOutput(serializers.Serializer):
    scope = serializers.CharField(required=False, help_text="overall, or a category.")
    metric = serializers.ChoiceField(choices=["accuracy", "best_of_n_accuracy"])
    baseline = serializers.FloatField()
    candidate = serializers.FloatField()
    delta = serializers.FloatField()
    low = serializers.FloatField(help_text="Bootstrap interval of the change, low end.")
    high = serializers.FloatField()
    level = serializers.FloatField()
    regression = serializers.BooleanField()


@extend_schema_serializer(component_name="EvaluationVersionResult")
class VersionResultOutput(serializers.Serializer):
    model = serializers.IntegerField(source="model.pk")
    number = serializers.IntegerField(source="model.number")
    is_active = serializers.BooleanField(source="model.is_active")
    evaluation = EvaluationOutput(allow_null=True)
    baseline = serializers.IntegerField(
        source="baseline.number", allow_null=True, default=None, help_text="Its model number."
    )
    comparisons = serializers.DictField(child=DifferenceOutput(many=True))
    regressions = DifferenceOutput(many=True)


@extend_schema_serializer(component_name="EvaluationSetDetail")
class SetDetailOutput(SetOutput):
    results = serializers.SerializerMethodField(
        help_text="Every model version of the project, newest first."
    )

    class Meta(SetOutput.Meta):
        fields = [*SetOutput.Meta.fields, "results"]
        read_only_fields = fields

    @extend_schema_field(VersionResultOutput(many=True))
    def get_results(self, evaluation_set: EvaluationSet) -> list[dict[str, Any]]:
        results: list[VersionResult] = self.context["results"]
        return cast("list[dict[str, Any]]", VersionResultOutput(results, many=True).data)


def _set_detail(evaluation_set: EvaluationSet) -> dict[str, Any]:
    results = selectors.set_results(evaluation_set=evaluation_set)
    return cast(
        "dict[str, Any]", SetDetailOutput(evaluation_set, context={"results": results}).data
    )


def _declared_length(request: Request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django refuses the malformed header itself when it reads the body


class SetListView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]
    parser_classes = [MultiPartParser]

    @extend_schema(responses=SetOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        found = selectors.evaluation_sets_of(project=self.project)
        return Response(SetOutput(found, many=True).data)

    @extend_schema(
        request={"multipart/form-data": SetInput},
        responses={201: SetOutput, **conflict_responses(sets.SetExists)},
    )
    def post(self, request: Request, project_id: int) -> Response:
        """Upload a set; every model version of the project is then evaluated on it."""
        declared = _declared_length(request)
        if declared > max_import_bytes() + MULTIPART_OVERHEAD:
            raise serializers.ValidationError(
                {
                    "file": [
                        f"The upload is {declared:,} bytes; the limit is {max_import_bytes():,}."
                    ]
                }
            )
        data = SetInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload: UploadedFile = data.validated_data["file"]
        created = sets.evaluation_set_create(
            project=self.project,
            file=cast("IO[bytes]", upload.file),
            file_name=upload.name or "",
            name=data.validated_data["name"],
            category_key=data.validated_data["category_key"],
            gates_promotion=data.validated_data["gates_promotion"],
            created_by=request.user,  # type: ignore[arg-type]
        )
        return Response(SetOutput(created).data, status=status.HTTP_201_CREATED)


def _set_of(view: ProjectScoped, set_id: int) -> EvaluationSet:
    return get_object_or_404(selectors.evaluation_sets_of(project=view.project), pk=set_id)


class SetDetailView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]
    parser_classes = [JSONParser]

    @extend_schema(responses=SetDetailOutput)
    def get(self, request: Request, project_id: int, set_id: int) -> Response:
        return Response(_set_detail(_set_of(self, set_id)))

    @extend_schema(request=SetUpdateInput, responses=SetDetailOutput)
    def patch(self, request: Request, project_id: int, set_id: int) -> Response:
        """Only whether the set gates promotion changes: its items never do."""
        data = SetUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        evaluation_set = sets.evaluation_set_gate(
            evaluation_set=_set_of(self, set_id),
            gates_promotion=data.validated_data["gates_promotion"],
        )
        return Response(_set_detail(evaluation_set))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, project_id: int, set_id: int) -> Response:
        sets.evaluation_set_delete(evaluation_set=_set_of(self, set_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EvaluationRerunView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(
        request=None,
        responses={
            200: EvaluationOutput,
            **conflict_responses(runs.EvaluationRunning, runs.EvaluationDone),
        },
    )
    def post(self, request: Request, project_id: int, evaluation_id: int) -> Response:
        """Evaluate again: a queued one whose message was lost, a failed one, or one whose
        worker died."""
        evaluation = get_object_or_404(
            Evaluation, pk=evaluation_id, evaluation_set__project=self.project
        )
        return Response(EvaluationOutput(runs.evaluation_rerun(evaluation=evaluation)).data)
