"""Every response carries the strict Content-Security-Policy (settings.CONTENT_SECURITY_POLICY);
tests/browser/test_csp.py proves the SPA, the API docs and the admin still work under it."""

import re

import pytest

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def assert_strict(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert not {"'unsafe-inline'", "'unsafe-eval'"} & {v for vs in policy.values() for v in vs}


def test_the_spa_shell_carries_the_policy(client, settings, tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>")
    settings.FRONTEND_DIST = tmp_path
    assert_strict(client.get("/projects/3/rank"))


def test_api_responses_carry_the_policy(client, admin_client):
    assert_strict(client.get("/api/v1/auth/session/"))
    assert_strict(client.get("/api/v1/projects/"))  # the 403 too
    assert_strict(admin_client.get("/api/v1/projects/"))
    assert_strict(client.get("/api/v1/no-such-endpoint/"))


def test_admin_pages_carry_the_policy(client, admin_client):
    assert_strict(client.get("/admin/login/"))
    assert_strict(admin_client.get("/admin/"))


def test_the_api_docs_page_has_no_inline_script_and_a_nonce_for_its_style(client):
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert_strict(response)
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []
    nonce = re.search(r"<style nonce=\"([^\"]+)\">", html)
    assert nonce is not None
    assert directives(response)["style-src"] == ["'self'", f"'nonce-{nonce.group(1)}'"]


def test_the_api_docs_init_script_is_served_as_a_script(client):
    response = client.get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in response.content


def test_a_response_without_inline_styles_carries_no_nonce(client):
    assert directives(client.get("/api/v1/auth/session/"))["style-src"] == ["'self'"]
