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
