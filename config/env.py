"""One strict reader of the process environment.

django-environ parses URLs well but forgives too much: ``env.bool("X")`` turns
``X=flase`` into ``False`` without a word. Rankwise settings go through this
module so that a malformed value stops the process with the variable's name,
and so that the set of variables the settings read is known (docker-compose.yml
is tested against it).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
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


def directory(name: str) -> Path | None:
    """An existing directory (absolute), or None when unset."""
    value = _raw(name)
    if value is None:
        return None
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise _fail(name, value, "an existing directory")
    return path


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def named_directories(name: str) -> dict[str, Path]:
    """``name=path,name=path``: names of letters, digits, ``.``, ``_`` and ``-``, each once;
    each path an existing directory."""
    value = _raw(name)
    found: dict[str, Path] = {}
    for item in (value or "").split(","):
        if not item.strip():
            continue
        key, equals, raw_path = (part.strip() for part in item.partition("="))
        if not equals or not _NAME.fullmatch(key) or not raw_path:
            raise _fail(name, item.strip(), "name=/path pairs (names of letters, digits, . _ -)")
        if key in found:
            raise _fail(name, item.strip(), f"each name once ({key} is given twice)")
        path = Path(raw_path).expanduser().resolve()
        if not path.is_dir():
            raise _fail(name, item.strip(), f"an existing directory for {key}")
        found[key] = path
    return found


def database(name: str, default: str) -> dict[str, Any]:
    value = _raw(name) or default
    try:
        config: dict[str, Any] = environ.Env.db_url_config(value)
    except (ImproperlyConfigured, ValueError, KeyError) as exc:
        raise _fail(name, value, f"a URL such as postgres://user@host:5432/db ({exc})") from exc
    if config.get("ENGINE") not in SUPPORTED_DATABASES:
        raise _fail(name, value, "a postgres:// or sqlite:/// URL")
    return config
