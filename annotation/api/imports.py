"""Upload a file of items (or preference pairs) into a project; follow and cancel import jobs.

An upload up to ``RANKWISE_IMPORT_SYNC_BYTES`` is imported in the request (201 with the
report); a larger one becomes a job that a worker runs (202 with the job).
"""

from __future__ import annotations

from typing import IO, Any, cast

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.models import ImportJob
from annotation.services.import_jobs import (
    ImportJobFinished,
    import_job_cancel,
    import_job_create,
    imports_in_background,
)
from annotation.services.imports import ImportInvalid, items_import
from config.api import error_body
from config.fields import StrictBooleanField
from config.schema import conflict_responses
from projects.permissions import IsProjectAdmin, ProjectScoped

# Room for the multipart envelope around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


def max_import_bytes() -> int:
    return int(getattr(settings, "RANKWISE_MAX_IMPORT_BYTES", 1024**3))


def _too_big(size: int, what: str = "file") -> str:
    return f"The {what} is {size:,} bytes; imports are limited to {max_import_bytes():,} bytes."


def _declared_length(request: Request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django refuses the malformed header itself when it reads the body


@extend_schema_serializer(component_name="ImportUpload")
class ImportInput(serializers.Serializer):
    file = serializers.FileField(
        help_text=".jsonl, .csv or .parquet (.jsonl.gz and .csv.gz too); the name picks the format."
    )
    skip_invalid = StrictBooleanField(
        default=False, help_text="Import the valid records and report the others."
    )
    # Named like DRF's Field.source, which mypy sees; at run time the metaclass moves it aside.
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=200,
        required=False,
        help_text="Names the rankings that a preference-pair file brings; default: the file name.",
    )

    def validate_file(self, file: UploadedFile) -> UploadedFile:
        if file.size is not None and file.size > max_import_bytes():
            raise serializers.ValidationError(_too_big(file.size))
        return file


@extend_schema_serializer(component_name="ImportReport")
class ImportReportOutput(serializers.Serializer):
    format = serializers.CharField(source="file_format")
    kind = serializers.ChoiceField(choices=["items", "pairs"])
    source = serializers.CharField()  # type: ignore[assignment]
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(), help_text="The first 100 skipped records, and why."
    )
    rankings_created = serializers.IntegerField()
    elapsed_seconds = serializers.FloatField()


@extend_schema_serializer(component_name="ImportJob")
class ImportJobOutput(serializers.ModelSerializer):
    report = ImportReportOutput(read_only=True, allow_null=True, help_text="Once it succeeded.")
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(),
        read_only=True,
        help_text="The first 100 problems, by line: the skipped records, or why it failed.",
    )

    class Meta:
        model = ImportJob
        fields = [
            "id", "status", "file_name", "file_size", "skip_invalid", "source", "rows_read",
            "rows_stored", "rows_rejected", "cancel_requested", "report", "errors",
            "error_total", "error", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields


def _refusal_body(invalid: ImportInvalid) -> dict[str, Any]:
    errors = list(invalid.errors)
    if invalid.total > len(errors):
        errors.append(f"{invalid.total} problems in all; the first {len(errors)} are listed.")
    return error_body(
        status_code=status.HTTP_400_BAD_REQUEST,
        code="invalid",
        message=errors[0],
        fields={"file": errors},
    )


def _in_background(upload: UploadedFile) -> bool:
    return (upload.size or 0) > settings.RANKWISE_IMPORT_SYNC_BYTES and imports_in_background()


class ProjectImportView(ProjectScoped, generics.ListAPIView):
    permission_classes = [IsProjectAdmin]
    parser_classes = [MultiPartParser]
    serializer_class = ImportJobOutput

    def get_queryset(self) -> QuerySet[ImportJob]:
        """The project's import jobs, newest first (small uploads leave none)."""
        return ImportJob.objects.filter(project=self.project).order_by("-created_at", "-id")

    @extend_schema(
        request={"multipart/form-data": ImportInput},
        responses={201: ImportReportOutput, 202: ImportJobOutput},
    )
    def post(self, request: Request, project_id: int) -> Response:
        # Refuse an oversize upload before its body is read and spooled to disk.
        declared = _declared_length(request)
        if declared > max_import_bytes() + MULTIPART_OVERHEAD:
            raise serializers.ValidationError({"file": [_too_big(declared, "upload")]})
        data = ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload: UploadedFile = data.validated_data["file"]
        if _in_background(upload):
            return self._queue(request, upload, data.validated_data)
        try:
            report = items_import(
                project=self.project,
                # Django types the underlying file loosely; an upload always has one.
                file=cast("IO[bytes]", upload.file),
                file_name=upload.name or "",
                skip_invalid=data.validated_data["skip_invalid"],
                source=data.validated_data.get("source"),
            )
        except ImportInvalid as invalid:
            return Response(_refusal_body(invalid), status=status.HTTP_400_BAD_REQUEST)
        return Response(ImportReportOutput(report).data, status=status.HTTP_201_CREATED)

    def _queue(self, request: Request, upload: UploadedFile, data: dict[str, Any]) -> Response:
        try:
            job = import_job_create(
                project=self.project,
                file=upload,
                file_name=upload.name or "",
                skip_invalid=data["skip_invalid"],
                source=data.get("source"),
                created_by=request.user,
            )
        except ImportInvalid as invalid:
            return Response(_refusal_body(invalid), status=status.HTTP_400_BAD_REQUEST)
        return Response(ImportJobOutput(job).data, status=status.HTTP_202_ACCEPTED)


def _job_of(view: ProjectScoped, job_id: int) -> ImportJob:
    return get_object_or_404(ImportJob, pk=job_id, project=view.project)


class ImportJobDetailView(ProjectScoped, APIView):
    permission_classes = [IsProjectAdmin]

    @extend_schema(responses=ImportJobOutput)
    def get(self, request: Request, project_id: int, job_id: int) -> Response:
        return Response(ImportJobOutput(_job_of(self, job_id)).data)


class ImportJobCancelView(ProjectScoped, APIView):
    permission_classes = [IsProjectAdmin]

    @extend_schema(
        request=None, responses={200: ImportJobOutput, **conflict_responses(ImportJobFinished)}
    )
    def post(self, request: Request, project_id: int, job_id: int) -> Response:
        """Cancel a queued job at once, a running one at its next batch; 409 once it ended."""
        job = import_job_cancel(job=_job_of(self, job_id))
        return Response(ImportJobOutput(job).data)
