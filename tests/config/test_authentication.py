"""Token authentication (one hand-written statement) keeps DRF's behaviour."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _projects_with(key):
    return APIClient().get("/api/v1/projects/", HTTP_AUTHORIZATION=f"Token {key}")


def test_a_valid_token_signs_its_user_in():
    token = Token.objects.create(user=UserFactory())
    assert _projects_with(token.key).status_code == 200


# Session authentication comes first (the browser), so DRF answers a refused token with 403.


def test_an_unknown_token_is_refused():
    response = _projects_with("0" * 40)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Invalid token."


def test_the_token_of_an_inactive_user_is_refused():
    token = Token.objects.create(user=UserFactory(is_active=False))
    response = _projects_with(token.key)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "User inactive or deleted."


def test_a_token_on_a_project_url_is_checked_with_the_membership_in_one_statement(project):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.models import Membership, Role

    user = UserFactory()
    Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    token = Token.objects.create(user=user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/v1/projects/{project.id}/progress/")
    assert response.status_code == 200
    assert sum("authtoken_token" in q["sql"] for q in captured.captured_queries) == 1
    assert not any(q["sql"].startswith("SELECT m.role") for q in captured.captured_queries)


def test_a_token_of_a_non_member_gets_404_on_a_project_url(project):
    token = Token.objects.create(user=UserFactory())
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(f"/api/v1/projects/{project.id}/progress/").status_code == 404


def test_a_superuser_token_is_an_admin_of_every_project(project):
    token = Token.objects.create(user=UserFactory(is_superuser=True))
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(f"/api/v1/projects/{project.id}/members/").status_code == 200
