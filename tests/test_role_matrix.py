"""Who may call what: every API route and method, walked from the URLconf, for every role,
on the caller's own project, on another project, and with another project's object ids.

A new endpoint fails ``test_every_api_route_and_method_is_classified`` until it is given
its least role in ACCESS below. Conventions checked (see projects.permissions): signed
out is DRF's "not_authenticated" (401 or 403); outside a project, or with an id of another
project's object, 404 (ids do not leak); a member without the role, 403; superusers are
admins of every project.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token
from rest_framework.parsers import JSONParser
from rest_framework.test import APIClient

from config.celery import app as celery_app
from tests.api_world import (
    PROJECT_ROLES,
    World,
    object_of,
    tasks_published,
    world_kept,
)

pytestmark = pytest.mark.django_db


class Access(enum.IntEnum):
    """The least a caller needs; project roles in rank order."""

    PUBLIC = 0
    SIGNED_IN = 1
    ANNOTATOR = 2
    RESEARCHER = 3
    ADMIN = 4
    STAFF = 5  # Django staff, in no particular project


P, S, A, R, M, STAFF = (
    Access.PUBLIC,
    Access.SIGNED_IN,
    Access.ANNOTATOR,
    Access.RESEARCHER,
    Access.ADMIN,
    Access.STAFF,
)

# (URL name, method) → the least access it needs. HEAD follows GET, OPTIONS is checked
# against the view's other methods (test_role_matrix).
ACCESS: dict[tuple[str, str], Access] = {
    ("schema", "GET"): P,
    ("api-docs", "GET"): P,
    ("auth-session", "GET"): P,
    ("auth-login", "POST"): P,
    ("auth-logout", "POST"): P,
    ("auth-token", "POST"): P,
    ("auth-token", "DELETE"): S,
    ("auth-token-rotate", "POST"): S,
    ("my-preferences", "GET"): S,
    ("my-preferences", "PATCH"): S,
    ("project-list", "GET"): S,
    ("project-list", "POST"): STAFF,
    ("project-detail", "GET"): A,
    ("project-detail", "PATCH"): M,
    ("member-list", "GET"): R,
    ("member-list", "POST"): M,
    ("member-detail", "PATCH"): M,
    ("member-detail", "DELETE"): M,
    ("member-password", "POST"): M,
    ("users", "POST"): M,
    ("items", "GET"): R,
    ("item-models", "GET"): R,
    ("item-detail", "GET"): R,
    ("next-item", "POST"): A,
    ("rankings", "GET"): A,
    ("rankings", "POST"): A,
    ("skips", "POST"): A,
    ("flags", "POST"): A,
    ("progress", "GET"): A,
    ("history", "GET"): A,
    ("history-item", "GET"): A,
    ("activity", "GET"): R,
    ("reviews", "GET"): R,
    ("review", "POST"): M,
    ("project-import", "GET"): M,
    ("project-import", "POST"): M,
    ("import-job", "GET"): M,
    ("import-job-cancel", "POST"): M,
    ("dataset-versions", "GET"): R,
    ("dataset-versions", "POST"): R,
    ("dataset-version", "GET"): R,
    ("dataset-version-preview", "POST"): R,
    ("agreement", "GET"): R,
    ("consensus-refresh", "POST"): R,
    ("export-create", "POST"): R,
    ("export-detail", "GET"): R,
    ("export-download", "GET"): R,
    ("training-runs", "GET"): R,
    ("training-runs", "POST"): R,
    ("training-run", "GET"): R,
    ("training-log", "GET"): R,
    ("training-cancel", "POST"): R,
    ("training-resume", "POST"): R,
    ("backbones", "GET"): R,
    ("models", "GET"): R,
    ("model-promote", "POST"): R,
    ("model-download", "GET"): R,
    ("score", "POST"): R,
    ("remote-reward", "POST"): R,
    ("disputes", "GET"): R,
    ("evaluation-sets", "GET"): R,
    ("evaluation-sets", "POST"): R,
    ("evaluation-set", "GET"): R,
    ("evaluation-set", "PATCH"): R,
    ("evaluation-set", "DELETE"): R,
    ("evaluation-rerun", "POST"): R,
    ("generators", "GET"): R,
    ("generators", "POST"): R,
    ("generator", "GET"): R,
    ("generator", "PATCH"): R,
    ("generator", "DELETE"): R,
    ("generator-try", "POST"): R,
    ("generation-jobs", "GET"): R,
    ("generation-jobs", "POST"): R,
    ("generation-job", "GET"): R,
    ("generation-job-cancel", "POST"): R,
    ("generation-job-resume", "POST"): R,
    ("generation-job-retry", "POST"): R,
    ("leaderboard", "GET"): R,
}

# Bodies valid enough that the view reaches its object lookup: with another project's id,
# the answer must be that 404, not a 400 about the body.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("review", "POST"): {"review_status": "resolved"},
    ("member-detail", "PATCH"): {"role": "annotator"},
    ("export-create", "POST"): {"format": "trl_jsonl"},
    ("evaluation-set", "PATCH"): {"gates_promotion": True},
    ("generator-try", "POST"): {"prompt": "Hello?"},
    ("generator", "PATCH"): {"temperature": 0.5},
}

ROLES = ["anonymous", "outsider", "annotator", "researcher", "admin", "superuser"]
ROLE_ACCESS = {
    "annotator": Access.ANNOTATOR,
    "researcher": Access.RESEARCHER,
    "admin": Access.ADMIN,
}
assert list(ROLE_ACCESS) == PROJECT_ROLES


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    view: type
    methods: tuple[str, ...]  # what its view handles, but HEAD and OPTIONS
    answers_options: bool

    @property
    def kwargs(self) -> list[str]:
        return [part.split(">")[0].split(":")[-1] for part in self.route.split("<")[1:]]


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def api_routes() -> list[Route]:
    """Every pattern under api/ in config.urls, with the methods its view handles."""
    routes = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith("api/"):
            continue
        view = pattern.callback.cls  # type: ignore[attr-defined]
        initkwargs = pattern.callback.view_initkwargs  # type: ignore[attr-defined]
        allowed = initkwargs.get("http_method_names", view.http_method_names)
        names = [m for m in allowed if m not in ("head", "options")]
        methods = tuple(m.upper() for m in names if hasattr(view, m))
        routes.append(Route(pattern.name or route, route, view, methods, "options" in allowed))
    return routes


ROUTES = api_routes()
OPERATIONS = [(route, method) for route in ROUTES for method in route.methods]


def test_every_api_route_and_method_is_classified():
    found = {(route.name, method) for route, method in OPERATIONS}
    assert sorted(found - set(ACCESS)) == [], "new endpoints: give each its least role in ACCESS"
    assert sorted(set(ACCESS) - found) == [], "ACCESS names endpoints that no longer exist"
    assert len({route.name for route in ROUTES}) == len(ROUTES), "every API route needs a name"
    for route in ROUTES:
        for kwarg in route.kwargs:
            assert object_of(route.name, kwarg), f"{route.route}: which object does {kwarg} name?"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    # One world for every test: each request's writes are rolled back (call()).
    with django_db_blocker.unblock(), world_kept(tmp_path_factory.mktemp("media")) as world:
        yield world


def expected(access: Access, role: str, scope: str) -> str:
    """ "allowed", or the denial: "signed_out", "hidden" (404) or "forbidden" (403)."""
    if access == Access.PUBLIC:
        return "allowed"
    if role == "anonymous":
        return "signed_out"
    if access == Access.SIGNED_IN:
        return "allowed"
    if access == Access.STAFF:
        return "allowed" if role == "superuser" else "forbidden"
    if role == "outsider":
        return "hidden"
    if role == "superuser":
        return "hidden" if scope == "mixed" else "allowed"
    if scope == "other":
        return "hidden"
    if ROLE_ACCESS[role] < access:
        return "forbidden"
    return "hidden" if scope == "mixed" else "allowed"


def outcome(status: int, body: dict[str, Any] | None) -> str:
    if status >= 500 or status == 405:
        return f"broken ({status})"
    code = (body or {}).get("error", {}).get("code") if status in (401, 403, 404) else None
    if status in (401, 403) and code == "not_authenticated":
        return "signed_out"
    if status == 403 and code == "permission_denied":
        return "forbidden"
    if status == 404 and code == "not_found":
        return "hidden"
    if status in (401, 403, 404):
        return f"denied without the error body ({status})"
    return "allowed"


def scopes(route: Route) -> list[str]:
    if "project_id" not in route.kwargs:
        return ["own"]
    return ["own", "other", "mixed"] if len(route.kwargs) > 1 else ["own", "other"]


def call(client: APIClient, route: Route, method: str, url: str) -> tuple[int, Any]:
    """One request, its writes rolled back so that every role meets the same world."""
    body = BODIES.get((route.name, method), {})
    json_body = any(isinstance(parser, JSONParser) for parser in _parsers(route))
    request_format = "json" if json_body else "multipart"
    with transaction.atomic():
        response = (
            client.generic(method, url)
            if method in ("HEAD", "OPTIONS")
            else getattr(client, method.lower())(url, body, format=request_format)
        )
        transaction.set_rollback(True)
    is_json = response.get("Content-Type", "").startswith("application/json")
    return response.status_code, response.json() if is_json and response.content else None


def _parsers(route: Route) -> list[Any]:
    return route.view().get_parsers()


def client_for(world: World, role: str, auth: str) -> APIClient:
    client = APIClient()
    user = world.users[role]
    if user is not None and auth == "session":
        client.force_authenticate(user)
    elif user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_a_run_is_dispatched_on_commit_which_a_test_never_reaches(
    world, django_capture_on_commit_callbacks
):
    # The matrix starts runs, builds and exports: this is why no worker ever gets them.
    researcher = client_for(world, "researcher", "session")
    url = reverse("training-runs", kwargs={"project_id": world.objects["own"]["project"]})
    with tasks_published() as published:
        with django_capture_on_commit_callbacks(execute=False) as on_commit:
            response = researcher.post(url, {}, format="json")
            assert response.status_code == 201, response.json()
        assert published == []
        try:
            for callback in on_commit:
                callback()  # what the commit would have done
        finally:
            with celery_app.connection_for_write() as connection:
                connection.default_channel.queue_purge("training")
    assert published == ["training.tasks.training_run_execute → training"]


@pytest.mark.parametrize("auth", ["session", "token"])
@pytest.mark.parametrize(
    ("route", "method"), OPERATIONS, ids=[f"{method} {route.name}" for route, method in OPERATIONS]
)
def test_role_matrix(world, route, method, auth):
    access = ACCESS[(route.name, method)]
    # Anonymous has no token: the session pass asks for it.
    roles = ROLES if auth == "session" else ROLES[1:]
    clients = {role: client_for(world, role, auth) for role in roles}
    wrong = []
    with tasks_published() as published:
        for scope in scopes(route):
            url = reverse(route.name, kwargs=world.url_kwargs(route.name, route.kwargs, scope))
            for role in roles:
                want = expected(access, role, scope)
                status, body = call(clients[role], route, method, url)
                if outcome(status, body) != want:
                    wrong.append(f"{role}, {scope} project: {outcome(status, body)}, not {want}")
                if method == "GET" and call(clients[role], route, "HEAD", url)[0] != status:
                    wrong.append(f"{role}, {scope} project: HEAD answers unlike GET")
    assert wrong == [], f"{method} {route.route}"
    # Runs, builds and exports are queued on commit, which a test transaction never does.
    assert published == []


OPTIONS_ROUTES = [route for route in ROUTES if route.answers_options]


@pytest.mark.parametrize("route", OPTIONS_ROUTES, ids=[route.name for route in OPTIONS_ROUTES])
def test_options_tells_nothing_to_whoever_may_call_nothing(world, route):
    # OPTIONS describes the view, not the object named: with another project's object id
    # it answers as on the caller's own project.
    clients = {role: client_for(world, role, "session") for role in ROLES}
    wrong = []
    for scope in scopes(route):
        url = reverse(route.name, kwargs=world.url_kwargs(route.name, route.kwargs, scope))
        for role in ROLES:
            access = [ACCESS[(route.name, method)] for method in route.methods]
            project = "own" if scope == "mixed" else scope
            wants = {expected(least, role, project) for least in access}
            got = outcome(*call(clients[role], route, "OPTIONS", url))
            if got.startswith("broken") or ("allowed" not in wants and got == "allowed"):
                wrong.append(f"{role}, {scope} project: OPTIONS {got}")
    assert wrong == [], route.route
