"""Query parameters validated like a body: a serializer, and no parameter it does not know."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request

from config.fields import TEXT_VALUES

# Read by the pagination, not by the view's serializer.
PAGING = frozenset({"page", "page_size"})


def query_validate(
    serializer_class: type[serializers.Serializer], request: Request, *, paged: bool = True
) -> dict[str, Any]:
    """The request's query parameters, validated by ``serializer_class``; a misspelt or
    repeated parameter is a 400 rather than a filter silently left out."""
    known = set(serializer_class().fields) | (PAGING if paged else set())
    params = request.query_params
    problems = {name: ["Unknown query parameter."] for name in params if name not in known} | {
        name: ["Give this parameter once."] for name in params if len(params.getlist(name)) > 1
    }
    if problems:
        raise serializers.ValidationError(problems)
    data = serializer_class(
        data={name: params[name] for name in params if name not in PAGING},
        context={TEXT_VALUES: True},
    )
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)
