import threading
from itertools import combinations

import pytest
from django.db import connections

from annotation.models import Ranking
from annotation.services.queue import assignment_next
from annotation.services.rankings import ranking_pass, ranking_submit
from preferences.models import RankingExpansion, RankingPair
from preferences.services.pairs import pairs_expand
from projects.models import Role
from tests.factories import MembershipFactory, ProjectFactory, item_with_completions


def ranked(project, user, tiers_of):
    """Lease the next item to ``user`` and rank it with ``tiers_of(display_order)``."""
    lease = assignment_next(project=project, annotator=user)
    return ranking_submit(
        project=project,
        annotator=user,
        prompt_id=lease.prompt_id,
        tiers=tiers_of(lease.display_order),
    ).ranking


def pairs_of(ranking):
    return set(RankingPair.objects.filter(ranking=ranking).values_list("chosen_id", "rejected_id"))


@pytest.mark.django_db
def test_a_strict_ranking_of_k_gives_all_k_choose_2_ordered_pairs(project, member):
    item_with_completions(project, k=5)
    ranking = ranked(project, member(), lambda ids: [[i] for i in ids])
    result = pairs_expand(project_id=project.id)
    order = [tier[0] for tier in ranking.tiers]
    assert pairs_of(ranking) == set(combinations(order, 2))
    assert (result.rankings, result.pairs_added) == (1, 10)


@pytest.mark.django_db
def test_tied_completions_give_no_pair(project, member):
    item_with_completions(project, k=4)
    ranking = ranked(project, member(), lambda ids: [[ids[0], ids[1]], [ids[2]], [ids[3]]])
    pairs_expand(project_id=project.id)
    a, b, c, d = ranking.tiers[0] + ranking.tiers[1] + ranking.tiers[2]
    assert pairs_of(ranking) == {(a, c), (a, d), (b, c), (b, d), (c, d)}


@pytest.mark.django_db
def test_skips_and_flags_give_no_pairs(project, member):
    prompt = item_with_completions(project)
    user = member()
    assignment_next(project=project, annotator=user)
    ranking_pass(
        project=project,
        annotator=user,
        prompt_id=prompt.id,
        kind=Ranking.Kind.SKIPPED,
        skip_reason="x",
    )
    assert pairs_expand(project_id=project.id).pairs_added == 0
    assert not RankingPair.objects.exists()


@pytest.mark.django_db
def test_a_second_run_finds_nothing_to_do(project, member):
    item_with_completions(project)
    ranked(project, member(), lambda ids: [[i] for i in ids])
    pairs_expand(project_id=project.id)
    assert pairs_expand(project_id=project.id).rankings == 0
    assert RankingPair.objects.count() == 6


@pytest.mark.django_db
def test_only_new_rankings_are_expanded(project, member):
    item_with_completions(project)
    item_with_completions(project)
    ranked(project, member(), lambda ids: [[i] for i in ids])
    pairs_expand(project_id=project.id)
    ranked(project, member(), lambda ids: [[i] for i in ids])
    assert pairs_expand(project_id=project.id).rankings == 1
    assert RankingPair.objects.count() == 12


@pytest.mark.django_db
def test_a_revised_ranking_replaces_its_pairs(project, member):
    prompt = item_with_completions(project, k=3)
    user = member()
    ranking = ranked(project, user, lambda ids: [[i] for i in ids])
    pairs_expand(project_id=project.id)
    reversed_tiers = list(reversed(ranking.tiers))
    ranking_submit(project=project, annotator=user, prompt_id=prompt.id, tiers=reversed_tiers)
    result = pairs_expand(project_id=project.id)
    assert (result.pairs_removed, result.pairs_added) == (3, 3)
    order = [t[0] for t in reversed_tiers]
    assert pairs_of(ranking) == set(combinations(order, 2))


@pytest.mark.django_db
def test_each_ranking_records_the_revision_its_pairs_come_from(project, member):
    prompt = item_with_completions(project, k=3)
    user = member()
    ranking = ranked(project, user, lambda ids: [[i] for i in ids])
    pairs_expand(project_id=project.id)
    ranking_submit(project=project, annotator=user, prompt_id=prompt.id, tiers=ranking.tiers)
    assert RankingExpansion.objects.get(ranking=ranking).revision == 1
    pairs_expand(project_id=project.id)
    assert RankingExpansion.objects.get(ranking=ranking).revision == 2


@pytest.mark.django_db
def test_a_deleted_ranking_takes_its_pairs_and_expansion_with_it(project, member):
    item_with_completions(project)
    ranking = ranked(project, member(), lambda ids: [[i] for i in ids])
    pairs_expand(project_id=project.id)
    ranking.delete()
    assert not RankingPair.objects.exists()
    assert not RankingExpansion.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_overlapping_runs_expand_each_ranking_once():
    project = ProjectFactory(raters_per_item=1)
    for _ in range(30):
        item_with_completions(project, k=4)
    user = MembershipFactory(project=project, role=Role.ANNOTATOR).user
    for _ in range(30):
        ranked(project, user, lambda ids: [[i] for i in ids])
    results = []

    def run():
        try:
            results.append(pairs_expand(project_id=project.id))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(r.rankings for r in results) == [0, 0, 30]
    assert RankingPair.objects.count() == 30 * 6
