"""Generators of a project: researchers and admins define, change and try them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.fields import InputModelSerializer, StrictCharField
from config.schema import conflict_responses
from generation.models import Generator
from generation.selectors import generators_of
from generation.services import generators
from projects.permissions import IsProjectResearcher, ProjectScoped

FIELDS = [
    "name", "kind", "base_url", "model", "endpoint", "api_key_env", "temperature", "top_p",
    "max_tokens", "stop", "seed", "send_n", "concurrency", "timeout_seconds",
]  # fmt: skip
MAX_STOPS = 8


@extend_schema_serializer(component_name="GeneratorInput")
class GeneratorInput(InputModelSerializer):
    api_key = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        write_only=True,
        help_text="Stored encrypted and never shown; empty removes it. Or name api_key_env.",
    )
    stop = serializers.ListField(
        # Kept as typed: "\n\n" (end of a paragraph) is a stop string, not a blank one.
        child=StrictCharField(max_length=200, trim_whitespace=False),
        required=False,
        max_length=MAX_STOPS,
        help_text="Up to 8 stop strings.",
    )
    # Not Django's URL validator: it refuses the host names servers have inside a compose
    # network or a cluster (http://vllm:8000/v1).
    base_url = StrictCharField(
        required=False, allow_blank=True, max_length=500, help_text="…/v1 of the server."
    )

    def validate_base_url(self, value: str) -> str:
        parts = urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.hostname):
            raise serializers.ValidationError("Give an http:// or https:// URL with a host.")
        return value

    class Meta:
        model = Generator
        fields = [*FIELDS, "api_key"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The model's unique (project, name) is the service's to check: no project here.
        return attrs

    def get_validators(self) -> list[Any]:
        return []


@extend_schema_serializer(component_name="Generator")
class GeneratorOutput(serializers.ModelSerializer):
    has_api_key = serializers.SerializerMethodField()

    class Meta:
        model = Generator
        fields = ["id", *FIELDS, "has_api_key", "created_at", "updated_at"]
        read_only_fields = fields

    def get_has_api_key(self, generator: Generator) -> bool:
        return bool(generator.api_key_encrypted)


class GeneratorListView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(responses=GeneratorOutput(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        return Response(GeneratorOutput(generators_of(project=self.project), many=True).data)

    @extend_schema(
        request=GeneratorInput,
        responses={201: GeneratorOutput, **conflict_responses(generators.GeneratorNameTaken)},
    )
    def post(self, request: Request, project_id: int) -> Response:
        data = GeneratorInput(data=request.data)
        data.is_valid(raise_exception=True)
        generator = generators.generator_create(
            project=self.project,
            created_by=request.user,  # type: ignore[arg-type]
            **data.validated_data,
        )
        return Response(GeneratorOutput(generator).data, status=status.HTTP_201_CREATED)


def _generator(project_id: int, generator_id: int) -> Generator:
    return get_object_or_404(Generator, project_id=project_id, pk=generator_id)


class GeneratorDetailView(ProjectScoped, APIView):
    permission_classes = [IsProjectResearcher]

    @extend_schema(responses=GeneratorOutput)
    def get(self, request: Request, project_id: int, generator_id: int) -> Response:
        return Response(GeneratorOutput(_generator(project_id, generator_id)).data)

    @extend_schema(
        request=GeneratorInput,
        responses={200: GeneratorOutput, **conflict_responses(generators.GeneratorNameTaken)},
    )
    def patch(self, request: Request, project_id: int, generator_id: int) -> Response:
        generator = _generator(project_id, generator_id)
        data = GeneratorInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        api_key = fields.pop("api_key", None)
        generator = generators.generator_update(generator=generator, api_key=api_key, **fields)
        return Response(GeneratorOutput(generator).data)

    @extend_schema(responses={204: None, **conflict_responses(generators.GeneratorInUse)})
    def delete(self, request: Request, project_id: int, generator_id: int) -> Response:
        generators.generator_delete(generator=_generator(project_id, generator_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_serializer(component_name="GeneratorTryInput")
class TryInput(serializers.Serializer):
    prompt = StrictCharField(max_length=20_000, help_text="A sample prompt.")


@extend_schema_serializer(component_name="GeneratorTry")
class TryOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    text = serializers.CharField()
    finish_reason = serializers.CharField()
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()
    latency_ms = serializers.IntegerField()
    model = serializers.CharField()
    error = serializers.CharField(help_text="Why it failed (the server's answer), if it did.")


class GeneratorTryView(ProjectScoped, APIView):
    """Ask the generator for one completion of a sample prompt, once, and show the answer."""

    permission_classes = [IsProjectResearcher]

    @extend_schema(request=TryInput, responses=TryOutput)
    def post(self, request: Request, project_id: int, generator_id: int) -> Response:
        generator = _generator(project_id, generator_id)
        data = TryInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = generators.generator_try(generator=generator, prompt=data.validated_data["prompt"])
        return Response(TryOutput(result).data)
