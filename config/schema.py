"""OpenAPI post-processing: every operation documents the one error body it can return."""

from __future__ import annotations

from typing import Any

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


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorBody"] = ERROR_BODY
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
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
    return result
