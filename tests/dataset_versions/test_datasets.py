import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.utils import timezone

from annotation.models import Ranking
from dataset_versions.models import DatasetPair, DatasetRanking, DatasetVersion
from dataset_versions.services import datasets
from dataset_versions.services.datasets import (
    BUILD_TIME_LIMIT,
    DEFAULT_SPLIT,
    Rule,
    dataset_version_create,
    dataset_version_queue,
    dataset_versions_fail_stale,
)
from dataset_versions.tasks import dataset_version_build as build_task
from dataset_versions.tasks import dataset_versions_fail_stale as dataset_versions_fail_stale_task
from preferences.models import PromptConsensus
from projects.models import Role
from tests.factories import (
    MembershipFactory,
    ProjectFactory,
    RankingFactory,
    UserFactory,
    item_with_completions,
)


def ids_of(prompt):
    return list(prompt.completions.order_by("position").values_list("id", flat=True))


def pairs_of(version):
    return {
        (p.chosen_id, p.rejected_id): p.weight for p in DatasetPair.objects.filter(version=version)
    }


@pytest.fixture
def raters(project):
    return [MembershipFactory(project=project, role=Role.ANNOTATOR).user for _ in range(3)]


@pytest.fixture
def voted(project, raters):
    """One prompt a > b > c: two raters agree, one swaps a and b."""
    prompt = item_with_completions(project, k=3)
    a, b, c = ids_of(prompt)
    rankings = [
        RankingFactory(prompt=prompt, annotator=raters[0], tiers=[[a], [b], [c]]),
        RankingFactory(prompt=prompt, annotator=raters[1], tiers=[[a], [b], [c]]),
        RankingFactory(prompt=prompt, annotator=raters[2], tiers=[[b], [a], [c]]),
    ]
    return prompt, (a, b, c), rankings


@pytest.mark.django_db
def test_consensus_pair_weights_are_the_share_of_raters_agreeing(project, voted):
    _, (a, b, c), _ = voted
    version = dataset_version_create(project=project, rule=Rule(pairs="consensus"))
    assert pairs_of(version) == {
        (a, b): pytest.approx(2 / 3),
        (a, c): pytest.approx(1.0),
        (b, c): pytest.approx(1.0),
    }


@pytest.mark.django_db
def test_consensus_pair_margins_are_the_strength_gaps(project, voted):
    prompt, (a, _, c), _ = voted
    version = dataset_version_create(project=project, rule=Rule(pairs="consensus"))
    strengths = PromptConsensus.objects.get(prompt=prompt).strengths
    pair = DatasetPair.objects.get(version=version, chosen_id=a, rejected_id=c)
    assert pair.margin == pytest.approx(strengths[str(a)] - strengths[str(c)])


@pytest.mark.django_db
def test_a_tie_counts_half_a_vote(project, raters):
    prompt = item_with_completions(project, k=3)
    a, b, c = ids_of(prompt)
    RankingFactory(prompt=prompt, annotator=raters[0], tiers=[[a], [b], [c]])
    RankingFactory(prompt=prompt, annotator=raters[1], tiers=[[a], [b], [c]])
    RankingFactory(prompt=prompt, annotator=raters[2], tiers=[[a, b], [c]])
    version = dataset_version_create(project=project, rule=Rule(pairs="consensus"))
    assert pairs_of(version)[(a, b)] == pytest.approx(2.5 / 3)


@pytest.mark.django_db
def test_min_agreement_drops_disputed_consensus_pairs(project, voted):
    _, (a, b, c), _ = voted
    rule = Rule(pairs="consensus", min_agreement=0.9)
    version = dataset_version_create(project=project, rule=rule)
    assert set(pairs_of(version)) == {(a, c), (b, c)}


@pytest.mark.django_db
def test_per_rater_pairs_keep_every_rankings_pairs_with_weight_one(project, voted):
    _, _, rankings = voted
    version = dataset_version_create(project=project, rule=Rule())
    rows = DatasetPair.objects.filter(version=version)
    assert rows.count() == 9
    assert {row.weight for row in rows} == {1.0}
    assert {row.ranking_id for row in rows} == {r.id for r in rankings}


@pytest.mark.django_db
def test_lineage_names_each_contributing_ranking_at_its_revision(project, voted):
    _, (a, b, c), rankings = voted
    rankings[0].tiers, rankings[0].revision = [[c], [b], [a]], 4
    rankings[0].save()
    version = dataset_version_create(project=project, rule=Rule(pairs="consensus"))
    lineage = set(
        DatasetRanking.objects.filter(version=version).values_list("ranking_id", "revision")
    )
    assert lineage == {(rankings[0].id, 4), (rankings[1].id, 1), (rankings[2].id, 1)}
    assert version.counts["rankings"] == 3


@pytest.mark.django_db
def test_the_rater_filter_keeps_only_the_named_annotators(project, voted, raters):
    version = dataset_version_create(project=project, rule=Rule(rater_ids=[raters[2].id]))
    lineage = DatasetRanking.objects.filter(version=version)
    assert [row.ranking.annotator_id for row in lineage] == [raters[2].id]
    assert version.counts["pairs"] == 3


@pytest.mark.django_db
def test_imported_rankings_come_in_only_when_asked(project, voted):
    prompt, (a, b, c), _ = voted
    imported = Ranking.objects.create(
        project=project, prompt=prompt, import_source="legacy.jsonl", tiers=[[c], [b], [a]]
    )
    without = dataset_version_create(project=project, rule=Rule())
    with_imported = dataset_version_create(project=project, rule=Rule(include_imported=True))
    assert not DatasetPair.objects.filter(version=without, ranking=imported).exists()
    assert DatasetPair.objects.filter(version=with_imported, ranking=imported).count() == 3


@pytest.mark.django_db
def test_gold_rankings_come_in_only_when_asked(project, voted, raters):
    prompt = item_with_completions(project, k=3)
    RankingFactory(
        prompt=prompt, annotator=raters[0], tiers=[[i] for i in ids_of(prompt)], is_gold=True
    )
    assert dataset_version_create(project=project, rule=Rule()).counts["prompts"] == 1
    assert (
        dataset_version_create(project=project, rule=Rule(include_gold=True)).counts["prompts"] == 2
    )


@pytest.mark.django_db
def test_per_rater_min_raters_drops_thinly_rated_prompts(project, voted, raters):
    prompt = item_with_completions(project, k=3)
    RankingFactory(prompt=prompt, annotator=raters[0], tiers=[[i] for i in ids_of(prompt)])
    assert dataset_version_create(project=project, rule=Rule(min_raters=3)).counts["prompts"] == 1


@pytest.mark.django_db
def test_version_numbers_count_up_within_the_project(project, voted):
    first = dataset_version_create(project=project, rule=Rule())
    second = dataset_version_create(project=project, rule=Rule())
    assert (first.number, second.number, second.status) == (1, 2, "ready")


@pytest.mark.django_db
def test_the_same_rule_over_the_same_data_gives_the_same_hash(project, voted):
    first = dataset_version_create(project=project, rule=Rule(pairs="consensus"))
    again = dataset_version_create(project=project, rule=Rule(pairs="consensus"))
    assert first.content_hash == again.content_hash
    assert len(first.content_hash) == 64


@pytest.mark.django_db
def test_a_new_ranking_changes_the_hash_and_leaves_the_old_version_alone(project, voted):
    prompt, (a, b, c), _ = voted
    old = dataset_version_create(project=project, rule=Rule())
    old_pairs = list(DatasetPair.objects.filter(version=old).values_list("id", "weight", "split"))
    RankingFactory(prompt=prompt, annotator=UserFactory(), tiers=[[c], [a], [b]])
    new = dataset_version_create(project=project, rule=Rule())
    old.refresh_from_db()
    assert new.content_hash != old.content_hash
    assert (
        list(DatasetPair.objects.filter(version=old).values_list("id", "weight", "split"))
        == old_pairs
    )
    assert old.counts["pairs"] == 9
    assert new.counts["pairs"] == 12


@pytest.mark.django_db
def test_splits_are_prompt_disjoint_reproducible_and_near_their_shares():
    project = ProjectFactory(raters_per_item=1)
    user = UserFactory()
    prompts = [item_with_completions(project, k=3) for _ in range(200)]
    Ranking.objects.bulk_create(
        Ranking(project=project, prompt=p, annotator=user, tiers=[[i] for i in ids_of(p)])
        for p in prompts
    )

    def splits(version):
        rows = DatasetPair.objects.filter(version=version).values_list("prompt_id", "split")
        by_prompt = {}
        for prompt_id, split in rows:
            by_prompt.setdefault(prompt_id, set()).add(split)
        return by_prompt

    first = splits(dataset_version_create(project=project, rule=Rule(), seed=7))
    again = splits(dataset_version_create(project=project, rule=Rule(), seed=7))
    other = splits(dataset_version_create(project=project, rule=Rule(), seed=8))
    assert all(len(s) == 1 for s in first.values())
    assert first == again
    assert first != other
    shares = [list(first.values()).count({name}) / 200 for name in ("train", "validation", "test")]
    assert shares[0] == pytest.approx(0.8, abs=0.08)
    assert shares[1] == pytest.approx(0.1, abs=0.06)
    assert shares[2] == pytest.approx(0.1, abs=0.06)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"pairs": "majority"}, "pairs"),
        ({"method": "borda"}, "method"),
        ({"pairs": "consensus", "min_agreement": 1.5}, "min_agreement"),
        ({"min_agreement": 0.5}, "min_agreement"),
        ({"min_raters": 0}, "min_raters"),
        ({"rater_ids": []}, "rater_ids"),
        ({"pairs": "consensus", "include_imported": True}, "include_imported"),
    ],
)
def test_an_invalid_rule_is_refused_by_field(project, fields, field):
    with pytest.raises(ValidationError) as error:
        dataset_version_create(project=project, rule=Rule(**fields))
    assert field in error.value.message_dict


@pytest.mark.django_db
def test_split_shares_must_add_up_to_one(project):
    with pytest.raises(ValidationError) as error:
        dataset_version_create(
            project=project, rule=Rule(), split={"train": 0.8, "validation": 0.3, "test": 0.1}
        )
    assert "split" in error.value.message_dict


# --- builds: queued, run by a task, failed when they die -----------------------------------


def building(project, **fields):
    return DatasetVersion.objects.create(
        project=project,
        number=fields.pop("number", 1),
        rule=Rule(**fields).as_json(),
        split=DEFAULT_SPLIT,
    )


@pytest.mark.django_db
def test_the_task_builds_a_building_version(project, voted):
    version = building(project, pairs="consensus")
    assert build_task(version.id) == "ready"
    version.refresh_from_db()
    assert version.counts["pairs"] == 3
    assert version.counts["rankings"] == 3


@pytest.mark.django_db
def test_the_task_leaves_a_version_that_is_no_longer_building_as_it_is(project, voted):
    version = dataset_version_create(project=project, rule=Rule())
    assert build_task(version.id) == "ready"
    assert DatasetPair.objects.filter(version=version).count() == 9


@pytest.mark.django_db
def test_it_marks_a_version_failed_when_the_build_raises(project, voted, monkeypatch):
    def broken(row):
        raise RuntimeError("hash went wrong")

    # Fails after the pairs and lineage are written: none of them may stay.
    monkeypatch.setattr(datasets, "_summary", broken)
    version = building(project)
    assert build_task(version.id) == "failed"
    version.refresh_from_db()
    assert (version.status, version.error) == ("failed", "RuntimeError: hash went wrong")
    assert not DatasetPair.objects.exists()
    assert not DatasetRanking.objects.exists()


@pytest.mark.django_db
def test_a_failed_synchronous_build_is_marked_failed_and_raises(project, voted, monkeypatch):
    monkeypatch.setattr(datasets, "_summary", lambda row: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        dataset_version_create(project=project, rule=Rule())
    assert DatasetVersion.objects.get().status == "failed"


@pytest.mark.django_db
def test_a_version_building_past_the_time_limit_is_marked_failed(project):
    version = building(project)
    long_ago = timezone.now() - BUILD_TIME_LIMIT - timedelta(minutes=1)
    DatasetVersion.objects.filter(pk=version.pk).update(created_at=long_ago)
    assert dataset_versions_fail_stale_task() == 1
    version.refresh_from_db()
    assert version.status == "failed"
    assert "did not finish within 30 minutes" in version.error


@pytest.mark.django_db
def test_a_version_building_within_the_time_limit_is_left_building(project):
    version = building(project)
    assert dataset_versions_fail_stale() == 0
    version.refresh_from_db()
    assert version.status == "building"


@pytest.mark.django_db(transaction=True)
def test_a_version_whose_build_is_running_is_not_marked_failed():
    version = building(ProjectFactory())
    long_ago = timezone.now() - BUILD_TIME_LIMIT - timedelta(minutes=1)
    DatasetVersion.objects.filter(pk=version.pk).update(created_at=long_ago)
    locked, release = threading.Event(), threading.Event()

    def build_holding_the_row():
        # What a running build does: hold the version's row lock in its transaction.
        try:
            with transaction.atomic():
                DatasetVersion.objects.select_for_update().get(pk=version.pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=build_holding_the_row)
    thread.start()
    try:
        assert locked.wait(30)
        assert dataset_versions_fail_stale() == 0
    finally:
        release.set()
        thread.join(30)
    assert DatasetVersion.objects.get(pk=version.pk).status == "building"


@pytest.mark.django_db(transaction=True)
def test_identical_requests_racing_number_and_queue_one_version(monkeypatch):
    project = ProjectFactory()
    queued = []
    monkeypatch.setattr(build_task, "delay", queued.append)
    answers = []

    def request():
        try:
            started = dataset_version_queue(project=project, rule=Rule(), seed=5)
            answers.append(started.version.number)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == [1, 1, 1, 1]
    assert list(DatasetVersion.objects.values_list("number", flat=True)) == [1]
    assert len(queued) == 1


@pytest.mark.django_db
def test_the_embedded_build_writes_what_the_postgresql_statement_does(project, voted, raters):
    prompt = item_with_completions(project, k=3)
    for user in raters[:2]:
        RankingFactory(prompt=prompt, annotator=user, tiers=[[i] for i in ids_of(prompt)])
    built = dataset_version_create(project=project, rule=Rule(min_raters=3), seed=7)
    again = DatasetVersion.objects.create(
        project=project, number=2, rule=Rule(min_raters=3).as_json(), seed=7, split=DEFAULT_SPLIT
    )
    counts, content_hash = datasets._build_embedded(project, Rule(min_raters=3), again)
    assert (counts, content_hash) == (built.counts, built.content_hash)

    def rows(version):
        fields = ("prompt_id", "chosen_id", "rejected_id", "weight", "split", "ranking_id")
        return sorted(DatasetPair.objects.filter(version=version).values_list(*fields))

    assert rows(again) == rows(built)
