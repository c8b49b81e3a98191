import numpy as np
import pytest

from annotation.models import Ranking
from preferences.maths.agreement import kendall_w
from preferences.models import PromptConsensus
from preferences.services.consensus_store import consensus_update, kendall_w_batch
from projects.models import Role
from tests.factories import MembershipFactory, RankingFactory, UserFactory, item_with_completions


def ids_of(prompt):
    return list(prompt.completions.order_by("position").values_list("id", flat=True))


@pytest.fixture
def raters(project):
    return [MembershipFactory(project=project, role=Role.ANNOTATOR).user for _ in range(3)]


@pytest.mark.django_db
def test_two_of_three_raters_decide_the_consensus_order(project, raters):
    prompt = item_with_completions(project, k=3)
    a, b, c = ids_of(prompt)
    RankingFactory(prompt=prompt, annotator=raters[0], tiers=[[a], [b], [c]])
    RankingFactory(prompt=prompt, annotator=raters[1], tiers=[[a], [b], [c]])
    RankingFactory(prompt=prompt, annotator=raters[2], tiers=[[b], [a], [c]])
    assert consensus_update(project_id=project.id) == 1
    stored = PromptConsensus.objects.get(prompt=prompt)
    assert stored.tiers == [[a], [b], [c]]
    assert stored.raters == 3
    assert stored.kendall_w == pytest.approx(
        kendall_w(rankings=[[[a], [b], [c]]] * 2 + [[[b], [a], [c]]])
    )


@pytest.mark.django_db
def test_the_stored_consensus_keeps_its_pairs_with_the_raters_votes(project, raters):
    prompt = item_with_completions(project, k=3)
    a, b, c = ids_of(prompt)
    RankingFactory(prompt=prompt, annotator=raters[0], tiers=[[a], [b], [c]])
    RankingFactory(prompt=prompt, annotator=raters[1], tiers=[[a, b], [c]])
    RankingFactory(prompt=prompt, annotator=raters[2], tiers=[[a], [c], [b]])
    consensus_update(project_id=project.id)
    stored = PromptConsensus.objects.get(prompt=prompt)
    votes = {(chosen, rejected): rest for chosen, rejected, *rest in stored.pairs}
    # agree, disagree, tie
    assert votes == {(a, b): [2, 0, 1], (a, c): [3, 0, 0], (b, c): [2, 1, 0]}


@pytest.mark.django_db
def test_a_prompt_whose_rankings_order_different_completions_gets_no_consensus(project, raters):
    prompt = item_with_completions(project, k=3)
    other = item_with_completions(project, k=3)
    a, b, c = ids_of(prompt)
    RankingFactory(prompt=prompt, annotator=raters[0], tiers=[[a], [b], [c]])
    RankingFactory(prompt=prompt, annotator=raters[1], tiers=[[a], [b], [c]])
    RankingFactory(prompt=prompt, annotator=raters[2], tiers=[[a], [b]])
    for user in raters:
        RankingFactory(prompt=other, annotator=user, tiers=[[i] for i in ids_of(other)])
    assert consensus_update(project_id=project.id) == 1
    assert not PromptConsensus.objects.filter(prompt=prompt).exists()


@pytest.mark.django_db
def test_symmetric_votes_give_a_tied_consensus_tier(project, raters):
    prompt = item_with_completions(project, k=3)
    a, b, c = ids_of(prompt)
    RankingFactory(prompt=prompt, annotator=raters[0], tiers=[[a], [b], [c]])
    RankingFactory(prompt=prompt, annotator=raters[1], tiers=[[b], [a], [c]])
    RankingFactory(prompt=prompt, annotator=raters[2], tiers=[[a, b], [c]])
    consensus_update(project_id=project.id)
    assert PromptConsensus.objects.get(prompt=prompt).tiers == [[a, b], [c]]


@pytest.mark.django_db
def test_prompts_below_min_raters_get_no_consensus(project, raters):
    prompt = item_with_completions(project, k=3)
    a, b, c = ids_of(prompt)
    RankingFactory(prompt=prompt, annotator=raters[0], tiers=[[a], [b], [c]])
    RankingFactory(prompt=prompt, annotator=raters[1], tiers=[[a], [b], [c]])
    assert consensus_update(project_id=project.id) == 0
    assert consensus_update(project_id=project.id, min_raters=2) == 1


@pytest.mark.django_db
def test_a_second_run_finds_nothing_stale(project, raters):
    prompt = item_with_completions(project, k=3)
    for user in raters:
        RankingFactory(prompt=prompt, annotator=user, tiers=[[i] for i in ids_of(prompt)])
    consensus_update(project_id=project.id)
    assert consensus_update(project_id=project.id) == 0


@pytest.mark.django_db
def test_a_revised_ranking_makes_the_consensus_stale(project, raters):
    prompt = item_with_completions(project, k=3)
    a, b, c = ids_of(prompt)
    rankings = [
        RankingFactory(prompt=prompt, annotator=user, tiers=[[a], [b], [c]]) for user in raters
    ]
    consensus_update(project_id=project.id)
    for ranking in rankings[:2]:
        ranking.tiers, ranking.revision = [[c], [b], [a]], 2
        ranking.save()
    assert consensus_update(project_id=project.id) == 1
    assert PromptConsensus.objects.get(prompt=prompt).tiers == [[c], [b], [a]]


@pytest.mark.django_db
def test_gold_imported_and_skipped_rankings_are_left_out(project, raters):
    prompt = item_with_completions(project, k=3)
    a, b, c = ids_of(prompt)
    RankingFactory(prompt=prompt, annotator=raters[0], tiers=[[a], [b], [c]])
    RankingFactory(prompt=prompt, annotator=raters[1], tiers=[[a], [b], [c]], is_gold=True)
    RankingFactory(prompt=prompt, annotator=raters[2], tiers=None, kind=Ranking.Kind.SKIPPED)
    Ranking.objects.create(
        project=project, prompt=prompt, import_source="file", tiers=[[c], [b], [a]]
    )
    assert consensus_update(project_id=project.id, min_raters=2) == 0
    assert consensus_update(project_id=project.id, min_raters=1) == 1
    assert PromptConsensus.objects.get(prompt=prompt).raters == 1


@pytest.mark.django_db
def test_a_new_method_recomputes_every_prompt(project, raters):
    prompt = item_with_completions(project, k=3)
    for user in raters:
        RankingFactory(prompt=prompt, annotator=user, tiers=[[i] for i in ids_of(prompt)])
    consensus_update(project_id=project.id)
    assert consensus_update(project_id=project.id, method="ranked_pairs") == 1
    assert PromptConsensus.objects.get(prompt=prompt).method == "ranked_pairs"


@pytest.mark.django_db
def test_an_unreliable_rater_weighs_less(project):
    users = [UserFactory() for _ in range(4)]
    prompts = [item_with_completions(project, k=3) for _ in range(12)]
    for prompt in prompts[:-1]:
        a, b, c = ids_of(prompt)
        for user in users[:3]:
            RankingFactory(prompt=prompt, annotator=user, tiers=[[a], [b], [c]])
        RankingFactory(prompt=prompt, annotator=users[3], tiers=[[c], [b], [a]])
    # On the last prompt two good raters face two copies of the contrarian's view.
    a, b, c = ids_of(prompts[-1])
    RankingFactory(prompt=prompts[-1], annotator=users[0], tiers=[[a], [b], [c]])
    RankingFactory(prompt=prompts[-1], annotator=users[1], tiers=[[a], [b], [c]])
    RankingFactory(prompt=prompts[-1], annotator=users[2], tiers=[[c], [b], [a]])
    RankingFactory(prompt=prompts[-1], annotator=users[3], tiers=[[c], [b], [a]])
    consensus_update(project_id=project.id, min_raters=4)
    assert PromptConsensus.objects.get(prompt=prompts[-1]).tiers[0] == [a]


def test_batched_kendall_w_matches_the_reference():
    rng = np.random.default_rng(3)
    ranks = rng.integers(0, 3, size=(50, 3, 4))
    for p in range(50):
        tiers = []
        for r in range(3):
            numbers = sorted(set(ranks[p, r]))
            tiers.append([[k for k in range(4) if ranks[p, r, k] == n] for n in numbers])
            ranks[p, r] = [numbers.index(v) for v in ranks[p, r]]
        expected = kendall_w(rankings=tiers)
        got = kendall_w_batch(ranks[p : p + 1])[0]
        assert (expected is None and np.isnan(got)) or got == pytest.approx(expected)


@pytest.mark.django_db
def test_the_periodic_task_updates_every_project(project, raters):
    from preferences.tasks import consensus_update_all

    prompt = item_with_completions(project, k=3)
    for user in raters:
        RankingFactory(prompt=prompt, annotator=user, tiers=[[i] for i in ids_of(prompt)])
    assert consensus_update_all() == 1
