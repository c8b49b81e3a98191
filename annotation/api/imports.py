"""Upload a file of items (or preference pairs) into a project."""

from __future__ import annotations

from typing import IO, Any, cast

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.permissions import IsProjectAdmin, ProjectScoped
from annotation.services.imports import ImportInvalid, items_import
from config.api import error_body

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
    skip_invalid = serializers.BooleanField(
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


class ProjectImportView(ProjectScoped, APIView):
    permission_classes = [IsProjectAdmin]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ImportInput}, responses={201: ImportReportOutput}
    )
    def post(self, request: Request, project_id: int) -> Response:
        # Refuse an oversize upload before its body is read and spooled to disk.
        declared = _declared_length(request)
        if declared > max_import_bytes() + MULTIPART_OVERHEAD:
            raise serializers.ValidationError({"file": [_too_big(declared, "upload")]})
        data = ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload: UploadedFile = data.validated_data["file"]
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
