"""The annotator's way back (history, an item reopened, revising it, ranking a skipped one)
and the workspace settings: preferences per user, the raw-text default per project."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotation.models import AnnotatorPreferences, Prompt, Ranking
from annotation.services.queue import assignment_next
from annotation.services.rankings import ranking_pass, ranking_submit
from projects.models import Role
from tests.factories import UserFactory, item_with_completions

pytestmark = pytest.mark.django_db


@pytest.fixture
def annotator(member):
    return member(Role.ANNOTATOR)


def rank(project, annotator, prompt=None, *, best_last=False):
    """Lease ``prompt`` (or the next item) and rank it in display order (or reversed)."""
    lease = assignment_next(project=project, annotator=annotator)
    assert lease is not None
    assert prompt is None or lease.prompt_id == prompt.pk
    order = list(reversed(lease.display_order)) if best_last else lease.display_order
    ranking_submit(
        project=project, annotator=annotator, prompt_id=lease.prompt_id, tiers=[[i] for i in order]
    )
    return lease


def skip(project, annotator, reason="Not my field"):
    lease = assignment_next(project=project, annotator=annotator)
    assert lease is not None
    ranking_pass(
        project=project,
        annotator=annotator,
        prompt_id=lease.prompt_id,
        kind=Ranking.Kind.SKIPPED,
        skip_reason=reason,
    )
    return lease


def history(client, project, **params):
    return client.get(f"/api/v1/projects/{project.id}/history/", params)


def item(client, project, prompt_id):
    return client.get(f"/api/v1/projects/{project.id}/history/{prompt_id}/")


def submit(client, project, **payload):
    return client.post(f"/api/v1/projects/{project.id}/rankings/", payload, format="json")


# --- history -------------------------------------------------------------------------


def test_the_history_lists_my_items_newest_first_with_an_excerpt(project, annotator, client_for):
    item_with_completions(project, text="  First question:\n\n  what is   TCP slow start?")
    item_with_completions(project, text="Second question")
    item_with_completions(project, text="Third question")
    first = rank(project, annotator)
    second = skip(project, annotator, reason="Needs a lawyer")
    third = rank(project, annotator)
    # Revising the first item does not move it: the history keeps the order of the queue.
    ranking_submit(
        project=project, annotator=annotator, prompt_id=first.prompt_id, tiers=[first.display_order]
    )

    body = history(client_for(annotator), project).json()

    assert body["count"] == 3
    entries = body["results"]
    assert [e["prompt_id"] for e in entries] == [
        third.prompt_id,
        second.prompt_id,
        first.prompt_id,
    ]
    assert [e["kind"] for e in entries] == ["ranked", "skipped", "ranked"]
    assert entries[1]["skip_reason"] == "Needs a lawyer"
    assert entries[2]["excerpt"] == "First question: what is TCP slow start?"
    assert entries[2]["revision"] == 2
    assert set(entries[0]) == {
        "ranking_id", "prompt_id", "kind", "revision", "skip_reason", "flag_reason",
        "excerpt", "created_at", "updated_at",
    }  # fmt: skip


def test_the_history_names_a_chat_item_by_its_last_message(project, annotator, client_for):
    item_with_completions(
        project,
        text="",
        messages=[
            {"role": "user", "content": "Hello"},
            {"role": "assistant", "content": "Hi! How can I help?"},
            {"role": "user", "content": "Write a haiku about rain."},
        ],
    )
    rank(project, annotator)
    entry = history(client_for(annotator), project).json()["results"][0]
    assert entry["excerpt"] == "Write a haiku about rain."


def test_the_history_cuts_a_long_prompt_in_the_database(project, annotator, client_for):
    item_with_completions(project, text="word " * 10_000)
    rank(project, annotator)
    excerpt = history(client_for(annotator), project).json()["results"][0]["excerpt"]
    assert excerpt.startswith("word word")
    assert len(excerpt) <= 200


def test_the_history_shows_only_my_own_items(project, member, annotator, client_for):
    other = member(Role.ANNOTATOR)
    researcher = member(Role.RESEARCHER)
    item_with_completions(project)
    for user in (annotator, other, researcher):
        rank(project, user)

    def ranking_ids(user):
        return [e["ranking_id"] for e in history(client_for(user), project).json()["results"]]

    # Researchers see everyone's rankings elsewhere; their history is still their own.
    for user in (annotator, researcher):
        assert ranking_ids(user) == [Ranking.objects.get(annotator=user).pk]


def test_the_history_is_paged(project, annotator, client_for):
    for _ in range(5):
        item_with_completions(project, k=2)
    for _ in range(5):
        rank(project, annotator)
    body = history(client_for(annotator), project, page_size=2, page=3).json()
    assert body["count"] == 5
    assert len(body["results"]) == 1
    assert body["next"] is None


def test_the_history_takes_the_same_queries_for_one_item_or_ten(project, annotator, client_for):
    client = client_for(annotator)
    item_with_completions(project, k=2)
    rank(project, annotator)
    with CaptureQueriesContext(connection) as one:
        assert history(client, project).status_code == 200
    for _ in range(9):
        item_with_completions(project, k=2)
        rank(project, annotator)
    with CaptureQueriesContext(connection) as ten:
        assert len(history(client, project).json()["results"]) == 10
    assert len(ten.captured_queries) == len(one.captured_queries) <= 3


def test_the_history_of_a_project_i_am_not_in_is_not_found(project, client_for):
    outsider = UserFactory()
    assert history(client_for(outsider), project).status_code == 404


# --- one item reopened ---------------------------------------------------------------


def test_a_reopened_item_shows_my_ranking_and_the_order_i_saw(project, annotator, client_for):
    prompt = item_with_completions(project, k=4, text="Explain TCP slow start.")
    lease = rank(project, annotator, prompt, best_last=True)

    response = item(client_for(annotator), project, prompt.pk)

    assert response.status_code == 200
    body = response.json()
    assert body["prompt"] == {"id": prompt.pk, "text": "Explain TCP slow start.", "messages": None}
    assert [c["id"] for c in body["completions"]] == lease.display_order
    assert body["ranking"]["tiers"] == [[i] for i in reversed(lease.display_order)]
    assert body["ranking"]["kind"] == "ranked"
    assert body["can_revise"] is True


def test_a_reopened_item_keeps_a_display_order_that_is_not_the_import_order(
    project, annotator, client_for
):
    prompt = item_with_completions(project, k=4)
    by_position = list(prompt.completions.order_by("position").values_list("id", flat=True))
    shown = [by_position[2], by_position[0], by_position[3], by_position[1]]
    Ranking.objects.create(
        project=project, prompt=prompt, annotator=annotator, tiers=[[i] for i in shown],
        display_order=shown,
    )  # fmt: skip
    body = item(client_for(annotator), project, prompt.pk).json()
    assert [c["id"] for c in body["completions"]] == shown


def test_an_item_of_someone_else_is_not_found(project, member, annotator, client_for):
    prompt = item_with_completions(project)
    rank(project, member(Role.ANNOTATOR), prompt)
    response = item(client_for(annotator), project, prompt.pk)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_reopened_item_takes_three_queries(project, annotator, client_for):
    prompt = item_with_completions(project, k=9)
    rank(project, annotator, prompt)
    client = client_for(annotator)
    with CaptureQueriesContext(connection) as captured:
        assert item(client, project, prompt.pk).status_code == 200
    assert len(captured.captured_queries) <= 3


def test_in_a_locked_project_a_reopened_item_cannot_be_revised(project, annotator, client_for):
    prompt = item_with_completions(project)
    rank(project, annotator, prompt)
    project.rankings_locked = True
    project.save()
    assert item(client_for(annotator), project, prompt.pk).json()["can_revise"] is False


def test_a_flagged_item_cannot_be_revised(project, annotator, client_for):
    prompt = item_with_completions(project)
    lease = assignment_next(project=project, annotator=annotator)
    assert lease is not None
    ranking_pass(
        project=project, annotator=annotator, prompt_id=prompt.pk,
        kind=Ranking.Kind.FLAGGED, flag_reason="broken",
    )  # fmt: skip
    body = item(client_for(annotator), project, prompt.pk).json()
    assert (body["ranking"]["kind"], body["can_revise"]) == ("flagged", False)


# --- revising from the history -------------------------------------------------------


def test_a_revision_from_the_history_needs_no_lease(project, annotator, client_for):
    prompt = item_with_completions(project, k=3)
    lease = rank(project, annotator, prompt)
    # Long after: the lease is done and the annotator holds another item.
    item_with_completions(project, k=3)
    assert assignment_next(project=project, annotator=annotator) is not None
    response = submit(
        client_for(annotator), project, prompt_id=prompt.pk,
        tiers=[lease.display_order], display_order=lease.display_order,
        client_request_id=str(uuid.uuid4()),
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    assert response.json()["revision"] == 2
    assert Ranking.objects.get(prompt=prompt).tiers == [sorted(lease.display_order)]


def test_a_skipped_item_is_ranked_after_all(project, annotator, client_for):
    prompt = item_with_completions(project, k=3)
    lease = skip(project, annotator)
    assert Prompt.objects.get(pk=prompt.pk).claim_count == 0

    response = submit(
        client_for(annotator), project, prompt_id=prompt.pk,
        tiers=[[i] for i in lease.display_order], display_order=lease.display_order,
    )  # fmt: skip

    assert response.status_code == 200, response.json()
    assert (response.json()["kind"], response.json()["revision"]) == ("ranked", 2)
    ranking = Ranking.objects.get(prompt=prompt)
    assert (ranking.kind, ranking.skip_reason) == (Ranking.Kind.RANKED, "")
    assert ranking.tiers == [[i] for i in lease.display_order]
    prompt.refresh_from_db()
    assert (prompt.claim_count, prompt.ranking_count) == (1, 1)


def test_a_skipped_item_that_is_full_now_keeps_the_skip(project, member, annotator, client_for):
    project.raters_per_item = 1
    project.save()
    prompt = item_with_completions(project, k=2)
    lease = skip(project, annotator)
    rank(project, member(Role.ANNOTATOR), prompt)

    response = submit(
        client_for(annotator),
        project,
        prompt_id=prompt.pk,
        tiers=[[i] for i in lease.display_order],
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "item_full"
    ranking = Ranking.objects.get(prompt=prompt, annotator=annotator)
    assert (ranking.kind, ranking.skip_reason) == (Ranking.Kind.SKIPPED, "Not my field")
    prompt.refresh_from_db()
    assert (prompt.claim_count, prompt.ranking_count) == (1, 1)


def test_a_skipped_item_cannot_be_ranked_once_the_project_is_locked(project, annotator, client_for):
    prompt = item_with_completions(project, k=2)
    lease = skip(project, annotator)
    project.rankings_locked = True
    project.save()
    response = submit(
        client_for(annotator),
        project,
        prompt_id=prompt.pk,
        tiers=[[i] for i in lease.display_order],
    )
    assert response.status_code == 400
    assert "locked" in response.json()["error"]["message"]
    assert Ranking.objects.get(prompt=prompt).kind == Ranking.Kind.SKIPPED
    assert Prompt.objects.get(pk=prompt.pk).claim_count == 0


def test_a_bad_ranking_of_a_skipped_item_changes_nothing(project, annotator, client_for):
    prompt = item_with_completions(project, k=3)
    lease = skip(project, annotator)
    response = submit(
        client_for(annotator), project, prompt_id=prompt.pk, tiers=[[lease.display_order[0]]]
    )
    assert response.status_code == 400
    assert "missing" in response.json()["error"]["message"]
    assert Ranking.objects.get(prompt=prompt).kind == Ranking.Kind.SKIPPED
    assert Prompt.objects.get(pk=prompt.pk).claim_count == 0


# --- preferences ---------------------------------------------------------------------


def preferences(client):
    return client.get("/api/v1/me/preferences/")


def change_preferences(client, body, **kwargs):
    return client.patch("/api/v1/me/preferences/", body, format=kwargs.get("format", "json"))


def test_preferences_start_at_the_defaults_without_storing_anything(client_for):
    user = UserFactory()
    response = preferences(client_for(user))
    assert response.status_code == 200
    assert response.json() == {"advance_after_rank": True}
    assert not AnnotatorPreferences.objects.exists()


def test_a_preference_is_stored_for_the_user(client_for):
    user = UserFactory()
    client = client_for(user)
    response = change_preferences(client, {"advance_after_rank": False})
    assert response.status_code == 200
    assert response.json() == {"advance_after_rank": False}
    assert AnnotatorPreferences.objects.get(user=user).advance_after_rank is False
    assert preferences(client).json() == {"advance_after_rank": False}
    assert preferences(client_for(UserFactory())).json() == {"advance_after_rank": True}


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"advance_after_rank": "false"}, "advance_after_rank", "true or false"),
        ({"advance_after_rank": 0}, "advance_after_rank", "true or false"),
        ({"advance_after_rank": None}, "advance_after_rank", "null"),
        ({"advance_after_rank": True, "theme": "dark"}, "theme", "No such preference"),
        ({}, "non_field_errors", "at least one preference"),
        ([True], "non_field_errors", "dictionary"),
    ],
    ids=["string", "number", "null", "unknown", "empty", "not-an-object"],
)
def test_a_bad_preference_is_refused_and_nothing_is_stored(client_for, body, field, says):
    user = UserFactory()
    response = change_preferences(client_for(user), body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert says in " ".join(error["fields"][field])
    assert not AnnotatorPreferences.objects.exists()


def test_preferences_need_a_signed_in_user(api_client):
    assert preferences(api_client).status_code == 403
    assert change_preferences(api_client, {"advance_after_rank": False}).status_code == 403


# --- the raw-text default ------------------------------------------------------------


def test_an_admin_sets_the_raw_text_default_of_a_project(project, member, client_for):
    admin = member(Role.ADMIN)
    response = client_for(admin).patch(
        f"/api/v1/projects/{project.id}/", {"default_raw_text": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["default_raw_text"] is True
    project.refresh_from_db()
    assert project.default_raw_text is True


def test_annotators_read_the_raw_text_default(project, annotator, client_for):
    body = client_for(annotator).get(f"/api/v1/projects/{project.id}/").json()
    assert body["default_raw_text"] is False


def test_an_annotator_cannot_change_the_raw_text_default(project, annotator, client_for):
    response = client_for(annotator).patch(
        f"/api/v1/projects/{project.id}/", {"default_raw_text": True}, format="json"
    )
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.default_raw_text is False
