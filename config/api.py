"""What every Rankwise API response shares: the error body and the pagination."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from config.errors import Conflict


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Any) -> int | None:
        # DRF falls back to the default size on a malformed page_size; say so instead.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        digits = raw.lstrip("0") if raw.isascii() and raw.isdigit() else ""
        if not digits:
            message = "A whole number, 1 or more."
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return self.max_page_size if len(digits) > 6 else min(int(digits), self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                size, most = self.page_size, self.max_page_size
                parameter["description"] = f"Results per page ({size} if left out, {most} at most)."
        return parameters


def error_body(
    *, status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """The one error shape: ``{"error": {"status", "code", "message", "fields"}}``."""
    return {
        "error": {"status": status_code, "code": code, "message": message, "fields": fields or {}}
    }


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested ValidationError detail into ``{"a.b.0.c": ["message"]}``."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(detail, list) and detail and all(isinstance(d, str) for d in detail):
        return {prefix or "non_field_errors": [str(d) for d in detail]}
    if isinstance(detail, list):
        out = {}
        for index, value in enumerate(detail):
            if value:
                out.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {prefix or "non_field_errors": [str(detail)]}


def _summary(fields: dict[str, list[str]]) -> str:
    field, messages = next(iter(fields.items()))
    text = messages[0]
    return text if field == "non_field_errors" else f"{field}: {text}"


def request_error_body(exc: Exception) -> dict[str, Any] | None:
    """The error body for what Django raises while it reads a request (a body over the
    size limit, too many fields, a malformed multipart body), or None for anything else."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        message = f"The request body is larger than the limit of {limit:,} bytes"
        return error_body(
            status_code=413, code="too_large", message=f"{message} (uploaded files aside)."
        )
    if isinstance(exc, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        message = f"The request has more than {limit:,} fields."
        return error_body(status_code=400, code="too_many_fields", message=message)
    if isinstance(exc, TooManyFilesSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        message = f"The request has more than {limit:,} files."
        return error_body(status_code=400, code="too_many_files", message=message)
    if isinstance(exc, MultiPartParserError):
        message = f"Multipart form parse error - {exc}"
        return error_body(status_code=400, code="parse_error", message=message)
    if isinstance(exc, UnreadablePostError):
        message = f"The request body could not be read: {exc}"
        return error_body(status_code=400, code="parse_error", message=message)
    if isinstance(exc, (SuspiciousOperation, BadRequest)):
        return error_body(status_code=400, code="bad_request", message="Bad request.")
    return None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request_error = request_error_body(exc)
    if request_error is not None:
        set_rollback()
        return Response(request_error, status=request_error["error"]["status"])
    if isinstance(exc, Conflict):
        fields = getattr(exc, "fields", None)  # a conflict may name what it is about
        body = error_body(status_code=409, code=exc.code, message=exc.message, fields=fields)
        return Response(body, status=409)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        # Services raise Django's ValidationError; the API answers it as a 400.
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail) or {"non_field_errors": ["Invalid input."]}
        body = error_body(
            status_code=response.status_code,
            code="invalid",
            message=_summary(fields),
            fields=fields,
        )
    else:
        codes = exc.get_codes()
        body = error_body(
            status_code=response.status_code,
            code=codes if isinstance(codes, str) else "error",
            message=str(exc.detail)
            if not isinstance(exc.detail, (dict, list))
            else "Request failed.",
        )
    response.data = body
    return response
