from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from annotation.models import Assignment, Completion, Prompt, Ranking
from annotation.services.queue import assignment_next, assignments_expire
from annotation.services.rankings import ranking_pass, ranking_submit
from projects.models import Role
from tests.factories import item_with_completions

pytestmark = pytest.mark.django_db


def rank(project, user, assignment):
    ids = assignment.display_order
    return ranking_submit(
        project=project, annotator=user, prompt_id=assignment.prompt_id, tiers=[[i] for i in ids]
    )


def test_next_leases_an_item_with_its_completions_shuffled_per_annotator(project, member):
    project.raters_per_item = 6
    project.save()
    prompt = item_with_completions(project, k=8)
    orders = set()
    for _ in range(6):
        assignment = assignment_next(project=project, annotator=member())
        assert assignment.prompt_id == prompt.pk
        assert sorted(assignment.display_order) == sorted(
            prompt.completions.values_list("id", flat=True)
        )
        orders.add(tuple(assignment.display_order))
    assert len(orders) > 1


def test_asking_again_returns_the_same_live_lease(project, member):
    item_with_completions(project)
    item_with_completions(project)
    user = member()
    first = assignment_next(project=project, annotator=user)
    assert assignment_next(project=project, annotator=user) == first
    assert Assignment.objects.filter(annotator=user).count() == 1


def test_an_item_is_never_leased_to_more_annotators_than_it_needs(project, member):
    project.raters_per_item = 2
    project.save()
    prompt = item_with_completions(project)
    assert assignment_next(project=project, annotator=member()).prompt == prompt
    assert assignment_next(project=project, annotator=member()).prompt == prompt
    assert assignment_next(project=project, annotator=member()) is None
    prompt.refresh_from_db()
    assert prompt.claim_count == 2


def test_an_annotator_never_gets_an_item_they_already_ranked(project, member):
    first, second = item_with_completions(project), item_with_completions(project)
    user = member()
    rank(project, user, assignment_next(project=project, annotator=user))
    assert assignment_next(project=project, annotator=user).prompt == second
    rank(project, user, Assignment.objects.get(annotator=user, status="active"))
    assert assignment_next(project=project, annotator=user) is None
    assert {first.pk, second.pk} == set(Ranking.objects.values_list("prompt_id", flat=True))


def test_an_expired_lease_goes_back_to_the_queue(project, member):
    project.raters_per_item = 1
    project.save()
    prompt = item_with_completions(project)
    slow, fast = member(), member()
    assignment_next(project=project, annotator=slow)
    assert assignment_next(project=project, annotator=fast) is None
    later = timezone.now() + timedelta(minutes=project.lease_minutes + 1)
    assignment = assignment_next(project=project, annotator=fast, now=later)
    assert assignment.prompt == prompt
    assert Assignment.objects.get(annotator=slow).status == Assignment.Status.EXPIRED
    prompt.refresh_from_db()
    assert prompt.claim_count == 1


def test_expiry_leaves_live_leases_alone(project, member):
    item_with_completions(project)
    assignment_next(project=project, annotator=member())
    assert assignments_expire(project_id=project.pk, now=timezone.now()) == 0
    assert Prompt.objects.get().claim_count == 1


def test_items_closest_to_completion_come_first_then_priority_then_import_order(project, member):
    plain = item_with_completions(project)
    urgent = item_with_completions(project, priority=5)
    half_done = item_with_completions(project)
    Prompt.objects.filter(pk=half_done.pk).update(claim_count=1)
    served = [assignment_next(project=project, annotator=member()).prompt for _ in range(6)]
    assert served == [half_done, half_done, urgent, urgent, urgent, plain]


def test_gold_items_are_mixed_in_at_the_project_rate(project, member):
    project.gold_rate = 0.25
    project.raters_per_item = 1
    project.save()
    for _ in range(12):
        item_with_completions(project)
    golds = [
        item_with_completions(project, is_gold=True, gold_ranking=[[0], [1], [2], [3]])
        for _ in range(5)
    ]
    user = member()
    served = []
    while (assignment := assignment_next(project=project, annotator=user)) is not None:
        served.append(assignment.prompt.is_gold)
        rank(project, user, assignment)
    # Every fourth item is gold while regular work lasts; gold alone is never served.
    assert served == [False, False, False, True] * 4
    assert all(Prompt.objects.get(pk=g.pk).claim_count == 0 for g in golds)


def test_gold_items_go_to_every_annotator_whatever_the_raters_per_item(project, member):
    project.gold_rate = 1.0
    project.raters_per_item = 1
    project.save()
    gold = item_with_completions(project, is_gold=True, gold_ranking=[[0], [1], [2], [3]])
    for _ in range(3):
        assert assignment_next(project=project, annotator=member()).prompt == gold


def test_a_skip_gives_the_slot_back(project, member):
    project.raters_per_item = 1
    project.save()
    prompt = item_with_completions(project)
    skipper = member()
    assignment_next(project=project, annotator=skipper)
    ranking_pass(
        project=project,
        annotator=skipper,
        prompt_id=prompt.pk,
        kind=Ranking.Kind.SKIPPED,
        skip_reason="not my field",
    )
    assert assignment_next(project=project, annotator=skipper) is None
    assert assignment_next(project=project, annotator=member()).prompt == prompt


def test_researchers_can_rank_too(project, member):
    item_with_completions(project)
    assert assignment_next(project=project, annotator=member(Role.RESEARCHER)) is not None


def test_the_item_after_the_one_on_screen_is_leased_for_prefetch(project, member):
    first, second, _ = (item_with_completions(project) for _ in range(3))
    user = member()
    on_screen = assignment_next(project=project, annotator=user)
    prefetched = assignment_next(
        project=project, annotator=user, after_prompt_id=on_screen.prompt_id
    )
    assert on_screen.prompt == first
    assert prefetched.prompt == second
    # Asking again never takes a third lease.
    again = assignment_next(project=project, annotator=user, after_prompt_id=on_screen.prompt_id)
    assert again == prefetched
    assert assignment_next(project=project, annotator=user) == on_screen
    assert Assignment.objects.filter(annotator=user, status="active").count() == 2


def test_an_item_inserted_by_code_that_predates_awaiting_completions_is_in_the_queue(
    project, member
):
    # A rolling deploy's older web process, or a bulk SQL load, names no such column: the
    # database's own default keeps such an item rankable.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO annotation_prompt (project_id, external_id, text, metadata, is_gold,"
            " completions_hash, priority, claim_count, ranking_count, created_at)"
            " VALUES (%s, 'old-code', 'Which is better?', '{}', false, '', 0, 0, 0, now())"
            " RETURNING id",
            [project.pk],
        )
        (prompt_id,) = cursor.fetchone()
    Completion.objects.bulk_create(
        Completion(prompt_id=prompt_id, position=i, text=f"answer {i}") for i in range(2)
    )
    assert Prompt.objects.get(pk=prompt_id).awaiting_completions is False
    assert assignment_next(project=project, annotator=member()).prompt_id == prompt_id
