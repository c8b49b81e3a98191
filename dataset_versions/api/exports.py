"""Export a dataset version to a file: queue the job, follow its progress, download."""

from __future__ import annotations

import os

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.schema import conflict_responses
from dataset_versions.models import DatasetPair, DatasetVersion, ExportJob
from dataset_versions.selectors import export_jobs_of_project
from dataset_versions.services.exports import VersionNotReady, export_job_create
from projects.permissions import IsProjectResearcher, ProjectScoped


@extend_schema_serializer(component_name="ExportRequest")
class ExportInput(serializers.Serializer):
    format = serializers.ChoiceField(choices=ExportJob.Format.choices)
    split = serializers.ChoiceField(
        choices=DatasetPair.Split.choices,
        required=False,
        allow_null=True,
        help_text="Only this split; all splits when left out.",
    )


@extend_schema_serializer(component_name="ExportJob")
class ExportJobOutput(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id", "version", "format", "status", "rows_total", "rows_done", "error",
            "created_at", "finished_at", "download_url",
        ]  # fmt: skip

    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != ExportJob.Status.SUCCEEDED or not job.file:
            return None
        url = reverse(
            "export-download", kwargs={"project_id": job.version.project_id, "job_id": job.pk}
        )
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


def _job_of(project_id: int, job_id: int) -> ExportJob:
    return get_object_or_404(export_jobs_of_project(project_id=project_id), pk=job_id)


class ExportCreateView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(
        request=ExportInput,
        responses={202: ExportJobOutput, **conflict_responses(VersionNotReady)},
    )
    def post(self, request: Request, project_id: int, number: int) -> Response:
        data = ExportInput(data=request.data)
        data.is_valid(raise_exception=True)
        version = get_object_or_404(DatasetVersion, project=self.project, number=number)
        job = export_job_create(
            version=version,
            export_format=data.validated_data["format"],
            split=data.validated_data.get("split"),
            created_by=request.user,
        )
        body = ExportJobOutput(job, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


class ExportDetailView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(responses=ExportJobOutput)
    def get(self, request: Request, project_id: int, job_id: int) -> Response:
        job = _job_of(project_id, job_id)
        return Response(ExportJobOutput(job, context={"request": request}).data)


class ExportDownloadView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    # Zips: a Hugging Face datasets folder, and an all-splits JSONL or Parquet export (a file
    # per split). A one-split export and raw rankings come as the file itself.
    @extend_schema(
        responses={(200, "application/zip"): bytes, (200, "application/octet-stream"): bytes}
    )
    def get(self, request: Request, project_id: int, job_id: int) -> FileResponse:
        job = _job_of(project_id, job_id)
        if job.status != ExportJob.Status.SUCCEEDED or not job.file:
            raise Http404
        return FileResponse(
            job.file.open("rb"), as_attachment=True, filename=os.path.basename(job.file.name)
        )
