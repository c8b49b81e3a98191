"""The remote reward endpoint in OpenRLHF's protocol (``--reward.remote_url``).

OpenRLHF posts ``{"query": [...], "prompts": [...], "labels": [...]}`` and reads
``rewards``, ``scores`` and ``extra_logs`` back (openrlhf/utils/agent.py,
openrlhf/cli/serve_rm.py). It sends no headers of its own, so besides the usual
``Authorization: Token <key>`` the token may ride in the URL (``?token=<key>``): the URL
is all a trainer is given. Such a URL is a credential: keep it out of shared logs.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.fields import TEXT_VALUES, StrictBooleanField, StrictCharField, StrictIntegerField
from config.schema import ERROR_BODY_REF
from projects.authentication import ProjectTokenAuthentication
from projects.permissions import IsProjectResearcher, ProjectScoped
from training.services import reward, scoring


def _text() -> StrictCharField:
    return StrictCharField(max_length=100_000, trim_whitespace=False, allow_blank=True)


class QueryTokenAuthentication(ProjectTokenAuthentication):
    """A project token given as ``?token=`` (checked like the Authorization header's)."""

    def authenticate(self, request: Request) -> Any:
        key = request.query_params.get("token")
        if not key:
            return None  # the header classes after this one may still sign the request in
        self.request = request
        return self.authenticate_credentials(key)


class QueryTokenScheme(OpenApiAuthenticationExtension):
    target_class = QueryTokenAuthentication
    name = "queryToken"
    priority = 1  # before drf-spectacular's own scheme for every TokenAuthentication

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "query", "name": "token"}


class ScoringUnavailable(exceptions.APIException):
    status_code = 503
    default_code = "scoring_unavailable"
    default_detail = "The model did not answer in time; retry."


class RewardParams(serializers.Serializer):
    model = StrictIntegerField(
        required=False, min_value=1, help_text="A model id; the project's active model if left out."
    )
    normalize = StrictBooleanField(
        required=False,
        help_text="true: rewards in units of the model's reward spread (mean 0, std 1 on its "
        "evaluation data); false (default): raw rewards.",
    )
    token = StrictCharField(
        required=False, max_length=64, help_text="An API token, for clients that send no headers."
    )


@extend_schema_serializer(component_name="RemoteReward")
class RewardInput(serializers.Serializer):
    query = serializers.ListField(
        child=_text(),
        min_length=1,
        help_text="Each a full text: the prompt followed by the policy's response.",
    )
    prompts = serializers.ListField(
        child=_text(),
        required=False,
        allow_null=True,
        help_text="The prompt of each query; split off the query's start when it is there.",
    )
    labels = serializers.ListField(
        child=serializers.JSONField(allow_null=True),
        required=False,
        allow_null=True,
        help_text="Accepted for OpenRLHF and not used: a reward model needs no reference.",
    )

    def validate_query(self, value: list[str]) -> list[str]:
        most = settings.TRAINING_REWARD_MAX_QUERIES
        if len(value) > most:
            raise serializers.ValidationError(f"At most {most} queries per request.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        n = len(attrs["query"])
        for name in ("prompts", "labels"):
            given = attrs.get(name)
            if given is not None and len(given) != n:
                message = f"One per query: {len(given)} given for {n} queries."
                raise serializers.ValidationError({name: [message]})
        return attrs


class RewardExtraLogs(serializers.Serializer):
    reward_raw = serializers.ListField(child=serializers.FloatField())
    reward_normalized = serializers.ListField(child=serializers.FloatField())
    prompt_matched = serializers.ListField(
        child=serializers.FloatField(),
        help_text="1 where the prompt was the query's start and was split off, else 0.",
    )
    model_version = serializers.ListField(child=serializers.FloatField())


@extend_schema_serializer(component_name="RemoteRewards")
class RewardOutput(serializers.Serializer):
    rewards = serializers.ListField(child=serializers.FloatField())
    scores = serializers.ListField(child=serializers.FloatField(), help_text="The rewards again.")
    extra_logs = RewardExtraLogs(help_text="Per query numbers OpenRLHF logs beside the reward.")


class RemoteRewardView(ProjectScoped, APIView):
    """Rewards for an RL trainer, in OpenRLHF's remote reward protocol."""

    authentication_classes = [QueryTokenAuthentication, ProjectTokenAuthentication]
    permission_classes = [IsProjectResearcher]

    @extend_schema(
        request=RewardInput,
        responses={
            200: RewardOutput,
            401: OpenApiResponse(ERROR_BODY_REF, description="No token, or an unknown one."),
            503: OpenApiResponse(
                ERROR_BODY_REF, description="The model did not answer in time; retry."
            ),
        },
        parameters=[
            OpenApiParameter("model", int, description="A model id; the active model if left out."),
            OpenApiParameter("normalize", bool, description="Normalized instead of raw rewards."),
        ],
    )
    def post(self, request: Request, project_id: int) -> Response:
        params = RewardParams(data=request.query_params, context={TEXT_VALUES: True})
        params.is_valid(raise_exception=True)
        data = RewardInput(data=request.data)
        data.is_valid(raise_exception=True)
        model = scoring.model_for_scoring(
            project=self.project, model_id=params.validated_data.get("model")
        )
        try:
            scored = reward.queries_score(
                model=model,
                queries=data.validated_data["query"],
                prompts=data.validated_data.get("prompts"),
            )
        except scoring.ScoringUnavailable as error:
            raise ScoringUnavailable(str(error)) from error
        rewards = scored.normalized if params.validated_data.get("normalize") else scored.rewards
        n = len(rewards)
        body = {
            "rewards": rewards,
            "scores": rewards,
            "extra_logs": {
                "reward_raw": scored.rewards,
                "reward_normalized": scored.normalized,
                "prompt_matched": [float(m) for m in scored.prompt_matched],
                "model_version": [float(model.number)] * n,
            },
        }
        return Response(RewardOutput(body).data)
