"""Generation jobs: start one from a plan, watch it, cancel, resume, retry its failures."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.fields import NestedInput, StrictIntegerField
from config.schema import conflict_responses
from generation.models import GenerationJob
from generation.selectors import job_eta_seconds, job_failures, job_stalled, jobs_of
from generation.services import jobs
from generation.services.jobs import MAX_SAMPLES
from projects.permissions import IsProjectResearcher, ProjectScoped

MAX_PLAN_STEPS = 16


@extend_schema_serializer(component_name="GenerationPlanStep")
class PlanStepInput(NestedInput):
    generator = StrictIntegerField(min_value=1, help_text="A generator id of this project.")
    samples = StrictIntegerField(
        min_value=1, max_value=MAX_SAMPLES, help_text="Completions per prompt from it."
    )


@extend_schema_serializer(component_name="GenerationJobCreate")
class JobInput(serializers.Serializer):
    # A ListField, not many=True: the schema then says minItems and maxItems.
    plan = serializers.ListField(
        child=PlanStepInput(),
        min_length=1,
        max_length=MAX_PLAN_STEPS,
        help_text="K completions per prompt: each generator's samples (2 samples x 2 models).",
    )


class PlanStepOutput(serializers.Serializer):
    generator = serializers.IntegerField()
    name = serializers.CharField()
    samples = serializers.IntegerField()


class FailureOutput(serializers.Serializer):
    prompt = serializers.IntegerField()
    external_id = serializers.CharField()
    generator = serializers.CharField()
    sample_index = serializers.IntegerField()
    attempts = serializers.IntegerField()
    error = serializers.CharField()


class UsageOutput(serializers.Serializer):
    samples = serializers.IntegerField()
    failed = serializers.IntegerField()
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()


@extend_schema_serializer(component_name="GenerationJob")
class JobOutput(serializers.ModelSerializer):
    plan = serializers.SerializerMethodField()
    usage = serializers.SerializerMethodField()
    eta_seconds = serializers.SerializerMethodField()
    stalled = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = GenerationJob
        fields = [
            "id", "status", "plan", "prompts_total", "samples_total", "samples_done",
            "samples_failed", "duplicates", "prompts_released", "usage", "cancel_requested",
            "error", "worker", "worker_losses", "created_by", "created_at", "started_at",
            "heartbeat_at", "finished_at", "eta_seconds", "stalled",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(PlanStepOutput(many=True))
    def get_plan(self, job: GenerationJob) -> list[dict[str, Any]]:
        return list(job.plan)

    @extend_schema_field(serializers.DictField(child=UsageOutput()))
    def get_usage(self, job: GenerationJob) -> dict[str, Any]:
        return dict(job.usage)

    def get_eta_seconds(self, job: GenerationJob) -> float | None:
        return job_eta_seconds(job)

    def get_stalled(self, job: GenerationJob) -> bool:
        return job_stalled(job)

    def get_created_by(self, job: GenerationJob) -> str:
        return job.created_by.username if job.created_by else ""


@extend_schema_serializer(component_name="GenerationJobDetail")
class JobDetailOutput(JobOutput):
    failures = serializers.SerializerMethodField(help_text="The first 50 failed samples.")

    class Meta(JobOutput.Meta):
        fields = [*JobOutput.Meta.fields, "failures"]
        read_only_fields = fields

    @extend_schema_field(FailureOutput(many=True))
    def get_failures(self, job: GenerationJob) -> list[dict[str, Any]]:
        return job_failures(job=job)


class JobListView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(responses=JobOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        return Response(JobOutput(jobs_of(project=self.project)[:100], many=True).data)

    @extend_schema(
        request=JobInput,
        responses={201: JobOutput, **conflict_responses(jobs.NothingToGenerate)},
    )
    def post(self, request: Request, project_id: int) -> Response:
        data = JobInput(data=request.data)
        data.is_valid(raise_exception=True)
        job = jobs.generation_job_create(
            project=self.project,
            plan=[dict(step) for step in data.validated_data["plan"]],
            created_by=request.user,  # type: ignore[arg-type]
        )
        return Response(JobOutput(job).data, status=status.HTTP_201_CREATED)


def _job(project_id: int, generation_job_id: int) -> GenerationJob:
    return get_object_or_404(jobs_of_project(project_id), pk=generation_job_id)


def jobs_of_project(project_id: int) -> Any:
    return GenerationJob.objects.filter(project_id=project_id).select_related("created_by")


class JobDetailView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(responses=JobDetailOutput)
    def get(self, request: Request, project_id: int, generation_job_id: int) -> Response:
        return Response(JobDetailOutput(_job(project_id, generation_job_id)).data)


class JobCancelView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(request=None, responses={200: JobOutput, **conflict_responses(jobs.JobFinished)})
    def post(self, request: Request, project_id: int, generation_job_id: int) -> Response:
        job = jobs.generation_job_cancel(job=_job(project_id, generation_job_id))
        return Response(JobOutput(job).data)


class JobResumeView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(
        request=None, responses={200: JobOutput, **conflict_responses(jobs.JobNotResumable)}
    )
    def post(self, request: Request, project_id: int, generation_job_id: int) -> Response:
        job = jobs.generation_job_resume(job=_job(project_id, generation_job_id))
        return Response(JobOutput(job).data)


@extend_schema_serializer(component_name="GenerationRetry")
class RetryOutput(serializers.Serializer):
    retried = serializers.IntegerField(help_text="Failed samples queued again.")
    job = JobOutput()


class JobRetryFailedView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(
        request=None, responses={200: RetryOutput, **conflict_responses(jobs.JobRunning)}
    )
    def post(self, request: Request, project_id: int, generation_job_id: int) -> Response:
        job = _job(project_id, generation_job_id)
        retried = jobs.generation_job_retry_failed(job=job)
        job.refresh_from_db()
        return Response(RetryOutput({"retried": retried, "job": job}).data)
