"""Training runs for researchers: start, list, follow (curves, attempts, logs), cancel and
resume. Models, scoring, backbones and disputes have their own modules beside this one."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.fields import StrictIntegerField
from config.parsers import JSONParser
from config.schema import conflict_responses
from projects.permissions import IsProjectResearcher, ProjectScoped
from training import selectors
from training.api.config_input import ConfigInput
from training.models import TrainingAttempt, TrainingRun
from training.services import runs

__all__ = ["ConfigInput", "RunDetailView", "RunListView", "RunLogView", "RunOutput"]


@extend_schema_serializer(component_name="TrainingRunCreate")
class RunInput(serializers.Serializer):
    dataset_version = StrictIntegerField(
        required=False, allow_null=True, help_text="Version number; the latest ready one if null."
    )
    config = ConfigInput(required=False)


@extend_schema_serializer(component_name="TrainingRun")
class RunOutput(serializers.ModelSerializer):
    dataset_version = serializers.IntegerField(source="dataset_version.number")
    created_by = serializers.SerializerMethodField()
    model_version = serializers.SerializerMethodField()
    can_resume = serializers.SerializerMethodField()
    backbone_label = serializers.SerializerMethodField()
    failure = serializers.ChoiceField(
        choices=TrainingRun.Failure.choices,
        allow_blank=True,
        read_only=True,
        help_text="Why a failed run failed (blank otherwise): resumable unless configuration "
        "or data.",
    )

    class Meta:
        model = TrainingRun
        fields = [
            "id", "number", "status", "trigger", "cancel_requested", "dataset_version", "config",
            "created_by", "created_at", "started_at", "finished_at", "heartbeat_at", "worker",
            "device", "step", "total_steps", "eta_seconds", "metrics", "best_step", "error",
            "failure", "model_version", "can_resume", "backbone_label",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "finished_at": {"help_text": "When the run ended; null while it runs or stalled."}
        }

    def get_created_by(self, run: TrainingRun) -> str:
        return run.created_by.username if run.created_by else "periodic retraining"

    def get_model_version(self, run: TrainingRun) -> int | None:
        model = getattr(run, "model_version", None)
        return model.pk if model is not None else None

    def get_can_resume(self, run: TrainingRun) -> bool:
        return runs.can_resume(run)

    def get_backbone_label(self, run: TrainingRun) -> str:
        return selectors.backbone_label(str(run.config.get("backbone", "")))


@extend_schema_serializer(component_name="TrainingAttempt")
class AttemptOutput(serializers.ModelSerializer):
    class Meta:
        model = TrainingAttempt
        fields = [
            "number", "worker", "device", "started_at", "ended_at", "outcome", "start_step",
            "end_step", "error",
        ]  # fmt: skip
        read_only_fields = fields


class TrainPointOutput(serializers.Serializer):
    step = serializers.IntegerField()
    loss = serializers.FloatField(allow_null=True)
    lr = serializers.FloatField(allow_null=True)


class EvalPointOutput(serializers.Serializer):
    step = serializers.IntegerField()
    accuracy = serializers.FloatField(allow_null=True)
    log_loss = serializers.FloatField(allow_null=True)


class SeriesOutput(serializers.Serializer):
    train = TrainPointOutput(many=True)
    eval = EvalPointOutput(many=True)


@extend_schema_serializer(component_name="TrainingRunDetail")
class RunDetailOutput(RunOutput):
    series = serializers.SerializerMethodField()
    attempts = AttemptOutput(many=True, read_only=True)
    chosen_settings = serializers.SerializerMethodField(
        help_text="The config keys to show first: the form's, then those off the defaults."
    )

    class Meta(RunOutput.Meta):
        fields = [*RunOutput.Meta.fields, "series", "attempts", "chosen_settings"]
        read_only_fields = fields

    def get_chosen_settings(self, run: TrainingRun) -> list[str]:
        return selectors.chosen_settings(run.config)

    @extend_schema_field(SeriesOutput)
    def get_series(self, run: TrainingRun) -> dict[str, list[dict[str, object]]]:
        return selectors.training_run_series(run=run)


class RunListView(ProjectScoped, generics.ListAPIView):
    permission_classes = [IsProjectResearcher]
    # A form client may start a run: dataset_version as text, config as one JSON part.
    parser_classes = [JSONParser, MultiPartParser]
    serializer_class = RunOutput

    def get_queryset(self) -> QuerySet[TrainingRun]:
        return selectors.training_runs(project_id=self.project.pk)

    @extend_schema(
        request=RunInput,
        responses={201: RunOutput, **conflict_responses(runs.TooManyActiveRuns)},
    )
    def post(self, request: Request, project_id: int) -> Response:
        data = RunInput(data=request.data)
        data.is_valid(raise_exception=True)
        run = runs.training_run_create(
            project=self.project,
            config=dict(data.validated_data.get("config", {})),
            dataset_version=data.validated_data.get("dataset_version"),
            created_by=request.user,  # type: ignore[arg-type]
        )
        return Response(
            RunOutput(selectors.training_run_row(project_id=project_id, run_id=run.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class RunDetailView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(responses=RunDetailOutput)
    def get(self, request: Request, project_id: int, run_id: int) -> Response:
        run = selectors.training_run_detail(project_id=project_id, run_id=run_id)
        return Response(RunDetailOutput(run).data)


class LogLineOutput(serializers.Serializer):
    seq = serializers.IntegerField(source="pk")
    at = serializers.DateTimeField()
    message = serializers.CharField()


@extend_schema_serializer(component_name="TrainingLog")
class LogOutput(serializers.Serializer):
    lines = LogLineOutput(many=True)


class RunLogView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(
        parameters=[OpenApiParameter("after", int, description="Only lines after this seq.")],
        responses=LogOutput,
    )
    def get(self, request: Request, project_id: int, run_id: int) -> Response:
        run = selectors.training_run_get(project_id=project_id, run_id=run_id)
        after = serializers.IntegerField(min_value=0).run_validation(
            request.query_params.get("after", 0)
        )
        lines = selectors.training_log_lines(run=run, after=after)
        return Response(LogOutput({"lines": lines}).data)


class RunCancelView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(request=None, responses={200: RunOutput, **conflict_responses(runs.RunFinished)})
    def post(self, request: Request, project_id: int, run_id: int) -> Response:
        run = runs.training_run_cancel(
            run=selectors.training_run_get(project_id=project_id, run_id=run_id)
        )
        return Response(
            RunOutput(selectors.training_run_row(project_id=project_id, run_id=run.pk)).data
        )


class RunResumeView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(
        request=None,
        responses={
            200: RunOutput,
            **conflict_responses(runs.NotResumable, runs.ResumeCannotHelp, runs.TooManyActiveRuns),
        },
    )
    def post(self, request: Request, project_id: int, run_id: int) -> Response:
        run = runs.training_run_resume(
            run=selectors.training_run_get(project_id=project_id, run_id=run_id)
        )
        return Response(
            RunOutput(selectors.training_run_row(project_id=project_id, run_id=run.pk)).data
        )
