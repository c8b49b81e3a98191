"""One strict reader of the process environment.

django-environ parses URLs well but forgives too much: ``env.bool("X")`` turns
``X=flase`` into ``False`` without a word. Rankwise settings go through this
module so that a malformed value stops the process with the variable's name,
and so that the set of variables the settings read is known (docker-compose.yml
is tested against it).
"""

from __future__ import annotations

import os
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

SUPPORTED_DATABASES = ("django.db.backends.postgresql", "django.db.backends.sqlite3")

#: Every variable name the settings asked for, in order of first use.
NAMES_READ: list[str] = []


def _raw(name: str) -> str | None:
    if name not in NAMES_READ:
        NAMES_READ.append(name)
    value = os.environ.get(name)
    return None if value is None or value.strip() == "" else value.strip()


def _fail(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}={value!r} is not valid: expected {expected}.")


def string(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value


def required(name: str, why: str) -> str:
    value = _raw(name)
    if value is None:
        raise ImproperlyConfigured(f"{name} must be set: {why}")
    return value


def boolean(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise _fail(name, value, "one of true/false, yes/no, on/off, 1/0")


def integer(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _fail(name, value, "a whole number") from None
    if minimum is not None and number < minimum:
        raise _fail(name, value, f"a whole number >= {minimum}")
    return number


def choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() not in choices:
        raise _fail(name, value, "one of " + ", ".join(choices))
    return value.lower()


def string_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database(name: str, default: str) -> dict[str, Any]:
    value = _raw(name) or default
    try:
        config: dict[str, Any] = environ.Env.db_url_config(value)
    except (ImproperlyConfigured, ValueError, KeyError) as exc:
        raise _fail(name, value, f"a URL such as postgres://user@host:5432/db ({exc})") from exc
    if config.get("ENGINE") not in SUPPORTED_DATABASES:
        raise _fail(name, value, "a postgres:// or sqlite:/// URL")
    return config
