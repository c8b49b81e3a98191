import pytest
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_the_session_endpoint_sets_a_csrf_cookie_for_anonymous_visitors(api_client):
    response = api_client.get("/api/v1/auth/session/")
    assert response.status_code == 200
    assert response.json() == {"user": None}
    assert "csrftoken" in response.cookies


def test_a_user_signs_in_with_a_session(api_client):
    UserFactory(username="ann", first_name="Ann", last_name="Lee")
    response = api_client.post(
        "/api/v1/auth/login/", {"username": "ann", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["user"]["display_name"] == "Ann Lee"
    assert api_client.get("/api/v1/auth/session/").json()["user"]["username"] == "ann"


def test_a_wrong_password_is_a_400_with_a_clear_message(api_client):
    UserFactory(username="ann")
    response = api_client.post(
        "/api/v1/auth/login/", {"username": "ann", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Invalid username or password."


def test_an_inactive_user_cannot_sign_in(api_client):
    UserFactory(username="gone", is_active=False)
    response = api_client.post(
        "/api/v1/auth/login/", {"username": "gone", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400


def test_session_writes_need_the_csrf_token():
    user = UserFactory()
    client = APIClient(enforce_csrf_checks=True)
    client.login(username=user.username, password=PASSWORD)
    assert client.post("/api/v1/auth/logout/").status_code == 403
    token = client.get("/api/v1/auth/session/").cookies["csrftoken"].value
    assert client.post("/api/v1/auth/logout/", HTTP_X_CSRFTOKEN=token).status_code == 204
    assert client.get("/api/v1/auth/session/").json() == {"user": None}


def test_an_api_client_authenticates_with_a_token(api_client):
    UserFactory(username="bot")
    token = api_client.post(
        "/api/v1/auth/token/", {"username": "bot", "password": PASSWORD}, format="json"
    ).json()["token"]
    fresh = APIClient()
    assert fresh.get("/api/v1/projects/").status_code == 403
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert fresh.get("/api/v1/projects/").status_code == 200


def test_the_same_user_always_gets_the_same_token(api_client):
    UserFactory(username="bot")
    payload = {"username": "bot", "password": PASSWORD}
    first = api_client.post("/api/v1/auth/token/", payload, format="json").json()["token"]
    assert api_client.post("/api/v1/auth/token/", payload, format="json").json()["token"] == first
