import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotation.models import Membership, Role
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_user_sees_only_their_projects_with_their_role(client_for, project, member):
    user = member(Role.RESEARCHER)
    ProjectFactory(name="Someone else's")
    body = client_for(user).get("/api/v1/projects/").json()
    assert body["count"] == 1
    assert body["results"][0]["name"] == project.name
    assert body["results"][0]["role"] == "researcher"


def test_a_superuser_sees_every_project_as_admin(client_for):
    ProjectFactory.create_batch(2)
    body = client_for(UserFactory(is_superuser=True)).get("/api/v1/projects/").json()
    assert body["count"] == 2
    assert {p["role"] for p in body["results"]} == {"admin"}


def test_the_project_list_runs_a_fixed_number_of_queries(client_for):
    user = UserFactory()

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client_for(user).get("/api/v1/projects/").status_code == 200
        return len(captured)

    MembershipFactory(user=user)
    few = queries_for_list()
    MembershipFactory.create_batch(20, user=user)
    assert queries_for_list() == few


def test_the_project_list_paginates(client_for):
    user = UserFactory()
    MembershipFactory.create_batch(3, user=user)
    body = client_for(user).get("/api/v1/projects/?page_size=2").json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] is not None


def test_staff_create_a_project_and_become_its_admin(client_for):
    staff = UserFactory(is_staff=True)
    response = client_for(staff).post(
        "/api/v1/projects/",
        {"name": "Helpfulness", "slug": "helpful", "raters_per_item": 2},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["role"] == "admin"
    assert Membership.objects.get(user=staff).role == Role.ADMIN


def test_a_non_staff_user_cannot_create_projects(client_for):
    response = client_for(UserFactory()).post(
        "/api/v1/projects/", {"name": "x", "slug": "x"}, format="json"
    )
    assert response.status_code == 403


def test_a_project_with_bad_settings_is_refused_field_by_field(client_for):
    response = client_for(UserFactory(is_staff=True)).post(
        "/api/v1/projects/", {"name": "x", "slug": "not a slug", "gold_rate": 1.5}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"slug", "gold_rate"}


def test_a_duplicate_slug_is_a_400(client_for, project):
    response = client_for(UserFactory(is_staff=True)).post(
        "/api/v1/projects/", {"name": "x", "slug": project.slug}, format="json"
    )
    assert response.status_code == 400
    assert "slug" in response.json()["error"]["fields"]


def test_a_non_member_gets_404_for_a_project(client_for, project):
    assert client_for(UserFactory()).get(f"/api/v1/projects/{project.id}/").status_code == 404


def test_a_member_reads_their_project(client_for, project, member):
    body = client_for(member(Role.ANNOTATOR)).get(f"/api/v1/projects/{project.id}/").json()
    assert body["slug"] == project.slug
    assert body["role"] == "annotator"
