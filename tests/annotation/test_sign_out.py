"""Signing out gives the annotator's leases back: their items return to the queue at once."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotation.models import Assignment, Prompt
from annotation.services.queue import assignment_next, assignments_release
from annotation.services.rankings import ranking_submit
from projects.models import Role
from tests.factories import PASSWORD, MembershipFactory, ProjectFactory, item_with_completions

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_item_one_rater(project):
    project.raters_per_item = 1
    project.save()
    return item_with_completions(project)


def _signed_in(user) -> APIClient:
    client = APIClient()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _next(client, project):
    return client.post(f"/api/v1/projects/{project.id}/next/", {}, format="json")


def test_an_annotator_who_signs_out_hands_their_item_to_the_next_annotator(
    project, member, one_item_one_rater
):
    leaver, other = _signed_in(member()), _signed_in(member())
    assert _next(leaver, project).json()["prompt"]["id"] == one_item_one_rater.pk
    assert _next(other, project).status_code == 204
    assert leaver.post("/api/v1/auth/logout/").status_code == 204
    response = _next(other, project)
    assert response.status_code == 200
    assert response.json()["prompt"]["id"] == one_item_one_rater.pk
    one_item_one_rater.refresh_from_db()
    assert one_item_one_rater.claim_count == 1


def test_signing_out_of_a_token_client_releases_the_leases_too(project, member, one_item_one_rater):
    token = Token.objects.create(user=member())
    leaver = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    other = _signed_in(member())
    assert _next(leaver, project).status_code == 200
    assert leaver.post("/api/v1/auth/logout/").status_code == 204
    assert _next(other, project).json()["prompt"]["id"] == one_item_one_rater.pk


def test_sign_out_releases_the_leases_of_every_project_and_no_one_elses(project, member):
    project.raters_per_item = 2
    project.save()
    first = item_with_completions(project)
    elsewhere = ProjectFactory()
    second = item_with_completions(elsewhere)
    leaver, stayer = member(), member()
    MembershipFactory(project=elsewhere, user=leaver, role=Role.ANNOTATOR)
    assignment_next(project=project, annotator=leaver)
    assignment_next(project=elsewhere, annotator=leaver)
    kept = assignment_next(project=project, annotator=stayer)

    assert assignments_release(annotator=leaver) == 2

    statuses = dict(Assignment.objects.filter(annotator=leaver).values_list("prompt", "status"))
    assert statuses == {first.pk: "expired", second.pk: "expired"}
    kept.refresh_from_db()
    assert kept.status == Assignment.Status.ACTIVE
    claims = dict(Prompt.objects.values_list("pk", "claim_count"))
    assert claims == {first.pk: 1, second.pk: 0}


def test_a_released_gold_lease_leaves_the_claim_count_alone(project, member):
    project.gold_rate = 1.0
    project.save()
    gold = item_with_completions(project, is_gold=True, gold_ranking=[[0], [1], [2], [3]])
    leaver = member()
    assert assignment_next(project=project, annotator=leaver).prompt == gold
    assert assignments_release(annotator=leaver) == 1
    gold.refresh_from_db()
    assert gold.claim_count == 0


def test_a_ranking_sent_after_sign_out_is_still_stored_while_the_item_has_room(
    project, member, one_item_one_rater
):
    leaver = member()
    lease = assignment_next(project=project, annotator=leaver)
    assignments_release(annotator=leaver)
    ranking_submit(
        project=project,
        annotator=leaver,
        prompt_id=lease.prompt_id,
        tiers=[[i] for i in lease.display_order],
    )
    one_item_one_rater.refresh_from_db()
    assert one_item_one_rater.claim_count == 1
    assert assignment_next(project=project, annotator=member()) is None


def test_signing_out_without_leases_changes_nothing(member):
    assert assignments_release(annotator=member()) == 0
