import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from annotation.models import Prompt
from projects.models import Role
from tests.factories import UserFactory
from training.models import TrainingRun

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


# --- what Django refuses while it reads a request answers in the one error shape ------------

LIMIT = 4096


@pytest.fixture
def small_limits(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 1


def _error(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["status"] == status
    return error


def _too_large(response):
    error = _error(response, 413)
    assert error["code"] == "too_large"
    assert f"limit of {LIMIT:,} bytes" in error["message"]


@pytest.fixture
def admin(project, member, client_for):
    return client_for(member(Role.ADMIN))


def _big_json():
    return json.dumps({"username": "a", "password": "x" * LIMIT})


def test_an_oversized_json_body_to_sign_in_is_a_413_naming_the_limit(client, small_limits):
    _too_large(client.post("/api/v1/auth/login/", _big_json(), content_type="application/json"))


def test_an_oversized_json_body_from_a_member_is_a_413_and_changes_nothing(
    project, admin, small_limits
):
    body = json.dumps({"name": "Renamed", "description": "x" * LIMIT})
    response = admin.patch(f"/api/v1/projects/{project.id}/", body, content_type="application/json")
    _too_large(response)
    project.refresh_from_db()
    assert project.name != "Renamed"


def _runs(project):
    # Training runs take a form (imports too); every other endpoint refuses one with a 415.
    return f"/api/v1/projects/{project.id}/training-runs/"


def test_oversized_multipart_fields_are_a_413(project, admin, small_limits):
    data = {"config": json.dumps({"device": "x" * LIMIT})}
    _too_large(admin.post(_runs(project), data))
    assert not TrainingRun.objects.exists()


def test_oversized_multipart_fields_are_a_413_for_a_signed_in_browser(project, small_limits):
    # A session's CSRF check reads the form first: Django refuses it there, before the view.
    client, token = _signed_in_browser()
    data = {"config": json.dumps({"device": "x" * LIMIT})}
    response = client.post(_runs(project), data, format="multipart", HTTP_X_CSRFTOKEN=token)
    _too_large(response)


def test_an_oversized_raw_body_of_another_type_is_refused_unread(client, small_limits):
    response = client.post("/api/v1/auth/token/", "x" * 2 * LIMIT, content_type="text/plain")
    assert _error(response, 415)["code"] == "unsupported_media_type"


def test_too_many_multipart_fields_is_a_400_naming_the_limit(project, admin, small_limits):
    data = {f"field{i}": "x" for i in range(30)}
    error = _error(admin.post(_runs(project), data), 400)
    assert error["code"] == "too_many_fields"
    assert "more than 20 fields" in error["message"]


def test_too_many_files_is_a_400_and_imports_nothing(project, admin, small_limits):
    files = [SimpleUploadedFile(f"items{i}.jsonl", b'{"prompt": "p"}\n') for i in range(3)]
    response = admin.post(f"/api/v1/projects/{project.id}/imports/", {"file": files})
    error = _error(response, 400)
    assert error["code"] == "too_many_files"
    assert not Prompt.objects.exists()


def test_a_malformed_multipart_body_is_a_400(project, admin):
    response = admin.generic(
        "POST",
        _runs(project),
        b"--nope\r\nnot a part",
        content_type="multipart/form-data",  # no boundary
    )
    assert _error(response, 400)["code"] == "parse_error"


def test_a_malformed_multipart_body_from_a_signed_in_browser_is_a_400(project):
    client, token = _signed_in_browser()
    response = client.generic(
        "POST",
        _runs(project),
        b"--nope\r\nnot a part",
        content_type="multipart/form-data; boundary=",
        HTTP_X_CSRFTOKEN=token,
    )
    assert _error(response, 400)["code"] == "parse_error"


def test_a_request_for_an_unknown_host_answers_the_json_error_body(client):
    error = _error(client.get("/api/v1/projects/", HTTP_HOST="evil.example"), 400)
    assert error == {"status": 400, "code": "bad_request", "message": "Bad request.", "fields": {}}


def test_django_errors_outside_the_api_keep_django_pages(client):
    response = client.get("/login", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert not response["Content-Type"].startswith("application/json")


def _signed_in_browser():
    client = APIClient(enforce_csrf_checks=True)
    user = UserFactory()
    client.force_login(user)
    token = client.get("/api/v1/auth/session/").cookies["csrftoken"].value
    return client, token


def test_every_operation_that_takes_a_body_documents_the_413():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    with_body = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    ]
    assert len(with_body) > 10
    undocumented = [(p, m) for p, m, op in with_body if "413" not in op["responses"]]
    assert not undocumented
    login = schema["paths"]["/api/v1/auth/login/"]["post"]["responses"]["413"]
    assert login["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }


class _BrokenStream:
    """A client that hangs up halfway through sending its body."""

    def read(self, *args):
        raise OSError("connection reset by peer")

    readline = read


def test_a_body_the_client_stops_sending_is_a_400(client):
    response = client.generic(
        "POST",
        "/api/v1/auth/login/",
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH="100",
        **{"wsgi.input": _BrokenStream()},
    )
    error = _error(response, 400)
    assert error["code"] == "parse_error"
    assert "could not be read" in error["message"]
