"""A bounded schemathesis run: every operation of the served OpenAPI schema, for each role,
with every check schemathesis has: no 5xx; status codes, content types, headers and bodies
as documented; input that breaks the schema refused, input that fits it accepted; auth not
ignored.

It runs in-process against Django's WSGI application inside the test's transaction, on the
world of tests/api_world.py: path parameters name that world's objects, each request's
writes are rolled back, and nothing it starts reaches a worker (work is queued on commit,
which a test never reaches; checked at the end). Derandomized and bounded: the superuser
gets the examples and coverage phases and the most fuzzed cases per operation, the other
roles fewer fuzzed cases, so the whole run takes a few minutes on two CPUs.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.cache import caches
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from django.urls import resolve
from rest_framework.authtoken.models import Token
from schemathesis.core.parameters import ParameterLocation

from tests.api_world import World, tasks_published, world_kept

pytestmark = pytest.mark.django_db

APP = get_wsgi_application()

# role → (phases besides fuzzing, fuzzed cases per operation)
BUDGET: dict[str, tuple[list[str], int]] = {
    "anonymous": ([], 3),
    "outsider": ([], 3),
    "annotator": ([], 6),
    "researcher": ([], 6),
    "admin": ([], 8),
    "superuser": (["examples", "coverage"], 10),
}

# Operations whose input has rules a schema cannot state: there, a request that fits the
# schema may still be a 400 (positive_data_acceptance accepts it, naming the rule).
RULES_BEYOND_THE_SCHEMA = {
    "POST /api/v1/auth/login/": "the username and password of an active account",
    "POST /api/v1/auth/token/": "the username and password of an active account",
    "POST /api/v1/projects/": "a slug no other project has",
    "POST /api/v1/projects/{project_id}/members/": "the username of an active user",
    "POST /api/v1/projects/{project_id}/users/": "a new username; Django's password rules",
    "POST /api/v1/projects/{project_id}/members/{member_id}/password/": ("Django's password rules"),
    "POST /api/v1/projects/{project_id}/imports/": (
        "a file named .jsonl, .csv or .parquet (.gz too) holding valid records"
    ),
    "POST /api/v1/projects/{project_id}/rankings/": (
        "prompt_id names an item of the project, tiers order exactly its completions"
    ),
    "POST /api/v1/projects/{project_id}/skips/": "prompt_id names an item of the project",
    "POST /api/v1/projects/{project_id}/flags/": "prompt_id names an item of the project",
    "POST /api/v1/projects/{project_id}/datasets/": "split shares that add up to 1",
    "POST /api/v1/projects/{project_id}/datasets/preview/": "split shares that add up to 1",
    "POST /api/v1/projects/{project_id}/training-runs/": (
        "a ready dataset version with training and validation pairs; settings that agree "
        "(min_prompt_tokens under max_length, ...)"
    ),
    "POST /api/v1/projects/{project_id}/score/": "an active model, or model names one",
    "POST /api/v1/projects/{project_id}/reward/": "an active model, or model names one",
    "POST /api/v1/projects/{project_id}/evaluation-sets/": (
        "a file named .jsonl or .parquet (.gz too) holding valid records; a name the project's "
        "sets do not have"
    ),
    "POST /api/v1/projects/{project_id}/models/{model_id}/promote/": (
        "override only from a project admin"
    ),
    "POST /api/v1/projects/{project_id}/generators/": (
        "a base_url for an OpenAI-compatible generator, a model of RANKWISE_GENERATOR_MODELS "
        "for a local one"
    ),
    "PATCH /api/v1/projects/{project_id}/generators/{generator_id}/": (
        "a base_url for an OpenAI-compatible generator, a model of RANKWISE_GENERATOR_MODELS "
        "for a local one"
    ),
    "POST /api/v1/projects/{project_id}/generation-jobs/": "generators of the project",
}

# Each signed-in role's API token, known before the world exists: schemathesis asks the
# auth provider while the tests are collected.
TOKENS = {role: f"schemathesis-{role}".ljust(40, "0") for role in BUDGET if role != "anonymous"}
# The world the tests run in, for the hook below (set by the `world` fixture).
CURRENT: dict[str, World] = {}


def _config(role: str) -> schemathesis.Config:
    phases, examples = BUDGET[role]
    beyond = {
        "include-name": list(RULES_BEYOND_THE_SCHEMA),
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", 400, 401, 403, 404, 409, 429, "5xx"]
            }
        },
    }
    return schemathesis.Config.from_dict(
        {
            "seed": 20261203,
            "generation": {
                "max-examples": examples,
                "deterministic": True,
                "database": "none",  # no failures replayed from earlier runs
                # Authentication is the role's token (below), never a generated one.
                "with-security-parameters": False,
            },
            "phases": {
                "examples": {"enabled": "examples" in phases},
                "coverage": {"enabled": "coverage" in phases},
                "fuzzing": {"enabled": True},
            },
            # Every check, a response slower than this included.
            "checks": {"enabled": True, "max_response_time": 30},
            "operations": [beyond],
        }
    )


SERVED = schemathesis.openapi.from_wsgi("/api/schema/?format=json", APP).raw_schema


def _schema_for(role: str) -> Any:
    # The schema the app serves, fetched once, with each role's configuration.
    schema = schemathesis.openapi.from_dict(copy.deepcopy(SERVED), config=_config(role))
    schema.app = APP
    if role != "anonymous":

        @schema.auth()
        class RoleToken:
            def get(self, case: Any, context: Any) -> str:
                return TOKENS[role]

            def set(self, case: Any, token: str, context: Any) -> None:
                case.headers = {**(case.headers or {}), "Authorization": f"Token {token}"}

    return schema


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Name the world's objects: random ids would only ever meet a 404. (A global hook:
    this module's tests are the only schemathesis tests.)"""
    names = re.findall(r"{(\w+)}", case.operation.path)
    path = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    if path is not None and path.mode == schemathesis.GenerationMode.NEGATIVE:
        return  # ids made invalid on purpose stay so
    if names and "world" in CURRENT:
        url_name = resolve(re.sub(r"{\w+}", "1", case.operation.path)).url_name or ""
        case.path_parameters.update(CURRENT["world"].url_kwargs(url_name, names, "own"))


# The sign-in throttle counts the fuzzer's wrong passwords, so each case starts with empty
# caches: in memory here, as clearing a Redis cache empties its whole database, the broker's
# queues with it when they share one (as in `make test`).
IN_MEMORY = {
    name: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": name}
    for name in ("default", "throttle")
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """One world for the whole module, rolled back at its end (each test and each request
    runs in a savepoint inside it)."""
    with (
        django_db_blocker.unblock(),
        override_settings(CACHES=IN_MEMORY),
        tasks_published() as published,
    ):
        with world_kept(tmp_path_factory.mktemp("media")) as world:
            for role, key in TOKENS.items():
                user = world.users[role]
                assert user is not None
                Token.objects.create(user=user, key=key)
            # As Django's test client does: a request must not close the connection that
            # holds the test's transaction.
            signals.request_started.disconnect(close_old_connections)
            signals.request_finished.disconnect(close_old_connections)
            CURRENT["world"] = world
            try:
                yield world
            finally:
                del CURRENT["world"]
                signals.request_started.connect(close_old_connections)
                signals.request_finished.connect(close_old_connections)
        assert published == [], "the run queued work for a worker"


def conforms(case: Any) -> None:
    for cache in caches.all():
        cache.clear()
    with transaction.atomic():
        case.call_and_validate()
        transaction.set_rollback(True)


def _role_test(role: str) -> Any:
    @_schema_for(role).parametrize()
    def test(case: Any, world: World) -> None:
        conforms(case)

    return test


test_anonymous_gets_what_the_schema_says = _role_test("anonymous")
test_an_outsider_gets_what_the_schema_says = _role_test("outsider")
test_an_annotator_gets_what_the_schema_says = _role_test("annotator")
test_a_researcher_gets_what_the_schema_says = _role_test("researcher")
test_a_project_admin_gets_what_the_schema_says = _role_test("admin")
test_a_superuser_gets_what_the_schema_says = _role_test("superuser")
