"""Training runs, models and scoring for researchers (admins manage, researchers run)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
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

from annotation.models import Role
from annotation.permissions import IsProjectResearcher, ProjectScoped
from config.fields import (
    NestedInput,
    StrictBooleanField,
    StrictCharField,
    StrictFloatField,
    StrictIntegerField,
)
from config.parsers import JSONParser
from config.schema import conflict_responses, schema_keywords
from training.evaluation.gate import PromotionBlocked, model_promote_gated
from training.models import (
    Dispute,
    ModelVersion,
    TrainingAttempt,
    TrainingLogLine,
    TrainingPoint,
    TrainingRun,
)
from training.selectors import backbone_label, chosen_settings
from training.services import backbones, registry, runs, scoring

MODES = ["full", "top_layers", "head"]


@extend_schema_serializer(
    component_name="TrainingConfigInput", extensions=schema_keywords(additionalProperties=False)
)
class ConfigInput(NestedInput):
    backbone = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="A name from the project's backbones/ list: default, model:<n> or an "
        "allowlisted name. Empty: default.",
    )
    mode = serializers.ChoiceField(choices=MODES, required=False)
    top_layers = StrictIntegerField(required=False, min_value=1, max_value=96)
    epochs = StrictFloatField(required=False, min_value=0.01, max_value=100)
    learning_rate = StrictFloatField(required=False, min_value=1e-8, max_value=1.0)
    max_length = StrictIntegerField(required=False, min_value=16, max_value=8192)
    token_budget = StrictIntegerField(required=False, min_value=16, max_value=1_048_576)
    seed = StrictIntegerField(required=False)
    center_coef = StrictFloatField(required=False, min_value=0)
    early_stopping_patience = StrictIntegerField(required=False, min_value=0)
    gradient_checkpointing = StrictBooleanField(required=False)
    grad_accum = StrictIntegerField(required=False, min_value=1)
    warmup_ratio = StrictFloatField(required=False, min_value=0, max_value=0.99)
    weight_decay = StrictFloatField(required=False, min_value=0)
    checkpoint_every = StrictIntegerField(required=False, min_value=0)
    eval_every = StrictIntegerField(required=False, min_value=0)
    log_every = StrictIntegerField(required=False, min_value=1)
    device = StrictCharField(required=False, max_length=20)
    precision = serializers.ChoiceField(choices=["auto", "bf16", "fp32"], required=False)
    min_prompt_tokens = StrictIntegerField(required=False, min_value=0)
    max_prompt_tokens = StrictIntegerField(required=False, min_value=0)
    freeze_embeddings = StrictBooleanField(required=False)
    layer_lr_decay = StrictFloatField(required=False, min_value=0.01, max_value=1)
    head_learning_rate = StrictFloatField(required=False, allow_null=True, min_value=1e-8)
    dropout = StrictFloatField(required=False, allow_null=True, min_value=0, max_value=0.99)
    ema_decay = StrictFloatField(required=False, min_value=0, max_value=0.9999)

    def to_internal_value(self, data: Any) -> Any:
        """A misspelt setting would otherwise vanish and the run train with the default."""
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                known = ", ".join(sorted(self.fields))
                raise serializers.ValidationError(
                    {key: [f"Unknown setting; known: {known}."] for key in unknown}
                )
        return super().to_internal_value(data)


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
        return backbone_label(str(run.config.get("backbone", "")))


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
        return chosen_settings(run.config)

    @extend_schema_field(SeriesOutput)
    def get_series(self, run: TrainingRun) -> dict[str, list[dict[str, object]]]:
        series: dict[str, list[dict[str, object]]] = {"train": [], "eval": []}
        points = TrainingPoint.objects.filter(run=run).order_by("step", "id")
        for kind, step, values in points.values_list("kind", "step", "values"):
            if kind == TrainingPoint.Kind.TRAIN:
                series["train"].append(
                    {"step": step, "loss": values.get("loss"), "lr": values.get("lr")}
                )
            else:
                series["eval"].append(
                    {
                        "step": step,
                        "accuracy": values.get("accuracy"),
                        "log_loss": values.get("log_loss"),
                    }
                )
        return series


def _runs(project_id: int) -> QuerySet[TrainingRun]:
    return TrainingRun.objects.filter(project_id=project_id).select_related(
        "dataset_version", "created_by", "model_version"
    )


def _run(project_id: int, run_id: int) -> TrainingRun:
    return get_object_or_404(TrainingRun, project_id=project_id, pk=run_id)


class RunListView(ProjectScoped, generics.ListAPIView):
    permission_classes = [IsProjectResearcher]
    # A form client may start a run: dataset_version as text, config as one JSON part.
    parser_classes = [JSONParser, MultiPartParser]
    serializer_class = RunOutput

    def get_queryset(self) -> QuerySet[TrainingRun]:
        return _runs(self.project.pk)

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
            RunOutput(_runs(project_id).get(pk=run.pk)).data, status=status.HTTP_201_CREATED
        )


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


class RunDetailView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(responses=RunDetailOutput)
    def get(self, request: Request, project_id: int, run_id: int) -> Response:
        run = get_object_or_404(_runs(project_id).prefetch_related("attempts"), pk=run_id)
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
        run = _run(project_id, run_id)
        after = serializers.IntegerField(min_value=0).run_validation(
            request.query_params.get("after", 0)
        )
        lines = TrainingLogLine.objects.filter(run=run, pk__gt=after).order_by("pk")[:1000]
        return Response(LogOutput({"lines": lines}).data)


class RunCancelView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(request=None, responses={200: RunOutput, **conflict_responses(runs.RunFinished)})
    def post(self, request: Request, project_id: int, run_id: int) -> Response:
        run = runs.training_run_cancel(
            run=get_object_or_404(TrainingRun, project_id=project_id, pk=run_id)
        )
        return Response(RunOutput(_runs(project_id).get(pk=run.pk)).data)


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
            run=get_object_or_404(TrainingRun, project_id=project_id, pk=run_id)
        )
        return Response(RunOutput(_runs(project_id).get(pk=run.pk)).data)


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


def _models(project_id: int) -> QuerySet[ModelVersion]:
    return ModelVersion.objects.filter(project_id=project_id).select_related(
        "training_run", "dataset_version"
    )


class ModelListView(ProjectScoped, generics.ListAPIView):
    permission_classes = [IsProjectResearcher]
    serializer_class = ModelOutput

    def get_queryset(self) -> QuerySet[ModelVersion]:
        return _models(self.project.pk)


@extend_schema_serializer(component_name="ModelPromote")
class PromoteInput(serializers.Serializer):
    override = StrictBooleanField(
        default=False, help_text="Promote despite a failing evaluation gate (project admins)."
    )


class ModelPromoteView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(
        request=PromoteInput, responses={200: ModelOutput, **conflict_responses(PromotionBlocked)}
    )
    def post(self, request: Request, project_id: int, model_id: int) -> Response:
        """Make the model the active one; 409 when it fails a gating evaluation set."""
        data = PromoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        model = get_object_or_404(_models(project_id), pk=model_id)
        model_promote_gated(
            model=model,
            promoted_by=request.user.get_username(),
            override=data.validated_data["override"],
            may_override=self.role == Role.ADMIN,
        )
        return Response(ModelOutput(model).data)


class ModelDownloadView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(responses={(200, "application/zip"): bytes})
    def get(self, request: Request, project_id: int, model_id: int) -> FileResponse:
        model = get_object_or_404(_models(project_id).select_related("project"), pk=model_id)
        name = f"{model.project.slug}-model-{model.number}.zip"
        return FileResponse(registry.model_zip(model), as_attachment=True, filename=name)


@extend_schema_serializer(component_name="ScoreRequest")
class ScoreInput(serializers.Serializer):
    prompt = StrictCharField(max_length=100_000, trim_whitespace=False)
    completions = serializers.ListField(
        child=StrictCharField(max_length=100_000, trim_whitespace=False),
        min_length=1,
        max_length=64,
    )
    model = StrictIntegerField(
        required=False, allow_null=True, help_text="A model id; the active model if left out."
    )


class ScoreItemOutput(serializers.Serializer):
    index = serializers.IntegerField()
    reward = serializers.FloatField()
    normalized = serializers.FloatField()
    rank = serializers.IntegerField()


@extend_schema_serializer(component_name="Scores")
class ScoreOutput(serializers.Serializer):
    model = serializers.IntegerField()
    scores = ScoreItemOutput(many=True)


class ScoreView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(request=ScoreInput, responses=ScoreOutput)
    def post(self, request: Request, project_id: int) -> Response:
        data = ScoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        model = scoring.model_for_scoring(
            project=self.project, model_id=data.validated_data.get("model")
        )
        scores = scoring.completions_score(
            model=model,
            prompt=data.validated_data["prompt"],
            completions=data.validated_data["completions"],
        )
        return Response(ScoreOutput({"model": model.pk, "scores": scores}).data)


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
        return Dispute.objects.filter(
            model_version__project_id=self.project.pk, model_version__is_active=True
        ).select_related("prompt", "model_version")
