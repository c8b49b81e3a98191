"""Input fields that read every content type the same, strictly.

DRF's own fields are forgiving in ways that lose information silently: a
BooleanField takes "yes", 1 or "on", reads a form that leaves it out as false,
and a nested serializer in a multipart body looks only for ``config.epochs``
parts, so a ``config`` part holding JSON is dropped and its defaults used; a
CharField takes 0 as "0" and a FloatField takes false as 0.0. Every input
serializer of the API uses these instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.utils import html

from config.json_limits import loads_bounded

#: Serializer context flag: the data is a query string's, so every value is text.
TEXT_VALUES = "text_values"


class _Text(str):
    """A value that arrived as text (a form field, a query parameter), not as JSON."""


def _reads_text(field: serializers.Field, dictionary: Any) -> bool:
    return html.is_html_input(dictionary) or bool(field.context.get(TEXT_VALUES))


def _text_value(field: serializers.Field, dictionary: Mapping[str, Any]) -> Any:
    """The raw value of a text-only input, marked as text; a blank one stays blank."""
    name = field.field_name or ""
    if name not in dictionary:
        return empty
    value = dictionary[name]
    return _Text(value) if isinstance(value, str) else value


def json_text_parse(text: str) -> Any:
    """A form field's JSON, bounded like a JSON body; a ValidationError when it is not JSON."""
    try:
        return loads_bounded(text)
    except ValueError as exc:
        raise serializers.ValidationError(f"Not valid JSON: {exc}") from exc


class StrictBooleanField(serializers.BooleanField):
    """A boolean: JSON true or false; in a form or query string, the text true or false
    (any case). Nothing else, not "yes", 1, "on" or a blank."""

    default_error_messages = {"invalid": "Must be true or false."}
    # DRF reads a form that leaves a boolean out as false; left out means left out.
    default_empty_html = empty

    def get_value(self, dictionary: Any) -> Any:
        if _reads_text(self, dictionary):
            return _text_value(self, dictionary)
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        if isinstance(data, _Text) and data.lower() in ("true", "false"):
            return data.lower() == "true"
        self.fail("invalid")
        raise AssertionError("unreachable")  # fail() raises


class StrictJSONField(serializers.JSONField):
    """Any JSON value; a form field holding JSON text is parsed like a JSON body."""

    default_error_messages = {"invalid": "Must be valid JSON."}

    def get_value(self, dictionary: Any) -> Any:
        if _reads_text(self, dictionary):
            return _text_value(self, dictionary)
        return dictionary.get(self.field_name, empty)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, _Text) or self.binary:
            if isinstance(data, bytes):
                data = data.decode("utf-8", "replace")
            return json_text_parse(str(data))
        return super().to_internal_value(data)


class _StrictString(serializers.Field):
    """A string: a JSON string or form text, never a number or boolean turned into one."""

    def get_value(self, dictionary: Any) -> Any:
        # Form text as sent: DRF reads a blank part for a field that may be left out as left out.
        if _reads_text(self, dictionary):
            return _text_value(self, dictionary)
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            raise serializers.ValidationError("Must be a string.")
        return super().to_internal_value(data)


class StrictCharField(_StrictString, serializers.CharField):
    pass


class StrictSlugField(_StrictString, serializers.SlugField):
    pass


class _StrictNumber(serializers.Field):
    """A number: a JSON number, or form text that reads as one. Not true/false (Python
    counts them as 1 and 0) and not a JSON string holding digits."""

    def get_value(self, dictionary: Any) -> Any:
        if _reads_text(self, dictionary):
            return _text_value(self, dictionary)
        return super().get_value(dictionary)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        # Form text has no null of its own: a nullable number reads "null" (or a blank) as null.
        if isinstance(data, _Text) and data in ("", "null") and self.allow_null:
            data = None
        return super().validate_empty_values(data)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool):
            raise serializers.ValidationError("Must be a number, not true/false.")
        if isinstance(data, str) and not isinstance(data, _Text):
            raise serializers.ValidationError("Must be a number, not a string.")
        return super().to_internal_value(data)


class StrictIntegerField(_StrictNumber, serializers.IntegerField):
    pass


class StrictFloatField(_StrictNumber, serializers.FloatField):
    pass


class StrictDecimalField(_StrictNumber, serializers.DecimalField):
    pass


class _DottedParts(tuple[str, ...]):
    """The ``field.key`` parts a form sent where one JSON part was expected."""


class NestedInput(serializers.Serializer):
    """An object nested in an input: in a JSON body, an object; in a multipart body, one
    part holding that object as JSON, validated by this same serializer."""

    def get_value(self, dictionary: Any) -> Any:
        if not html.is_html_input(dictionary):
            return super().get_value(dictionary)
        if self.field_name in dictionary:
            return _text_value(self, dictionary)
        prefix = f"{self.field_name}."
        dotted = _DottedParts(sorted(key for key in dictionary if key.startswith(prefix)))
        return dotted or empty

    def run_validation(self, data: Any = empty) -> Any:
        if isinstance(data, _DottedParts):
            raise serializers.ValidationError(
                f"Send {self.field_name} as one part holding a JSON object, "
                f"not as separate parts ({', '.join(data)})."
            )
        if isinstance(data, _Text):
            data = json_text_parse(data)
        return super().run_validation(data)


class InputModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer for input: the model's strings, numbers, booleans, JSON read strictly."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.SlugField: StrictSlugField,
        models.IntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.BigIntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.PositiveBigIntegerField: StrictIntegerField,
        models.FloatField: StrictFloatField,
        models.DecimalField: StrictDecimalField,
        models.BooleanField: StrictBooleanField,
        models.JSONField: StrictJSONField,
    }
