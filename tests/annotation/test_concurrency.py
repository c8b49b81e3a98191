"""Several annotators draining a project at once, on real PostgreSQL connections."""

import threading
import uuid

import pytest
from django.db import connection, connections
from django.db.models import Count
from rest_framework.test import APIClient

from annotation.models import Assignment, Prompt, Ranking
from annotation.services.queue import assignment_next
from annotation.services.rankings import ranking_submit
from projects.models import Role
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, item_with_completions
from tests.shared_data import ALPACA_K4 as ALPACA


def _in_threads(work, users) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(user):
        try:
            work(user)
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return errors


def _assert_drained(project, raters: int, items: int) -> None:
    per_item = (
        Ranking.objects.filter(project=project, kind="ranked")
        .values("prompt")
        .annotate(n=Count("id"))
    )
    assert sorted({row["n"] for row in per_item}) == [raters]
    assert per_item.count() == items
    assert (
        not Ranking.objects.values("prompt", "annotator")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    assert set(
        Prompt.objects.filter(project=project).values_list("claim_count", "ranking_count")
    ) == {(raters, raters)}
    assert not Assignment.objects.filter(project=project, status="active").exists()


@pytest.mark.django_db(transaction=True)
def test_three_annotators_drain_the_805_alpaca_items_through_the_api():
    project = ProjectFactory(raters_per_item=3)
    admin = MembershipFactory(project=project, role=Role.ADMIN).user
    annotators = [MembershipFactory(project=project, role=Role.ANNOTATOR).user for _ in range(3)]
    importer = APIClient()
    importer.force_authenticate(admin)
    with ALPACA.open("rb") as upload:
        response = importer.post(
            f"/api/v1/projects/{project.id}/imports/", {"file": upload}, format="multipart"
        )
    assert response.status_code == 201, response.content
    assert Prompt.objects.filter(project=project).count() == 805

    def annotate(user):
        client = APIClient()
        client.force_authenticate(user)
        done = 0
        while True:
            response = client.post(f"/api/v1/projects/{project.id}/next/")
            if response.status_code == 204:
                return
            assert response.status_code == 200, response.content
            item = response.json()
            payload = {
                "prompt_id": item["prompt"]["id"],
                "tiers": [[c["id"]] for c in item["completions"]],
                "client_request_id": str(uuid.uuid4()),
            }
            stored = client.post(f"/api/v1/projects/{project.id}/rankings/", payload, format="json")
            assert stored.status_code == 201, stored.content
            done += 1
            if done % 25 == 0:  # a retried submit must not count twice
                again = client.post(
                    f"/api/v1/projects/{project.id}/rankings/", payload, format="json"
                )
                assert again.json()["id"] == stored.json()["id"]

    assert _in_threads(annotate, annotators) == []
    _assert_drained(project, raters=3, items=805)


@pytest.mark.django_db(transaction=True)
def test_more_annotators_than_raters_never_over_assign():
    project = ProjectFactory(raters_per_item=3)
    for _ in range(60):
        item_with_completions(project, k=2)
    annotators = [MembershipFactory(project=project, role=Role.ANNOTATOR).user for _ in range(8)]

    def annotate(user):
        while (assignment := assignment_next(project=project, annotator=user)) is not None:
            ranking_submit(
                project=project, annotator=user, prompt_id=assignment.prompt_id,
                tiers=[[i] for i in assignment.display_order],
            )  # fmt: skip

    assert _in_threads(annotate, annotators) == []
    _assert_drained(project, raters=3, items=60)


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_submit_racing_itself_is_stored_once():
    project = ProjectFactory()
    item_with_completions(project)
    user = UserFactory()
    MembershipFactory(project=project, user=user)
    assignment = assignment_next(project=project, annotator=user)
    request_id = uuid.uuid4()
    tiers = [[i] for i in assignment.display_order]

    def submit(_):
        ranking_submit(project=project, annotator=user, prompt_id=assignment.prompt_id, tiers=tiers,
                       client_request_id=request_id)  # fmt: skip

    assert _in_threads(submit, range(4)) == []
    assert Ranking.objects.count() == 1
    assert Prompt.objects.get().ranking_count == 1
    connection.close()
