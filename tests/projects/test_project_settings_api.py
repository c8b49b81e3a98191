import pytest

from projects.models import Role

pytestmark = pytest.mark.django_db


def test_an_admin_locks_the_rankings_of_a_project(project, member, client_for):
    response = client_for(member(Role.ADMIN)).patch(
        f"/api/v1/projects/{project.id}/", {"rankings_locked": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["rankings_locked"] is True
    project.refresh_from_db()
    assert project.rankings_locked


def test_a_researcher_cannot_change_project_settings(project, member, client_for):
    response = client_for(member(Role.RESEARCHER)).patch(
        f"/api/v1/projects/{project.id}/", {"raters_per_item": 5}, format="json"
    )
    assert response.status_code == 403


def test_bad_settings_are_refused_and_nothing_changes(project, member, client_for):
    response = client_for(member(Role.ADMIN)).patch(
        f"/api/v1/projects/{project.id}/", {"raters_per_item": 0, "lease_minutes": 5}, format="json"
    )
    assert response.status_code == 400
    assert "raters_per_item" in response.json()["error"]["fields"]
    project.refresh_from_db()
    assert (project.raters_per_item, project.lease_minutes) == (3, 10)
