import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotation.models import DatasetVersion, Ranking, Role
from annotation.services.datasets import Rule, dataset_version_create
from tests.factories import item_with_completions

# Mounted here the way config/urls.py mounts it, so the tests do not depend on that file.
pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(project, member):
    users = [member(Role.ANNOTATOR) for _ in range(3)]
    for _ in range(2):
        prompt = item_with_completions(project, k=3)
        ids = list(prompt.completions.order_by("position").values_list("id", flat=True))
        for user in users:
            Ranking.objects.create(
                project=project, prompt=prompt, annotator=user, tiers=[[i] for i in ids],
                display_order=ids, time_spent_ms=1000,
            )  # fmt: skip
    return users


def url(project, tail=""):
    return f"/api/v1/projects/{project.id}/{tail}"


def test_a_researcher_creates_a_consensus_version(project, member, client_for, rated):
    client = client_for(member(Role.RESEARCHER))
    body = {"pairs": "consensus", "min_agreement": 0.5, "name": "first", "seed": 3}
    response = client.post(url(project, "datasets/"), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["number"], data["status"], data["name"]) == (1, "ready", "first")
    assert data["counts"]["pairs"] == 6
    assert data["rule"]["pairs"] == "consensus"
    assert data["split"] == {"train": 0.8, "validation": 0.1, "test": 0.1}


def test_the_detail_shows_counts_rule_and_hash(project, member, client_for, rated):
    version = dataset_version_create(project=project, rule=Rule())
    client = client_for(member(Role.RESEARCHER))
    data = client.get(url(project, f"datasets/{version.number}/")).json()
    assert data["content_hash"] == version.content_hash
    assert data["counts"]["rankings"] == 6


def test_an_unknown_version_number_is_a_404(project, member, client_for):
    response = client_for(member(Role.RESEARCHER)).get(url(project, "datasets/9/"))
    assert response.status_code == 404


def test_annotators_cannot_see_or_make_datasets(project, member, client_for):
    client = client_for(member(Role.ANNOTATOR))
    assert client.get(url(project, "datasets/")).status_code == 403
    assert client.post(url(project, "datasets/"), {}, format="json").status_code == 403


def test_outsiders_get_a_404(project, client_for):
    from tests.factories import UserFactory

    assert client_for(UserFactory()).get(url(project, "datasets/")).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pairs": "majority"}, "pairs"),
        ({"min_agreement": 2}, "min_agreement"),
        ({"split": {"train": 0.5, "validation": 0.1, "test": 0.1}}, "split.non_field_errors"),
        ({"rater_ids": []}, "rater_ids"),
        ({"pairs": "consensus", "rater_ids": [1]}, "rater_ids"),
        ({"min_agreement": 0.5}, "min_agreement"),
    ],
)
def test_an_invalid_rule_is_a_400_naming_the_field(project, member, client_for, body, field):
    response = client_for(member(Role.RESEARCHER)).post(
        url(project, "datasets/"), body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not DatasetVersion.objects.exists()


def test_the_list_takes_a_fixed_number_of_queries(project, member, client_for, rated):
    client = client_for(member(Role.RESEARCHER))
    dataset_version_create(project=project, rule=Rule())
    with CaptureQueriesContext(connection) as one:
        client.get(url(project, "datasets/"))
    for _ in range(4):
        dataset_version_create(project=project, rule=Rule())
    with CaptureQueriesContext(connection) as five:
        response = client.get(url(project, "datasets/"))
    assert response.json()["count"] == 5
    assert len(five) == len(one)


def test_the_agreement_report_is_for_researchers(project, member, client_for, rated):
    assert client_for(rated[0]).get(url(project, "agreement/")).status_code == 403
    data = client_for(member(Role.RESEARCHER)).get(url(project, "agreement/")).json()
    assert data["project"]["pairwise_agreement"] == 1.0
    assert [a["rankings"] for a in data["annotators"]] == [2, 2, 2]


def test_a_consensus_refresh_reports_the_prompts_updated(project, member, client_for, rated):
    client = client_for(member(Role.RESEARCHER))
    assert client.post(url(project, "consensus/refresh/"), {}, format="json").json() == {
        "updated": 2
    }
    assert client.post(url(project, "consensus/refresh/"), {}, format="json").json() == {
        "updated": 0
    }
