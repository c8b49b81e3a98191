"""One strict, bounded way to read a request body: JSON, and multipart only where a file goes."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation.models import Prompt, Ranking
from dataset_versions.models import DatasetVersion
from projects.models import Project, Role
from tests.factories import PASSWORD, ImportRecordFactory, UserFactory, item_with_completions

pytestmark = pytest.mark.django_db

DEEP = "[" * 1_000 + "]" * 1_000
VERY_DEEP = "[" * 100_000 + "]" * 100_000


def _error(response, status=400):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    return body["error"]


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/auth/login/"])
def test_deep_json_to_the_sign_in_endpoints_is_a_400_naming_the_limit(client, path):
    body = '{"username": "a", "password": ' + DEEP + "}"
    error = _error(client.post(path, body, content_type="application/json"))
    assert error["code"] == "parse_error"
    assert "limit of 64 levels" in error["message"]


def test_the_depth_limit_comes_from_the_setting(client, settings):
    settings.RANKWISE_MAX_JSON_DEPTH = 2
    body = json.dumps({"username": "a", "password": [["x"]]})
    error = _error(client.post("/api/v1/auth/login/", body, content_type="application/json"))
    assert "limit of 2 levels" in error["message"]


def test_deep_json_to_an_authenticated_endpoint_is_a_400_and_changes_nothing(
    project, member, client_for
):
    client = client_for(member(Role.ADMIN))
    body = '{"name": "Renamed", "description": ' + VERY_DEEP + "}"
    response = client.patch(
        f"/api/v1/projects/{project.id}/", body, content_type="application/json"
    )
    assert _error(response)["code"] == "parse_error"
    project.refresh_from_db()
    assert project.name != "Renamed"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_non_finite_number_is_a_400(project, member, client_for, constant):
    client = client_for(member(Role.ADMIN))
    body = '{"gold_rate": ' + constant + "}"
    response = client.patch(
        f"/api/v1/projects/{project.id}/", body, content_type="application/json"
    )
    assert "finite" in _error(response)["message"]


def test_a_body_that_is_not_utf8_is_a_400(client):
    body = b'{"username": "\xff\xfe", "password": "x"}'
    response = client.post("/api/v1/auth/login/", body, content_type="application/json")
    error = _error(response)
    assert error["code"] == "parse_error"
    assert "utf-8" in error["message"]


def test_a_body_in_a_declared_charset_is_read_in_it(client):
    UserFactory(username="ann")
    body = json.dumps({"username": "ann", "password": PASSWORD}).encode("utf-16")
    response = client.generic(
        "POST", "/api/v1/auth/login/", body, content_type="application/json; charset=utf-16"
    )
    assert response.status_code == 200, response.content


def test_a_compressing_charset_is_refused(client):
    response = client.generic(
        "POST", "/api/v1/auth/login/", b"x", content_type="application/json; charset=bz2_codec"
    )
    assert "charset" in _error(response)["message"]


@pytest.fixture
def leased(project, member, client_for):
    """An annotator's client and the item it leased."""
    item_with_completions(project, k=3)
    client = client_for(member(Role.ANNOTATOR))
    return client, client.post(f"/api/v1/projects/{project.id}/next/").json()


@pytest.mark.parametrize("fields", [{}, {"tiers": "[[1]]"}])
def test_a_multipart_ranking_is_a_415_and_stores_nothing(project, leased, fields):
    # A form has no null, no types and no empty body: endpoints that take no file read JSON.
    client, item = leased
    data = {"prompt_id": item["prompt"]["id"], **fields}
    response = client.post(f"/api/v1/projects/{project.id}/rankings/", data, format="multipart")
    assert _error(response, 415)["code"] == "unsupported_media_type"
    assert not Ranking.objects.exists()


@pytest.fixture
def staff(client_for):
    return client_for(UserFactory(is_staff=True))


def _import(client, project, **fields):
    # One completion is a bad record (a prompt-only record, with none, is valid).
    records = [ImportRecordFactory(), {"id": "x", "prompt": "Hi?", "completions": ["only one"]}]
    upload = SimpleUploadedFile(
        "items.jsonl", b"".join(json.dumps(r).encode() + b"\n" for r in records)
    )
    return client.post(f"/api/v1/projects/{project.id}/imports/", {"file": upload, **fields})


@pytest.fixture
def admin(project, member, client_for):
    return client_for(member(Role.ADMIN))


@pytest.mark.parametrize("value", ["yes", "on", "1", "", "True "])
def test_a_boolean_form_field_takes_only_true_or_false(project, admin, value):
    error = _error(_import(admin, project, skip_invalid=value))
    assert error["fields"] == {"skip_invalid": ["Must be true or false."]}
    assert not Prompt.objects.exists()


@pytest.mark.parametrize("value", [1, 0, "yes", "true", None])
def test_a_json_boolean_takes_only_true_or_false(staff, value):
    data = {"name": "Strict", "slug": "strict", "allow_ties": value}
    error = _error(staff.post("/api/v1/projects/", data, format="json"))
    assert set(error["fields"]) == {"allow_ties"}
    assert not Project.objects.filter(name="Strict").exists()


@pytest.mark.parametrize("value", ["true", "TRUE"])
def test_a_boolean_form_field_reads_true_in_any_case(project, admin, value):
    response = _import(admin, project, skip_invalid=value)
    assert response.status_code == 201, response.content
    assert response.json()["skipped"] == 1


@pytest.mark.parametrize("fields", [{"skip_invalid": "False"}, {}])
def test_a_boolean_form_field_reads_false_and_left_out_keeps_its_default(project, admin, fields):
    error = _error(_import(admin, project, **fields))
    assert error["fields"]["file"][0].startswith("line 2 (id x): ")
    assert not Prompt.objects.exists()


@pytest.mark.parametrize("value", [1, "yes"])
def test_rankings_locked_takes_only_a_boolean(project, member, client_for, value):
    client = client_for(member(Role.ADMIN))
    response = client.patch(
        f"/api/v1/projects/{project.id}/", {"rankings_locked": value}, format="json"
    )
    assert set(_error(response)["fields"]) == {"rankings_locked"}
    project.refresh_from_db()
    assert project.rankings_locked is False


@pytest.mark.parametrize("value", [1, "on"])
def test_include_gold_takes_only_a_boolean(project, member, client_for, value):
    client = client_for(member(Role.RESEARCHER))
    response = client.post(
        f"/api/v1/projects/{project.id}/datasets/", {"include_gold": value}, format="json"
    )
    assert set(_error(response)["fields"]) == {"include_gold"}
    assert not DatasetVersion.objects.filter(project=project).exists()


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "/api/v1/projects/", {"name": "Form", "slug": "form"}),
        ("patch", "/api/v1/projects/{id}/", {}),
        ("patch", "/api/v1/projects/{id}/", {"name": ""}),
        ("post", "/api/v1/projects/{id}/datasets/", {"split": '{"train": 1}'}),
    ],
)
def test_a_multipart_body_to_an_endpoint_that_takes_no_file_is_a_415(
    project, member, client_for, method, path, data
):
    client = client_for(member(Role.ADMIN) if "{id}" in path else UserFactory(is_staff=True))
    url = path.format(id=project.id)
    response = getattr(client, method)(url, data, format="multipart")
    assert _error(response, 415)["code"] == "unsupported_media_type"
    assert not DatasetVersion.objects.exists()
    assert Project.objects.get().name == project.name


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("gold_rate", False, "Must be a number, not true/false."),
        ("gold_rate", "0.5", "Must be a number, not a string."),
        ("raters_per_item", True, "Must be a number, not true/false."),
        ("name", 0, "Must be a string."),
        ("description", ["x"], "Must be a string."),
    ],
)
def test_a_json_value_of_the_wrong_type_is_refused_not_coerced(
    project, member, client_for, field, value, message
):
    client = client_for(member(Role.ADMIN))
    response = client.patch(f"/api/v1/projects/{project.id}/", {field: value}, format="json")
    assert _error(response)["fields"] == {field: [message]}


@pytest.mark.parametrize("share", [True, "0.1", None])
def test_a_split_share_of_the_wrong_type_is_refused(project, member, client_for, share):
    client = client_for(member(Role.RESEARCHER))
    split = {"train": 0.8, "validation": 0.1, "test": share}
    response = client.post(
        f"/api/v1/projects/{project.id}/datasets/", {"split": split}, format="json"
    )
    assert set(_error(response)["fields"]) == {"split.test"}
    assert not DatasetVersion.objects.filter(project=project).exists()


def test_a_member_username_that_is_not_a_string_is_refused(project, member, client_for):
    client = client_for(member(Role.ADMIN))
    body = {"username": 0, "role": "annotator"}
    response = client.post(f"/api/v1/projects/{project.id}/members/", body, format="json")
    assert _error(response)["fields"] == {"username": ["Must be a string."]}


@pytest.mark.parametrize(("value", "archived"), [("true", True), ("FALSE", False)])
def test_a_boolean_query_parameter_reads_true_and_false(staff, value, archived):
    for name in ("Archived", "Live"):
        project = staff.post(
            "/api/v1/projects/", {"name": name, "slug": name.lower()}, format="json"
        ).json()
        if name == "Archived":
            staff.patch(f"/api/v1/projects/{project['id']}/", {"archived": True}, format="json")
    body = staff.get(f"/api/v1/projects/?archived={value}").json()
    assert [p["name"] for p in body["results"]] == ["Archived" if archived else "Live"]


@pytest.mark.parametrize("value", ["yes", "1", ""])
def test_a_boolean_query_parameter_takes_only_true_or_false(staff, value):
    response = staff.get(f"/api/v1/projects/?archived={value}")
    assert _error(response)["fields"] == {"archived": ["Must be true or false."]}
