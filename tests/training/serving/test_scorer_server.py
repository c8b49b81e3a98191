"""The scoring server's WSGI application (the compose ``scorer``): scoring only."""

import io
import json

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from training.serving.wsgi import application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # As Django's test client does: the test's transaction outlives each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _call(method, path, body=None, query="", token=""):
    data = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Token {token}"
    status = []
    chunks = application(environ, lambda s, headers: status.append(s))
    return int(status[0].split()[0]), b"".join(chunks)


def test_it_serves_rewards(project, models, researcher_token):
    path = f"/api/v1/projects/{project.pk}/reward/"
    body = {"query": ["Q: 2+2? A: 4"], "prompts": ["Q: 2+2?"]}
    status, content = _call("POST", path, body, query=f"token={researcher_token}")
    assert status == 200, content
    assert len(json.loads(content)["rewards"]) == 1


def test_it_serves_best_of_n(project, models, researcher_token):
    path = f"/api/v1/projects/{project.pk}/score/"
    body = {"prompt": "Q: 2+2?", "completions": ["4", "five", "no idea"]}
    status, content = _call("POST", path, body, token=researcher_token)
    assert status == 200, content
    answer = json.loads(content)
    rewards = [s["reward"] for s in answer["scores"]]
    assert answer["ranking"] == sorted(range(3), key=lambda i: -rewards[i])
    assert answer["best"] == answer["ranking"][0]


@pytest.mark.parametrize("path", ["/admin/", "/api/v1/projects/", "/", "/api/schema/"])
def test_it_answers_nothing_but_scoring(path):
    status, _ = _call("GET", path)
    assert status == 404


def test_its_health_check_answers():
    status, _ = _call("GET", "/healthz")
    assert status == 200
