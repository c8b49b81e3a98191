import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from projects.models import Membership, Role
from tests.factories import PASSWORD, MembershipFactory, UserFactory

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


def create_url(project):
    return f"/api/v1/projects/{project.id}/users/"


def reset_url(project, user):
    membership = Membership.objects.get(project=project, user=user)
    return f"/api/v1/projects/{project.id}/members/{membership.id}/password/"


def test_an_admin_creates_a_user_who_can_then_sign_in(client_for, project, member):
    response = client_for(member(Role.ADMIN)).post(
        create_url(project),
        {"username": "nadia", "email": "nadia@example.org", "role": "researcher",
         "password": "a-long-passphrase-91"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["member"]["username"] == "nadia"
    assert body["member"]["role"] == "researcher"
    assert body["generated_password"] is None
    assert Membership.objects.get(user__username="nadia").project == project
    assert authenticate(username="nadia", password="a-long-passphrase-91") is not None


def test_a_user_created_without_a_password_gets_one_generated_and_shown_once(
    client_for, project, member
):
    client = client_for(member(Role.ADMIN))
    body = client.post(
        create_url(project), {"username": "omar", "role": "annotator"}, format="json"
    ).json()
    password = body["generated_password"]
    assert len(password) >= 16
    assert authenticate(username="omar", password=password) is not None
    assert password not in str(client.get(url(project)).json())


def test_a_weak_password_is_refused_on_its_field_and_no_user_is_made(client_for, project, member):
    response = client_for(member(Role.ADMIN)).post(
        create_url(project),
        {"username": "pia", "role": "annotator", "password": "12345678"},
        format="json",
    )
    assert response.status_code == 400
    messages = response.json()["error"]["fields"]["password"]
    assert "This password is too common." in messages
    assert "This password is entirely numeric." in messages
    assert not User.objects.filter(username="pia").exists()


def test_a_password_like_the_username_is_refused(client_for, project, member):
    response = client_for(member(Role.ADMIN)).post(
        create_url(project),
        {"username": "quentin-marsh", "role": "annotator", "password": "quentin-marsh"},
        format="json",
    )
    assert (
        "The password is too similar to the username."
        in (response.json()["error"]["fields"]["password"])
    )


def test_a_taken_username_is_refused_whatever_its_case(client_for, project, member):
    UserFactory(username="Rosa")
    response = client_for(member(Role.ADMIN)).post(
        create_url(project), {"username": "rosa", "role": "annotator"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["username"] == ["A user named 'rosa' already exists."]


def test_bad_username_and_email_are_refused_field_by_field(client_for, project, member):
    response = client_for(member(Role.ADMIN)).post(
        create_url(project),
        {"username": "no spaces!", "email": "not-an-address", "role": "annotator"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"username", "email"}
    assert not User.objects.filter(username="no spaces!").exists()


def test_a_researcher_cannot_create_users(client_for, project, member):
    response = client_for(member(Role.RESEARCHER)).post(
        create_url(project), {"username": "sam", "role": "annotator"}, format="json"
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="sam").exists()


def test_an_admin_sets_a_members_new_password(client_for, project, member):
    annotator = member(Role.ANNOTATOR)
    response = client_for(member(Role.ADMIN)).post(
        reset_url(project, annotator), {"password": "brand-new-passphrase-7"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"generated_password": None}
    assert authenticate(username=annotator.username, password="brand-new-passphrase-7")
    assert not authenticate(username=annotator.username, password=PASSWORD)


def test_a_reset_without_a_password_generates_one(client_for, project, member):
    annotator = member(Role.ANNOTATOR)
    body = client_for(member(Role.ADMIN)).post(reset_url(project, annotator)).json()
    assert authenticate(username=annotator.username, password=body["generated_password"])


def test_a_reset_ends_the_members_sessions_and_revokes_their_token(project, member):
    annotator = member(Role.ANNOTATOR)
    token = Token.objects.create(user=annotator)
    browser = Client()
    assert browser.login(username=annotator.username, password=PASSWORD)
    assert browser.get("/api/v1/projects/").status_code == 200
    admin = APIClient()
    admin.force_authenticate(member(Role.ADMIN))
    assert admin.post(reset_url(project, annotator)).status_code == 200
    assert browser.get("/api/v1/projects/").status_code == 403
    assert not Token.objects.filter(key=token.key).exists()
    script = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert script.get("/api/v1/projects/").status_code == 403


def test_a_weak_new_password_is_refused_and_the_old_one_stays(client_for, project, member):
    annotator = member(Role.ANNOTATOR)
    response = client_for(member(Role.ADMIN)).post(
        reset_url(project, annotator), {"password": "short"}, format="json"
    )
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]
    assert authenticate(username=annotator.username, password=PASSWORD)


def test_a_project_admin_cannot_reset_a_member_of_projects_they_do_not_run(
    client_for, project, member
):
    annotator = member(Role.ANNOTATOR)
    MembershipFactory(user=annotator, role=Role.ANNOTATOR)  # another project
    response = client_for(member(Role.ADMIN)).post(reset_url(project, annotator))
    assert response.status_code == 403
    assert "projects you do not administer" in response.json()["error"]["message"]
    assert authenticate(username=annotator.username, password=PASSWORD)


def test_a_project_admin_cannot_reset_a_staff_users_password(client_for, project, member):
    staff = member(Role.ANNOTATOR, is_staff=True)
    response = client_for(member(Role.ADMIN)).post(reset_url(project, staff))
    assert response.status_code == 403
    assert authenticate(username=staff.username, password=PASSWORD)


def test_staff_reset_a_member_of_several_projects(client_for, project, member):
    annotator = member(Role.ANNOTATOR)
    MembershipFactory(user=annotator, role=Role.ANNOTATOR)
    response = client_for(member(Role.ADMIN, is_staff=True)).post(reset_url(project, annotator))
    assert response.status_code == 200


def test_only_a_superuser_resets_a_superusers_password(client_for, project, member):
    root = member(Role.ANNOTATOR, is_superuser=True, is_staff=True)
    response = client_for(member(Role.ADMIN, is_staff=True)).post(reset_url(project, root))
    assert response.status_code == 403


def test_an_admin_cannot_reset_their_own_password_here(client_for, project, member):
    admin = member(Role.ADMIN)
    assert client_for(admin).post(reset_url(project, admin)).status_code == 403


def test_a_researcher_cannot_reset_passwords(client_for, project, member):
    annotator = member(Role.ANNOTATOR)
    assert (
        client_for(member(Role.RESEARCHER)).post(reset_url(project, annotator)).status_code == 403
    )
