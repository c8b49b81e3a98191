"""The settings a training run accepts from a researcher, derived from the engine's
``TrainConfig``: each field a researcher may set carries its ``UserSetting`` (bounds,
choices, help), so a new engine setting reaches the API by being marked there."""

from __future__ import annotations

import dataclasses
from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from config.fields import (
    NestedInput,
    StrictBooleanField,
    StrictCharField,
    StrictFloatField,
    StrictIntegerField,
)
from config.schema import schema_keywords
from training.engine.config import UserSetting, user_settings

_BY_TYPE: dict[str, type[serializers.Field]] = {
    "bool": StrictBooleanField,
    "int": StrictIntegerField,
    "float": StrictFloatField,
    "str": StrictCharField,
}


def setting_field(setting: dataclasses.Field[Any]) -> serializers.Field:
    """The serializer field for one ``TrainConfig`` field a researcher may set."""
    user: UserSetting = setting.metadata["user"]
    kind = str(setting.type)
    options: dict[str, Any] = {"required": False}
    if kind.endswith("| None"):
        options["allow_null"] = True
    if user.help:
        options["help_text"] = user.help
    if user.choices:
        return serializers.ChoiceField(choices=list(user.choices), **options)
    if user.allow_blank:
        options["allow_blank"] = True
    if user.max_length is not None:
        options["max_length"] = user.max_length
    if user.minimum is not None:
        options["min_value"] = user.minimum
    if user.maximum is not None:
        options["max_value"] = user.maximum
    return _BY_TYPE[kind.removesuffix(" | None")](**options)


@extend_schema_serializer(
    component_name="TrainingConfigInput", extensions=schema_keywords(additionalProperties=False)
)
class ConfigInput(NestedInput):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {setting.name: setting_field(setting) for setting in user_settings()}

    def to_internal_value(self, data: Any) -> Any:
        """A misspelt setting would otherwise vanish and the run train with the default."""
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                known = ", ".join(sorted(self.fields))
                raise serializers.ValidationError(
                    {key: [f"Unknown setting; known: {known}."] for key in unknown}
                )
        return super().to_internal_value(data)
