import pytest
from django.contrib.sessions.models import Session
from rest_framework.authtoken.models import Token
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


# --- login CSRF: another site must not sign a visitor in to an account of its choosing ---


def _csrf_client():
    client = APIClient(enforce_csrf_checks=True)
    token = client.get("/api/v1/auth/session/").cookies["csrftoken"].value
    return client, token


def test_a_login_without_the_csrf_token_is_refused_and_sets_no_session():
    UserFactory(username="ann")
    client = APIClient(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/auth/login/",
        {"username": "ann", "password": PASSWORD},
        format="multipart",
        HTTP_ORIGIN="http://evil.example",
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert (error["code"], error["fields"]) == ("permission_denied", {})
    assert error["message"].startswith("CSRF Failed")
    assert "sessionid" not in response.cookies
    assert not Session.objects.exists()


def test_a_login_from_a_foreign_origin_is_refused_even_with_the_csrf_token():
    UserFactory(username="ann")
    client, token = _csrf_client()
    response = client.post(
        "/api/v1/auth/login/",
        {"username": "ann", "password": PASSWORD},
        format="json",
        HTTP_X_CSRFTOKEN=token,
        HTTP_ORIGIN="http://evil.example",
    )
    assert response.status_code == 403
    assert "Origin checking failed" in response.json()["error"]["message"]
    assert "sessionid" not in response.cookies


def test_the_app_signs_in_with_the_csrf_token_from_the_session_endpoint():
    UserFactory(username="ann")
    client, token = _csrf_client()
    response = client.post(
        "/api/v1/auth/login/",
        {"username": "ann", "password": PASSWORD},
        format="json",
        HTTP_X_CSRFTOKEN=token,
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 200
    assert "sessionid" in response.cookies


def test_a_script_gets_a_token_without_a_csrf_token_and_without_a_session():
    UserFactory(username="bot")
    response = APIClient(enforce_csrf_checks=True).post(
        "/api/v1/auth/token/", {"username": "bot", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert not Session.objects.exists()


# --- the token's lifecycle: get, use, rotate, revoke, log out ---


def _token_client(user) -> tuple[APIClient, str]:
    token = Token.objects.create(user=user).key
    return APIClient(HTTP_AUTHORIZATION=f"Token {token}"), token


def _works(token: str, project=None) -> bool:
    url = f"/api/v1/projects/{project.id}/progress/" if project else "/api/v1/projects/"
    response = APIClient().get(url, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code in (200, 403), response.content
    return response.status_code == 200


def test_logging_out_with_a_token_revokes_it():
    client, token = _token_client(UserFactory())
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert not _works(token)
    response = client.get("/api/v1/projects/")
    assert response.json()["error"]["message"] == "Invalid token."


def test_an_owner_revokes_their_token_and_it_stops_working_on_project_urls_too(project, member):
    client, token = _token_client(member())
    assert _works(token, project)
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert not _works(token, project)
    assert not Token.objects.exists()


def test_a_session_user_revokes_their_token_with_the_csrf_token():
    user = UserFactory()
    token = Token.objects.create(user=user).key
    client = APIClient(enforce_csrf_checks=True)
    client.login(username=user.username, password=PASSWORD)
    assert client.delete("/api/v1/auth/token/").status_code == 403
    csrf = client.get("/api/v1/auth/session/").cookies["csrftoken"].value
    assert client.delete("/api/v1/auth/token/", HTTP_X_CSRFTOKEN=csrf).status_code == 204
    assert not _works(token)


def test_revoking_needs_a_signed_in_caller():
    Token.objects.create(user=UserFactory())
    response = APIClient().delete("/api/v1/auth/token/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_authenticated"
    assert Token.objects.count() == 1


def test_rotating_returns_a_new_token_and_the_old_one_stops_at_once(project, member):
    client, old = _token_client(member())
    response = client.post("/api/v1/auth/token/rotate/")
    assert response.status_code == 200
    new = response.json()["token"]
    assert new != old
    assert not _works(old, project)
    assert _works(new, project)


def test_rotating_needs_a_signed_in_caller():
    response = APIClient().post("/api/v1/auth/token/rotate/")
    assert response.status_code == 403
    assert not Token.objects.exists()


def test_logging_out_of_the_browser_keeps_the_users_api_token():
    user = UserFactory()
    token = Token.objects.create(user=user).key
    client = APIClient()
    client.login(username=user.username, password=PASSWORD)
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert _works(token)


def test_after_revoking_the_password_gets_a_new_token(api_client):
    UserFactory(username="bot")
    payload = {"username": "bot", "password": PASSWORD}
    first = api_client.post("/api/v1/auth/token/", payload, format="json").json()["token"]
    revoker = APIClient(HTTP_AUTHORIZATION=f"Token {first}")
    assert revoker.delete("/api/v1/auth/token/").status_code == 204
    second = api_client.post("/api/v1/auth/token/", payload, format="json").json()["token"]
    assert second != first
    assert _works(second)
