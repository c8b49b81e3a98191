import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotation.models import Ranking
from config.celery import app as celery_app
from dataset_versions.models import DatasetPair, DatasetVersion
from dataset_versions.services import datasets
from dataset_versions.services.datasets import Rule, dataset_version_create
from dataset_versions.tasks import dataset_version_build as build_task
from projects.models import Role
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


@pytest.fixture
def eager():
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def url(project, tail=""):
    return f"/api/v1/projects/{project.id}/{tail}"


@pytest.fixture
def builds(monkeypatch):
    """The version ids whose build was queued (the worker is not run)."""
    queued = []
    monkeypatch.setattr(build_task, "delay", queued.append)
    return queued


def test_a_researcher_queues_a_version_and_gets_202_with_it_building(
    project, member, client_for, rated, builds, django_capture_on_commit_callbacks
):
    client = client_for(member(Role.RESEARCHER))
    body = {"pairs": "consensus", "min_agreement": 0.5, "name": "first", "seed": 3}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(project, "datasets/"), body, format="json")
    assert response.status_code == 202, response.json()
    data = response.json()
    assert (data["number"], data["status"], data["name"]) == (1, "building", "first")
    assert data["rule"]["pairs"] == "consensus"
    assert data["split"] == {"train": 0.8, "validation": 0.1, "test": 0.1}
    assert builds == [data["id"]]
    assert not DatasetPair.objects.exists()


def test_the_queued_build_runs_after_commit_and_the_version_turns_ready(
    project, member, client_for, rated, eager, django_capture_on_commit_callbacks
):
    client = client_for(member(Role.RESEARCHER))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(project, "datasets/"), {"pairs": "consensus"}, format="json")
    data = client.get(url(project, "datasets/1/")).json()
    assert (data["status"], data["error"]) == ("ready", "")
    assert data["counts"]["pairs"] == 6
    assert len(data["content_hash"]) == 64


def test_a_build_that_fails_shows_failed_with_its_error(
    project, member, client_for, rated, eager, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(datasets, "pairs_expand", broken)
    client = client_for(member(Role.RESEARCHER))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(project, "datasets/"), {}, format="json")
    data = client.get(url(project, "datasets/1/")).json()
    assert (data["status"], data["error"]) == ("failed", "RuntimeError: the disk is full")


def test_the_same_request_while_it_builds_answers_the_same_version(
    project, member, client_for, rated, builds, django_capture_on_commit_callbacks
):
    client = client_for(member(Role.RESEARCHER))
    body = {"pairs": "consensus", "seed": 3}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url(project, "datasets/"), body, format="json").json()
        again = client.post(url(project, "datasets/"), body, format="json").json()
        other = client.post(url(project, "datasets/"), {**body, "seed": 4}, format="json").json()
    assert (first["id"], first["number"]) == (again["id"], again["number"])
    assert other["number"] == 2
    assert builds == [first["id"], other["id"]]


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
