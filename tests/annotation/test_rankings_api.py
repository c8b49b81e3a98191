import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotation.models import Assignment, Prompt, Ranking
from annotation.services.queue import assignment_next
from projects.models import Role
from tests.factories import UserFactory, item_with_completions

pytestmark = pytest.mark.django_db


@pytest.fixture
def annotator(member):
    return member(Role.ANNOTATOR)


@pytest.fixture
def leased(project, annotator, client_for):
    """The annotator's client and the item they were just given."""
    item_with_completions(project, k=4)
    client = client_for(annotator)
    body = client.post(f"/api/v1/projects/{project.id}/next/").json()
    return client, body


def submit(client, project, **payload):
    return client.post(f"/api/v1/projects/{project.id}/rankings/", payload, format="json")


def test_next_shows_the_item_without_model_names(leased):
    _, body = leased
    assert set(body) == {"id", "expires_at", "prompt", "completions"}
    assert len(body["completions"]) == 4
    assert all(set(c) == {"id", "text"} for c in body["completions"])


def test_next_answers_204_when_nothing_is_left(project, client_for, annotator):
    assert client_for(annotator).post(f"/api/v1/projects/{project.id}/next/").status_code == 204


def test_a_ranking_is_stored_with_what_the_annotator_saw(project, leased):
    client, body = leased
    ids = [c["id"] for c in body["completions"]]
    tiers = [[ids[2]], [ids[0], ids[1]], [ids[3]]]
    response = submit(
        client, project, prompt_id=body["prompt"]["id"], tiers=tiers,
        display_order=ids, time_spent_ms=4200, client_request_id=str(uuid.uuid4()),
    )  # fmt: skip
    assert response.status_code == 201
    ranking = Ranking.objects.get()
    assert ranking.tiers == [[ids[2]], sorted([ids[0], ids[1]]), [ids[3]]]
    assert ranking.display_order == ids
    assert ranking.time_spent_ms == 4200
    assert Assignment.objects.get().status == Assignment.Status.DONE
    prompt = Prompt.objects.get()
    assert (prompt.claim_count, prompt.ranking_count) == (1, 1)


def test_a_retried_submit_returns_the_stored_ranking(project, leased):
    client, body = leased
    ids = [c["id"] for c in body["completions"]]
    payload = {
        "prompt_id": body["prompt"]["id"],
        "tiers": [[i] for i in ids],
        "client_request_id": str(uuid.uuid4()),
    }
    first = submit(client, project, **payload)
    again = submit(client, project, **payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Ranking.objects.count() == 1
    assert Prompt.objects.get().ranking_count == 1


def test_an_annotator_revises_their_ranking(project, leased):
    client, body = leased
    ids = [c["id"] for c in body["completions"]]
    submit(client, project, prompt_id=body["prompt"]["id"], tiers=[[i] for i in ids])
    response = submit(
        client, project, prompt_id=body["prompt"]["id"], tiers=[[i] for i in reversed(ids)]
    )
    assert response.status_code == 200
    assert response.json()["revision"] == 2
    assert Ranking.objects.get().tiers == [[i] for i in reversed(ids)]
    assert Prompt.objects.get().ranking_count == 1


def test_a_locked_project_refuses_revisions(project, leased):
    client, body = leased
    ids = [c["id"] for c in body["completions"]]
    submit(client, project, prompt_id=body["prompt"]["id"], tiers=[[i] for i in ids])
    project.rankings_locked = True
    project.save()
    response = submit(
        client, project, prompt_id=body["prompt"]["id"], tiers=[[i] for i in reversed(ids)]
    )
    assert response.status_code == 400
    assert "locked" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("make_tiers", "field", "says"),
    [
        (lambda ids: [[i] for i in ids[:3]], "tiers", "missing"),
        (lambda ids: [[i] for i in ids] + [[99999999]], "tiers", "Not completions of this item"),
        (lambda ids: [[ids[0]], [ids[0]], [ids[1]], [ids[2]], [ids[3]]], "tiers", "more than once"),
        (lambda ids: [ids[0], ids[1], ids[2], ids[3]], "tiers", "Tier 1 must be a non-empty list"),
        (lambda ids: [[ids[0]], [], [ids[1], ids[2], ids[3]]], "tiers", "Tier 2"),
        (lambda ids: [["a"], [ids[1]]], "tiers", "integers"),
        (lambda ids: [], "tiers", "non-empty list of tiers"),
        (lambda ids: "best first", "tiers", "non-empty list of tiers"),
    ],
    ids=[
        "missing",
        "unknown-id",
        "duplicated",
        "flat-list",
        "empty-tier",
        "strings",
        "empty",
        "not-a-list",
    ],
)
def test_a_malformed_ranking_is_a_400_and_stores_nothing(project, leased, make_tiers, field, says):
    client, body = leased
    ids = [c["id"] for c in body["completions"]]
    response = submit(client, project, prompt_id=body["prompt"]["id"], tiers=make_tiers(ids))
    assert response.status_code == 400
    error = response.json()["error"]
    assert says in error["fields"][field][0]
    assert not Ranking.objects.exists()
    assert Assignment.objects.get().status == Assignment.Status.ACTIVE


def test_ties_are_refused_where_the_project_forbids_them(project, leased):
    project.allow_ties = False
    project.save()
    client, body = leased
    ids = [c["id"] for c in body["completions"]]
    response = submit(
        client, project, prompt_id=body["prompt"]["id"], tiers=[ids[:2], [ids[2]], [ids[3]]]
    )
    assert response.status_code == 400
    assert "does not allow ties" in response.json()["error"]["fields"]["tiers"][0]
    assert not Ranking.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"tiers": [[1]]}, "prompt_id"),
        ({"prompt_id": "x", "tiers": [[1]]}, "prompt_id"),
        ({"prompt_id": 1}, "tiers"),
        ({"prompt_id": 1, "tiers": [[1]], "client_request_id": "not-a-uuid"}, "client_request_id"),
        ({"prompt_id": 1, "tiers": [[1]], "time_spent_ms": -5}, "time_spent_ms"),
    ],
    ids=["no-prompt", "bad-prompt", "no-tiers", "bad-request-id", "negative-time"],
)
def test_a_missing_or_mistyped_field_is_named(project, leased, payload, field):
    client, _ = leased
    response = submit(client, project, **payload)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Ranking.objects.exists()


def test_bad_json_is_a_400(project, leased):
    client, _ = leased
    response = client.post(
        f"/api/v1/projects/{project.id}/rankings/", "{tiers: [", content_type="application/json"
    )
    assert response.status_code == 400
    assert not Ranking.objects.exists()


def test_a_display_order_that_is_not_the_items_completions_is_refused(project, leased):
    client, body = leased
    ids = [c["id"] for c in body["completions"]]
    response = submit(
        client,
        project,
        prompt_id=body["prompt"]["id"],
        tiers=[[i] for i in ids],
        display_order=ids[:2],
    )
    assert response.status_code == 400
    assert "display_order" in response.json()["error"]["fields"]


def test_an_item_of_another_project_is_refused(project, leased):
    client, _ = leased
    from tests.factories import ProjectFactory

    foreign = item_with_completions(ProjectFactory())
    ids = list(foreign.completions.values_list("id", flat=True))
    response = submit(client, project, prompt_id=foreign.id, tiers=[[i] for i in ids])
    assert response.status_code == 400
    assert "prompt_id" in response.json()["error"]["fields"]


def test_ranking_an_item_never_leased_is_a_409(project, annotator, client_for):
    prompt = item_with_completions(project)
    ids = list(prompt.completions.values_list("id", flat=True))
    response = submit(client_for(annotator), project, prompt_id=prompt.id, tiers=[[i] for i in ids])
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_assigned"


def test_a_late_submit_is_kept_while_the_item_still_needs_raters(project, leased, annotator):
    client, body = leased
    later = timezone.now() + timedelta(hours=1)
    from annotation.services.queue import assignments_expire

    assignments_expire(project_id=project.id, now=later)
    ids = [c["id"] for c in body["completions"]]
    assert (
        submit(
            client, project, prompt_id=body["prompt"]["id"], tiers=[[i] for i in ids]
        ).status_code
        == 201
    )
    assert Prompt.objects.get().claim_count == 1


def test_a_late_submit_after_the_item_went_to_others_is_a_409(project, leased, member):
    project.raters_per_item = 1
    project.save()
    client, body = leased
    later = timezone.now() + timedelta(hours=1)
    assert assignment_next(project=project, annotator=member(), now=later) is not None
    ids = [c["id"] for c in body["completions"]]
    response = submit(client, project, prompt_id=body["prompt"]["id"], tiers=[[i] for i in ids])
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "lease_lost"
    assert "went to another annotator" in response.json()["error"]["message"]
    assert not Ranking.objects.filter(annotator__isnull=False, kind="ranked").exists()


def test_a_skip_is_recorded_with_its_reason(project, leased):
    client, body = leased
    response = client.post(
        f"/api/v1/projects/{project.id}/skips/",
        {"prompt_id": body["prompt"]["id"], "reason": "Needs a lawyer"},
        format="json",
    )
    assert response.status_code == 201
    ranking = Ranking.objects.get()
    assert (ranking.kind, ranking.skip_reason, ranking.tiers) == ("skipped", "Needs a lawyer", None)
    assert Prompt.objects.get().claim_count == 0


def test_a_skip_needs_a_reason(project, leased):
    client, body = leased
    response = client.post(
        f"/api/v1/projects/{project.id}/skips/", {"prompt_id": body["prompt"]["id"]}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]


def test_a_flag_lands_in_the_admin_review_queue(project, leased, member, client_for):
    client, body = leased
    response = client.post(
        f"/api/v1/projects/{project.id}/flags/",
        {"prompt_id": body["prompt"]["id"], "reason": "unsafe", "note": "instructions for harm"},
        format="json",
    )
    assert response.status_code == 201
    admin = client_for(member(Role.ADMIN))
    queue = admin.get(f"/api/v1/projects/{project.id}/reviews/").json()
    assert queue["count"] == 1
    flagged = queue["results"][0]
    assert (flagged["flag_reason"], flagged["flag_note"]) == ("unsafe", "instructions for harm")
    resolved = admin.post(
        f"/api/v1/projects/{project.id}/reviews/{flagged['id']}/",
        {"review_status": "resolved"},
        format="json",
    )
    assert resolved.status_code == 200
    assert admin.get(f"/api/v1/projects/{project.id}/reviews/").json()["count"] == 0


def test_an_unknown_flag_reason_is_refused(project, leased):
    client, body = leased
    response = client.post(
        f"/api/v1/projects/{project.id}/flags/",
        {"prompt_id": body["prompt"]["id"], "reason": "meh"},
        format="json",
    )
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]


def test_annotators_cannot_see_the_review_queue(project, leased):
    client, _ = leased
    assert client.get(f"/api/v1/projects/{project.id}/reviews/").status_code == 403


def test_annotators_list_only_their_own_rankings(project, member, client_for):
    item_with_completions(project)
    users = [member(), member()]
    for user in users:
        assignment = assignment_next(project=project, annotator=user)
        client = client_for(user)
        submit(
            client,
            project,
            prompt_id=assignment.prompt_id,
            tiers=[[i] for i in assignment.display_order],
        )
    mine = client_for(users[0]).get(f"/api/v1/projects/{project.id}/rankings/").json()
    assert mine["count"] == 1
    assert "annotator" not in mine["results"][0]
    everyone = (
        client_for(member(Role.RESEARCHER)).get(f"/api/v1/projects/{project.id}/rankings/").json()
    )
    assert everyone["count"] == 2


def test_the_ranking_list_runs_a_fixed_number_of_queries(project, member, client_for):
    researcher = client_for(member(Role.RESEARCHER))

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert researcher.get(f"/api/v1/projects/{project.id}/rankings/").status_code == 200
        return len(captured)

    def add_rankings(n):
        for _ in range(n):
            item_with_completions(project)
            user = member()
            assignment = assignment_next(project=project, annotator=user)
            from annotation.services.rankings import ranking_submit

            ranking_submit(
                project=project,
                annotator=user,
                prompt_id=assignment.prompt_id,
                tiers=[[i] for i in assignment.display_order],
            )

    add_rankings(1)
    few = count()
    add_rankings(10)
    assert count() == few


def test_outsiders_get_404_on_every_annotation_endpoint(project, client_for):
    outsider = client_for(UserFactory())
    for method, path in [
        ("post", "next/"),
        ("get", "rankings/"),
        ("post", "skips/"),
        ("get", "progress/"),
    ]:
        assert getattr(outsider, method)(f"/api/v1/projects/{project.id}/{path}").status_code == 404


def test_progress_counts_my_work_and_what_is_left(project, leased):
    client, body = leased
    item_with_completions(project)
    ids = [c["id"] for c in body["completions"]]
    submit(client, project, prompt_id=body["prompt"]["id"], tiers=[[i] for i in ids])
    progress = client.get(f"/api/v1/projects/{project.id}/progress/").json()
    assert progress == {
        "ranked": 1, "ranked_today": 1, "skipped": 0, "flagged": 0,
        "remaining_for_me": 1, "items_total": 2, "items_complete": 0,
    }  # fmt: skip


def test_the_hot_path_answers_match_their_documented_serializers(project, leased):
    from annotation.api.annotate import AssignmentOutput, RankingOutput

    client, body = leased
    lease = Assignment.objects.select_related("prompt").get()
    documented = AssignmentOutput(
        {
            "id": lease.pk,
            "expires_at": lease.expires_at,
            "prompt": lease.prompt,
            "completions": [lease.prompt.completions.get(pk=i) for i in lease.display_order],
        }
    ).data
    assert body == documented
    ids = [c["id"] for c in body["completions"]]
    response = submit(
        client, project, prompt_id=body["prompt"]["id"], tiers=[[i] for i in ids],
        client_request_id=str(uuid.uuid4()),
    )  # fmt: skip
    assert response.json() == RankingOutput(Ranking.objects.get()).data
