import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotation.models import Prompt, Ranking
from preferences.services.consensus_store import consensus_update
from preferences.services.pairs import pairs_expand
from projects.models import Role
from tests.factories import ProjectFactory, RankingFactory, item_with_completions

pytestmark = pytest.mark.django_db


def test_researchers_see_items_with_their_models_and_counts(project, member, client_for):
    item_with_completions(project, k=3)
    body = client_for(member(Role.RESEARCHER)).get(f"/api/v1/projects/{project.id}/items/").json()
    assert body["count"] == 1
    item = body["results"][0]
    assert [c["position"] for c in item["completions"]] == [0, 1, 2]
    assert all(c["model_name"] == "model-x" for c in item["completions"])
    assert (item["claim_count"], item["ranking_count"]) == (0, 0)


def test_annotators_cannot_browse_items(project, member, client_for):
    assert (
        client_for(member(Role.ANNOTATOR)).get(f"/api/v1/projects/{project.id}/items/").status_code
        == 403
    )


def test_the_item_list_runs_a_fixed_number_of_queries(project, member, client_for):
    client = client_for(member(Role.RESEARCHER))

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/api/v1/projects/{project.id}/items/").status_code == 200
        return len(captured)

    item_with_completions(project)
    few = count()
    for _ in range(10):
        item_with_completions(project)
    assert count() == few


def items(client, project, query=""):
    return client.get(f"/api/v1/projects/{project.id}/items/{query}")


def ids_of(prompt):
    return list(prompt.completions.order_by("position").values_list("id", flat=True))


def found(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["external_id"] for item in response.json()["results"]]


@pytest.mark.parametrize(
    "query",
    ["?q=SLOW%20start", "?q=congestion%20WINDOW", "?q=tcp-0"],
    ids=["prompt text", "completion text", "external id"],
)
def test_researchers_search_items_by_any_text_in_any_case(project, member, client_for, query):
    tcp = item_with_completions(project, k=2, external_id="tcp-001", text="Explain TCP slow start.")
    tcp.completions.filter(position=1).update(text="It grows the congestion window.")
    item_with_completions(project, k=2, external_id="dns-001", text="What is DNS?")
    assert found(items(client_for(member(Role.RESEARCHER)), project, query)) == ["tcp-001"]


def test_search_reads_chat_prompts_too(project, member, client_for):
    item_with_completions(
        project, k=2, external_id="chat", text="", messages=[{"role": "user", "content": "Hola"}]
    )
    item_with_completions(project, k=2, external_id="plain")
    assert found(items(client_for(member(Role.RESEARCHER)), project, "?q=hola")) == ["chat"]


def test_items_filter_by_the_model_of_a_completion(project, member, client_for):
    item_with_completions(project, k=2, external_id="by-x")
    other = item_with_completions(project, k=2, external_id="by-y")
    other.completions.update(model_name="model-y")
    client = client_for(member(Role.RESEARCHER))
    assert found(items(client, project, "?model=model-y")) == ["by-y"]


@pytest.fixture
def statuses(project, member):
    """One item of each status (raters per item: 2)."""
    project.raters_per_item = 2
    project.save()
    raters = [member(Role.ANNOTATOR) for _ in range(2)]
    item_with_completions(project, k=2, external_id="fresh")
    complete = item_with_completions(project, k=2, external_id="complete")
    a, b = ids_of(complete)
    for rater in raters:
        RankingFactory(prompt=complete, annotator=rater, tiers=[[a], [b]])
    disputed = item_with_completions(project, k=2, external_id="disputed")
    a, b = ids_of(disputed)
    RankingFactory(prompt=disputed, annotator=raters[0], tiers=[[a], [b]])
    RankingFactory(prompt=disputed, annotator=raters[1], tiers=[[b], [a]])
    Prompt.objects.filter(pk__in=[complete.pk, disputed.pk]).update(ranking_count=2)
    flagged = item_with_completions(project, k=2, external_id="flagged")
    RankingFactory(
        prompt=flagged,
        annotator=raters[0],
        tiers=None,
        kind=Ranking.Kind.FLAGGED,
        flag_reason="broken",
    )
    item_with_completions(project, k=2, external_id="gold", is_gold=True, gold_ranking=[[0], [1]])
    pairs_expand(project_id=project.id)
    return project


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("needs_raters", ["fresh", "flagged"]),
        ("complete", ["complete", "disputed"]),
        ("flagged", ["flagged"]),
        ("disputed", ["disputed"]),
        ("gold", ["gold"]),
    ],
)
def test_items_filter_by_status(statuses, member, client_for, status, expected):
    client = client_for(member(Role.RESEARCHER))
    assert found(items(client, statuses, f"?status={status}")) == expected


def test_each_listed_item_says_whether_it_is_flagged_or_disputed(statuses, member, client_for):
    body = items(client_for(member(Role.RESEARCHER)), statuses).json()
    marks = {i["external_id"]: (i["flagged"], i["disputed"]) for i in body["results"]}
    assert marks["flagged"] == (True, False)
    assert marks["disputed"] == (False, True)
    assert marks["complete"] == (False, False)


def test_a_pair_with_a_majority_is_not_disputed(project, member, client_for):
    prompt = item_with_completions(project, k=2)
    a, b = ids_of(prompt)
    for tiers in ([[a], [b]], [[a], [b]], [[b], [a]]):
        RankingFactory(prompt=prompt, annotator=member(Role.ANNOTATOR), tiers=tiers)
    pairs_expand(project_id=project.id)
    assert found(items(client_for(member(Role.RESEARCHER)), project, "?status=disputed")) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?status=done", "status"),
        ("?stat=gold", "stat"),
        (f"?q={'x' * 201}", "q"),
        ("?status=gold&status=flagged", "status"),
    ],
    ids=["unknown status", "unknown parameter", "long search", "repeated"],
)
def test_a_bad_item_query_is_a_400_naming_the_parameter(project, member, client_for, query, field):
    response = items(client_for(member(Role.RESEARCHER)), project, query)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_filters_combine_and_paginate(project, member, client_for):
    for n in range(5):
        item_with_completions(project, k=2, external_id=f"hit-{n}", text=f"Needle {n}")
    item_with_completions(project, k=2, external_id="miss", text="Hay")
    body = items(client_for(member(Role.RESEARCHER)), project, "?q=needle&page_size=2&page=3")
    assert body.json()["count"] == 5
    assert found(body) == ["hit-4"]


def test_a_filtered_search_runs_a_fixed_number_of_queries(project, member, client_for):
    client = client_for(member(Role.RESEARCHER))
    query = "?q=e&status=needs_raters&model=model-x"

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert items(client, project, query).status_code == 200
        return len(captured)

    item_with_completions(project)
    few = count()
    for _ in range(10):
        item_with_completions(project)
    assert count() == few


def test_the_models_of_a_project_are_listed_with_their_item_counts(project, member, client_for):
    item_with_completions(project, k=2)
    other = item_with_completions(project, k=2)
    other.completions.filter(position=1).update(model_name="model-y")
    body = client_for(member(Role.RESEARCHER)).get(f"/api/v1/projects/{project.id}/items/models/")
    assert body.json() == [{"name": "model-x", "items": 2}, {"name": "model-y", "items": 1}]


def detail(client, prompt):
    return client.get(f"/api/v1/projects/{prompt.project_id}/items/{prompt.id}/")


@pytest.fixture
def rated(project, member):
    """An item ranked by three annotators (in the order ann, bo, cy), with its consensus."""
    project.raters_per_item = 3
    project.save()
    prompt = item_with_completions(project, k=3)
    a, b, c = ids_of(prompt)
    for name, tiers in (("ann", [[a], [b], [c]]), ("bo", [[a], [b], [c]]), ("cy", [[b], [a], [c]])):
        RankingFactory(
            prompt=prompt,
            annotator=member(Role.ANNOTATOR, username=name, first_name=name.title()),
            tiers=tiers,
        )
    consensus_update(project_id=project.id)
    return prompt


def test_an_item_shows_its_completions_with_their_models(rated, member, client_for):
    body = detail(client_for(member(Role.RESEARCHER)), rated).json()
    assert [(c["position"], c["model_name"]) for c in body["completions"]] == [
        (0, "model-x"), (1, "model-x"), (2, "model-x"),
    ]  # fmt: skip
    assert body["text"] == rated.text


def test_admins_see_who_ranked_an_item(rated, member, client_for):
    body = detail(client_for(member(Role.ADMIN)), rated).json()
    assert [(r["rater"], r["username"]) for r in body["rankings"]] == [
        ("Ann", "ann"), ("Bo", "bo"), ("Cy", "cy"),
    ]  # fmt: skip


def test_researchers_see_stable_rater_numbers_instead_of_names(rated, project, member, client_for):
    earlier = item_with_completions(project, k=2)
    a, b = ids_of(earlier)
    cy = Ranking.objects.get(prompt=rated, annotator__username="cy").annotator
    RankingFactory(
        prompt=earlier, annotator=cy, tiers=[[a], [b]]
    )  # a later ranking changes no number
    body = detail(client_for(member(Role.RESEARCHER)), rated).json()
    assert [(r["rater"], r["username"]) for r in body["rankings"]] == [
        ("Rater 1", None), ("Rater 2", None), ("Rater 3", None),
    ]  # fmt: skip
    assert "ann" not in str(body).lower()


def test_an_item_shows_its_consensus_and_how_its_raters_agree(rated, member, client_for):
    a, b, c = ids_of(rated)
    body = detail(client_for(member(Role.RESEARCHER)), rated).json()
    consensus = body["consensus"]
    assert consensus["tiers"] == [[a], [b], [c]]
    assert consensus["raters"] == 3
    assert consensus["up_to_date"] is True
    assert {"chosen": a, "rejected": b, "agree": 2, "disagree": 1, "tie": 0} in consensus["pairs"]
    assert body["agreement"]["raters"] == 3
    assert body["agreement"]["kendall_w"] == pytest.approx(consensus["kendall_w"])
    # Rater pairs: ann-bo agree on 3 pairs, each with cy on 2 of 3: 7 of 9.
    assert body["agreement"]["pairwise_agreement"] == pytest.approx(7 / 9)
    assert [r["agreement_with_others"] for r in body["rankings"]] == pytest.approx(
        [1.0, 1.0, 2 / 3]
    )


def test_a_revised_ranking_marks_the_stored_consensus_out_of_date(rated, member, client_for):
    ranking = Ranking.objects.filter(prompt=rated).first()
    ranking.revision += 1
    ranking.save()
    body = detail(client_for(member(Role.RESEARCHER)), rated).json()
    assert body["consensus"]["up_to_date"] is False


def test_an_item_without_rankings_has_no_consensus_yet(project, member, client_for):
    prompt = item_with_completions(project, k=2)
    body = detail(client_for(member(Role.RESEARCHER)), prompt).json()
    assert body["consensus"] is None
    assert body["rankings"] == []
    assert body["agreement"] == {"raters": 0, "kendall_w": None, "pairwise_agreement": None}


def test_a_gold_item_scores_each_ranking_against_its_gold_ranking(project, member, client_for):
    prompt = item_with_completions(project, k=2, is_gold=True, gold_ranking=[[0], [1]])
    a, b = ids_of(prompt)
    RankingFactory(prompt=prompt, annotator=member(Role.ANNOTATOR), tiers=[[b], [a]], is_gold=True)
    body = detail(client_for(member(Role.RESEARCHER)), prompt).json()
    assert body["gold_tiers"] == [[a], [b]]
    assert body["rankings"][0]["gold_score"] == 0.0


def test_an_item_of_another_project_is_not_found(project, member, client_for):
    elsewhere = item_with_completions(ProjectFactory(), k=2)
    response = client_for(member(Role.ADMIN)).get(
        f"/api/v1/projects/{project.id}/items/{elsewhere.id}/"
    )
    assert response.status_code == 404


def test_annotators_cannot_open_an_item(rated, project, member, client_for):
    assert detail(client_for(member(Role.ANNOTATOR)), rated).status_code == 403


def test_an_item_reads_in_a_fixed_number_of_queries(rated, project, member, client_for):
    client = client_for(member(Role.ADMIN))

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert detail(client, rated).status_code == 200
        return len(captured)

    few = count()
    for _ in range(5):
        RankingFactory(
            prompt=rated, annotator=member(Role.ANNOTATOR), tiers=[[c] for c in ids_of(rated)]
        )
    assert count() == few
