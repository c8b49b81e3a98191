import pytest

from annotation.models import Membership, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def url(project, member_id=None):
    base = f"/api/v1/projects/{project.id}/members/"
    return f"{base}{member_id}/" if member_id else base


def test_an_admin_adds_a_member_by_username(client_for, project, member):
    UserFactory(username="newbie")
    response = client_for(member(Role.ADMIN)).post(
        url(project), {"username": "newbie", "role": "annotator"}, format="json"
    )
    assert response.status_code == 201
    assert Membership.objects.get(project=project, user__username="newbie").role == Role.ANNOTATOR


def test_adding_an_unknown_user_names_the_field(client_for, project, member):
    response = client_for(member(Role.ADMIN)).post(
        url(project), {"username": "ghost", "role": "annotator"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["username"] == ["No active user named 'ghost'."]


def test_an_annotator_cannot_list_or_manage_members(client_for, project, member):
    client = client_for(member(Role.ANNOTATOR))
    assert client.get(url(project)).status_code == 403
    assert (
        client.post(url(project), {"username": "x", "role": "admin"}, format="json").status_code
        == 403
    )


def test_a_researcher_lists_members_but_cannot_change_them(client_for, project, member):
    annotator = member(Role.ANNOTATOR, username="zed")
    client = client_for(member(Role.RESEARCHER))
    assert "zed" in {m["username"] for m in client.get(url(project)).json()}
    membership = Membership.objects.get(user=annotator)
    assert (
        client.patch(url(project, membership.id), {"role": "admin"}, format="json").status_code
        == 403
    )


def test_an_admin_changes_a_role(client_for, project, member):
    membership = Membership.objects.get(user=member(Role.ANNOTATOR))
    response = client_for(member(Role.ADMIN)).patch(
        url(project, membership.id), {"role": "researcher"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["role"] == "researcher"


def test_the_last_admin_cannot_be_demoted(client_for, project, member):
    admin = member(Role.ADMIN)
    membership = Membership.objects.get(user=admin)
    response = client_for(admin).patch(
        url(project, membership.id), {"role": "annotator"}, format="json"
    )
    assert response.status_code == 400
    assert "at least one admin" in response.json()["error"]["message"]
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_the_last_admin_cannot_be_removed(client_for, project, member):
    admin = member(Role.ADMIN)
    membership = Membership.objects.get(user=admin)
    assert client_for(admin).delete(url(project, membership.id)).status_code == 400
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_an_admin_removes_a_member(client_for, project, member):
    membership = Membership.objects.get(user=member(Role.ANNOTATOR))
    assert client_for(member(Role.ADMIN)).delete(url(project, membership.id)).status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()
