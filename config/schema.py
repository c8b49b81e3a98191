"""OpenAPI: every operation documents the one error body it can return.

The 400/403/404 that any operation may answer are added by a post-processing hook; the
409 that only some answer is declared on those views with ``conflict_responses``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse

from config.errors import Conflict

ERROR_BODY = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message", "fields"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}
ERRORS = {
    "400": "Invalid input; `fields` names each bad field.",
    "403": "Not signed in, or not allowed.",
    "404": "No such object (or not visible to you).",
}
TOO_LARGE = "The body (uploaded files aside) is over RANKWISE_MAX_REQUEST_BYTES."
UNSUPPORTED = "The body is not in a media type this operation reads."


ERROR_BODY_REF = {"$ref": "#/components/schemas/ErrorBody"}


def conflict_responses(*conflicts: type[Conflict]) -> dict[int, OpenApiResponse]:
    """For ``extend_schema(responses=...)``: the 409 a view answers when its service raises
    one of ``conflicts``, each named by its ``error.code``."""
    codes = ", ".join(f"`{conflict.code}`" for conflict in conflicts)
    description = f"The current state forbids it right now ({codes})."
    return {409: OpenApiResponse(response=ERROR_BODY_REF, description=description)}


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorBody"] = ERROR_BODY
    reference = {"application/json": {"schema": ERROR_BODY_REF}}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for status, description in ERRORS.items():
                operation["responses"].setdefault(
                    status, {"description": description, "content": reference}
                )
            if "requestBody" in operation:
                operation["responses"].setdefault(
                    "413", {"description": TOO_LARGE, "content": reference}
                )
                operation["responses"].setdefault(
                    "415", {"description": UNSUPPORTED, "content": reference}
                )
    return result


def schema_keywords(**keywords: Any) -> dict[str, Any]:
    """For ``extend_schema_serializer(extensions=...)``: JSON Schema keywords that say what
    the serializer enforces beyond its fields, e.g. ``additionalProperties=False`` for one
    that refuses unknown keys (``merge_schema_keywords`` moves them into its component)."""
    return {"x-schema-keywords": keywords}


def merge_schema_keywords(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    components = result.get("components", {}).get("schemas", {})
    for component in components.values():
        component.update(component.pop("x-schema-keywords", {}))
    # A body that must hold something cannot be left out either.
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                name = media["schema"].get("$ref", "").rpartition("/")[2]
                if components.get(name, {}).get("minProperties"):
                    operation["requestBody"]["required"] = True
    return result
