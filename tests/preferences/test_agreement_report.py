import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotation.models import Completion
from preferences.models import PromptConsensus
from preferences.selectors.agreement_report import annotator_report, project_agreement
from preferences.services.consensus_store import consensus_update
from preferences.services.pairs import pairs_expand
from tests.factories import PromptFactory, RankingFactory, UserFactory, item_with_completions


def ids_of(prompt):
    return list(prompt.completions.order_by("position").values_list("id", flat=True))


def by_user(report):
    return {row["annotator_id"]: row for row in report}


@pytest.fixture
def users():
    return [UserFactory() for _ in range(3)]


@pytest.mark.django_db
def test_unanimous_raters_agree_perfectly(project, users):
    for _ in range(2):
        prompt = item_with_completions(project, k=4)
        for user in users:
            RankingFactory(prompt=prompt, annotator=user, tiers=[[i] for i in ids_of(prompt)])
    consensus_update(project_id=project.id)
    report = project_agreement(project_id=project.id)
    assert report["pairwise_agreement"] == 1.0
    assert report["mean_kendall_w"] == pytest.approx(1.0)
    assert (report["prompts"], report["rankings"], report["annotators"]) == (2, 6, 3)


@pytest.mark.django_db
def test_one_dissenting_pair_lowers_pairwise_agreement_by_hand(project, users):
    prompt = item_with_completions(project, k=3)
    a, b, c = ids_of(prompt)
    RankingFactory(prompt=prompt, annotator=users[0], tiers=[[a], [b], [c]])
    RankingFactory(prompt=prompt, annotator=users[1], tiers=[[a], [b], [c]])
    RankingFactory(prompt=prompt, annotator=users[2], tiers=[[b], [a], [c]])
    # Units (a,b): +1 +1 -1 → 1 of 3 rater pairs agree; (a,c), (b,c): 3 of 3.
    assert project_agreement(project_id=project.id)["pairwise_agreement"] == pytest.approx(7 / 9)


@pytest.mark.django_db
def test_the_dissenter_agrees_less_with_the_others(project, users):
    prompt = item_with_completions(project, k=3)
    a, b, c = ids_of(prompt)
    RankingFactory(prompt=prompt, annotator=users[0], tiers=[[a], [b], [c]])
    RankingFactory(prompt=prompt, annotator=users[1], tiers=[[a], [b], [c]])
    RankingFactory(prompt=prompt, annotator=users[2], tiers=[[c], [b], [a]])
    report = by_user(annotator_report(project_id=project.id))
    assert report[users[2].id]["consensus_agreement"] == 0.0
    # For the first rater, the others (a>b>c and c>b>a) average to a three-way tie.
    assert report[users[0].id]["consensus_agreement"] is None


@pytest.mark.django_db
def test_gold_accuracy_maps_gold_positions_to_completions(project, users):
    prompt = PromptFactory(project=project, is_gold=True, gold_ranking=[[2], [0], [1]])
    for position, text in enumerate(["x", "y", "z"]):
        Completion.objects.create(prompt=prompt, position=position, text=text)
    first, second, third = ids_of(prompt)
    RankingFactory(
        prompt=prompt, annotator=users[0], tiers=[[third], [first], [second]], is_gold=True
    )
    RankingFactory(
        prompt=prompt, annotator=users[1], tiers=[[second], [first], [third]], is_gold=True
    )
    report = by_user(annotator_report(project_id=project.id))
    assert report[users[0].id]["gold_accuracy"] == 1.0
    assert report[users[1].id]["gold_accuracy"] == 0.0
    assert users[2].id not in report


@pytest.mark.django_db
def test_position_bias_counts_the_first_shown_completion_on_top(project, users):
    for _ in range(2):
        prompt = item_with_completions(project, k=4)
        ids = ids_of(prompt)
        RankingFactory(
            prompt=prompt, annotator=users[0], tiers=[[i] for i in ids], display_order=ids
        )
    row = by_user(annotator_report(project_id=project.id))[users[0].id]
    assert (row["position_bias"], row["position_chance"]) == (1.0, 0.25)


@pytest.mark.django_db
def test_length_bias_is_the_share_of_pairs_the_longer_text_won(project, users):
    prompt = PromptFactory(project=project)
    short, long_, longest = (
        Completion.objects.create(prompt=prompt, position=n, text="x" * (n + 1)).id
        for n in range(3)
    )
    RankingFactory(prompt=prompt, annotator=users[0], tiers=[[longest], [short], [long_]])
    pairs_expand(project_id=project.id)
    row = by_user(annotator_report(project_id=project.id))[users[0].id]
    assert row["length_bias"] == pytest.approx(2 / 3)


@pytest.mark.django_db
def test_median_time_ignores_rankings_without_a_time(project, users):
    for ms in (100, 300, None, 10_000):
        prompt = item_with_completions(project, k=3)
        RankingFactory(
            prompt=prompt, annotator=users[0], tiers=[[i] for i in ids_of(prompt)], time_spent_ms=ms
        )
    assert by_user(annotator_report(project_id=project.id))[users[0].id]["median_time_ms"] == 300


@pytest.mark.django_db
def test_the_report_takes_the_same_queries_for_many_annotators(project):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            annotator_report(project_id=project.id)
        return len(captured)

    prompt = PromptFactory(project=project, gold_ranking=[[0], [1], [2]])
    for position in range(3):
        Completion.objects.create(prompt=prompt, position=position, text="t" * (position + 1))
    RankingFactory(prompt=prompt, annotator=UserFactory(), tiers=[[i] for i in ids_of(prompt)])
    few = queries()
    for _ in range(10):
        RankingFactory(prompt=prompt, annotator=UserFactory(), tiers=[[i] for i in ids_of(prompt)])
    assert queries() == few
    assert not PromptConsensus.objects.exists()
