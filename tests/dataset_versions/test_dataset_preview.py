"""The preview of a dataset version: its counts per split before it is built, so that an
empty validation split is seen before a version (and a run) is made of it."""

import pytest

from dataset_versions.models import DatasetVersion
from dataset_versions.services import datasets
from dataset_versions.services.datasets import Rule, dataset_version_create, dataset_version_preview
from preferences.services.consensus_store import consensus_update
from preferences.services.pairs import pairs_expand
from projects.models import Role
from tests.factories import MembershipFactory, RankingFactory, item_with_completions

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked(project):
    """30 prompts of 3 completions, each ranked by two annotators (one swaps the top)."""
    raters = [MembershipFactory(project=project, role=Role.ANNOTATOR).user for _ in range(2)]
    for _ in range(30):
        prompt = item_with_completions(project, k=3)
        a, b, c = prompt.completions.order_by("position").values_list("id", flat=True)
        for user, tiers in zip(raters, ([[a], [b], [c]], [[b], [a], [c]]), strict=True):
            RankingFactory(prompt=prompt, annotator=user, tiers=tiers)
    pairs_expand(project_id=project.pk)
    return project


@pytest.mark.parametrize(
    "rule",
    [Rule(), Rule(min_raters=2), Rule(pairs="consensus", min_agreement=0.9, min_raters=2)],
    ids=["per rater", "two raters", "consensus"],
)
def test_the_preview_counts_what_the_version_then_holds(ranked, rule):
    split = {"train": 0.6, "validation": 0.2, "test": 0.2}
    if rule.pairs == "consensus":
        consensus_update(project_id=ranked.pk, method=rule.method, min_raters=2)
    preview = dataset_version_preview(project=ranked, rule=rule, seed=3, split=split)
    version = dataset_version_create(project=ranked, rule=rule, seed=3, split=split)
    assert preview == version.counts["splits"]
    assert all(preview[name]["prompts"] > 0 for name in ("train", "validation", "test"))


def test_the_embedded_preview_counts_what_the_postgresql_one_does(ranked):
    split = {"train": 0.5, "validation": 0.5, "test": 0.0}
    unsaved = DatasetVersion(project=ranked, seed=9, split=split)
    embedded = datasets._by_split(
        datasets._split_counts(datasets._embedded_rows(ranked, Rule(), unsaved))
    )
    assert embedded == dataset_version_preview(project=ranked, rule=Rule(), seed=9, split=split)


def test_the_preview_api_warns_of_an_empty_validation_split_and_creates_nothing(
    ranked, member, client_for
):
    client = client_for(member(Role.RESEARCHER))
    body = {"split": {"train": 1.0, "validation": 0.0, "test": 0.0}, "name": "all in"}
    response = client.post(f"/api/v1/projects/{ranked.id}/datasets/preview/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "train": {"pairs": 30 * 2 * 3, "prompts": 30},
        "validation": {"pairs": 0, "prompts": 0},
        "test": {"pairs": 0, "prompts": 0},
    }
    assert not DatasetVersion.objects.filter(project=ranked).exists()


def test_the_preview_api_refuses_a_rule_as_creating_does(ranked, member, client_for):
    client = client_for(member(Role.RESEARCHER))
    body = {"pairs": "per_rater", "min_agreement": 0.5}
    response = client.post(f"/api/v1/projects/{ranked.id}/datasets/preview/", body, format="json")
    assert response.status_code == 400
    assert "min_agreement" in str(response.json())
