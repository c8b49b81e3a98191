import pytest

pytestmark = pytest.mark.django_db


def test_an_unknown_api_path_answers_the_json_error_body(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"status": 404, "code": "not_found", "message": "Not found.", "fields": {}}
    }


def test_an_unauthenticated_request_answers_the_json_error_body(client):
    body = client.get("/api/v1/projects/").json()
    assert body["error"]["status"] == 403
    assert body["error"]["code"] == "not_authenticated"


def test_a_validation_error_names_each_field(client):
    body = client.post(
        "/api/v1/auth/login/", {"username": ""}, content_type="application/json"
    ).json()
    assert body["error"]["code"] == "invalid"
    assert set(body["error"]["fields"]) == {"username", "password"}
    assert body["error"]["message"].startswith(("username: ", "password: "))


def test_malformed_json_is_a_400_not_a_500(client):
    response = client.post("/api/v1/auth/login/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
