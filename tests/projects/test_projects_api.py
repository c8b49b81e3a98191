import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotation.models import Assignment, Ranking
from projects.models import Membership, Project, Role
from projects.services.projects import project_create, project_update
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, item_with_completions

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


def test_a_project_without_a_slug_takes_one_from_its_name(client_for):
    response = client_for(UserFactory(is_staff=True)).post(
        "/api/v1/projects/", {"name": "Helpful answers, v2!"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == "helpful-answers-v2"


def test_a_blank_slug_is_also_taken_from_the_name(client_for):
    response = client_for(UserFactory(is_staff=True)).post(
        "/api/v1/projects/", {"name": "Helpful", "slug": ""}, format="json"
    )
    assert response.json()["slug"] == "helpful"


def test_a_derived_slug_that_is_taken_gets_the_next_free_number(client_for):
    ProjectFactory(slug="helpful")
    ProjectFactory(slug="helpful-2")
    ProjectFactory(slug="helpful-answers")  # another name's slug, not a clash
    client = client_for(UserFactory(is_staff=True))
    slugs = [
        client.post("/api/v1/projects/", {"name": "Helpful"}, format="json").json()["slug"]
        for _ in range(2)
    ]
    assert slugs == ["helpful-3", "helpful-4"]


def test_a_name_without_letters_gets_a_plain_slug(client_for):
    response = client_for(UserFactory(is_staff=True)).post(
        "/api/v1/projects/", {"name": "???"}, format="json"
    )
    assert response.json()["slug"] == "project"


@pytest.mark.django_db(transaction=True)
def test_projects_created_at_once_with_one_name_get_different_slugs():
    staff = UserFactory(is_staff=True)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def create():
        try:
            barrier.wait()
            project_create(name="Same name", created_by=staff)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    slugs = sorted(Project.objects.values_list("slug", flat=True))
    assert slugs == ["same-name", "same-name-2", "same-name-3", "same-name-4"]


def test_a_superuser_without_staff_status_creates_projects(client_for):
    response = client_for(UserFactory(is_superuser=True)).post(
        "/api/v1/projects/", {"name": "Root's"}, format="json"
    )
    assert response.status_code == 201


def test_a_project_without_a_name_is_refused(client_for):
    response = client_for(UserFactory(is_staff=True)).post(
        "/api/v1/projects/", {"slug": "x"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"name"}
    assert not Project.objects.exists()


def archive(client, project, archived=True):
    return client.patch(f"/api/v1/projects/{project.id}/", {"archived": archived}, format="json")


def test_an_admin_archives_a_project(client_for, project, member):
    response = archive(client_for(member(Role.ADMIN)), project)
    assert response.status_code == 200
    assert response.json()["archived_at"] is not None
    project.refresh_from_db()
    assert project.archived_at is not None


def test_an_archived_project_leaves_its_members_project_list(client_for, project, member):
    annotator = member(Role.ANNOTATOR)
    project.archived_at = timezone.now()
    project.save()
    assert client_for(annotator).get("/api/v1/projects/").json()["count"] == 0


def test_admins_find_their_archived_projects_under_archived(client_for, project, member):
    admin = member(Role.ADMIN)
    open_one = MembershipFactory(user=admin, role=Role.ADMIN).project
    client = client_for(admin)
    archive(client, project)
    archived = client.get("/api/v1/projects/?archived=true").json()
    assert [p["id"] for p in archived["results"]] == [project.id]
    listed = client.get("/api/v1/projects/").json()
    assert [p["id"] for p in listed["results"]] == [open_one.id]


def test_researchers_do_not_see_archived_projects(client_for, project, member):
    researcher = member(Role.RESEARCHER)
    project.archived_at = timezone.now()
    project.save()
    assert client_for(researcher).get("/api/v1/projects/?archived=true").json()["count"] == 0


def test_unarchiving_brings_a_project_back(client_for, project, member):
    annotator = member(Role.ANNOTATOR)
    project_update(project=project, archived=True)
    response = archive(client_for(member(Role.ADMIN)), project, archived=False)
    assert response.json()["archived_at"] is None
    assert client_for(annotator).get("/api/v1/projects/").json()["count"] == 1


def test_archiving_twice_keeps_the_first_date(client_for, project, member):
    client = client_for(member(Role.ADMIN))
    first = archive(client, project).json()["archived_at"]
    assert archive(client, project).json()["archived_at"] == first


def test_a_researcher_cannot_archive_a_project(client_for, project, member):
    assert archive(client_for(member(Role.RESEARCHER)), project).status_code == 403
    project.refresh_from_db()
    assert project.archived_at is None


@pytest.mark.parametrize(
    ("query", "field"), [("archived=maybe", "archived"), ("archive=true", "archive")]
)
def test_a_bad_project_list_query_is_a_400_naming_it(client_for, query, field):
    response = client_for(UserFactory()).get(f"/api/v1/projects/?{query}")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_an_archived_project_hands_out_no_items(client_for, project, member):
    annotator = member(Role.ANNOTATOR)
    item_with_completions(project)
    project.archived_at = timezone.now()
    project.save()
    response = client_for(annotator).post(f"/api/v1/projects/{project.id}/next/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "project_archived"
    assert not Assignment.objects.exists()


def test_an_archived_project_takes_no_rankings(client_for, project, member):
    annotator = member(Role.ANNOTATOR)
    item_with_completions(project, k=2)
    client = client_for(annotator)
    lease = client.post(f"/api/v1/projects/{project.id}/next/").json()
    project_update(project=project, archived=True)
    ids = [c["id"] for c in lease["completions"]]
    response = client.post(
        f"/api/v1/projects/{project.id}/rankings/",
        {"prompt_id": lease["prompt"]["id"], "tiers": [[ids[0]], [ids[1]]]},
        format="json",
    )
    assert response.status_code == 409
    assert "archived" in response.json()["error"]["message"]
    assert not Ranking.objects.exists()


def test_an_archived_project_takes_no_skips(client_for, project, member):
    annotator = member(Role.ANNOTATOR)
    item_with_completions(project, k=2)
    client = client_for(annotator)
    lease = client.post(f"/api/v1/projects/{project.id}/next/").json()
    project_update(project=project, archived=True)
    response = client.post(
        f"/api/v1/projects/{project.id}/skips/",
        {"prompt_id": lease["prompt"]["id"], "reason": "later"},
        format="json",
    )
    assert response.status_code == 409
    assert not Ranking.objects.exists()
