"""The training list endpoints read a page in a fixed number of queries, however many rows
it holds (no query per run or model)."""

import pytest

from projects.models import Role
from tests.factories import (
    DisputeFactory,
    ModelVersionFactory,
    TrainingAttemptFactory,
    TrainingRunFactory,
    UserFactory,
)
from training.models import TrainingRun

pytestmark = pytest.mark.django_db

# The project with the caller's membership, the paginator's count and the page: with six
# rows, a query per row would show as nine or more.
LIST_QUERIES = 3
# A run page: the project, the run with its dataset version, author and model, its
# attempts and its curve points.
RUN_PAGE_QUERIES = 4


@pytest.fixture
def researcher(project, member, client_for):
    return client_for(member(Role.RESEARCHER))


def _runs_with_models(project, n):
    for _ in range(n):
        run = TrainingRunFactory(
            project=project, created_by=UserFactory(), status=TrainingRun.Status.SUCCEEDED
        )
        TrainingAttemptFactory(run=run)
        ModelVersionFactory(project=project, training_run=run)


def test_the_runs_list_reads_many_runs_in_a_fixed_number_of_queries(
    project, researcher, django_assert_max_num_queries
):
    _runs_with_models(project, 6)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = researcher.get(f"/api/v1/projects/{project.id}/training-runs/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 6


def test_the_model_list_reads_many_models_in_a_fixed_number_of_queries(
    project, researcher, django_assert_max_num_queries
):
    _runs_with_models(project, 6)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = researcher.get(f"/api/v1/projects/{project.id}/models/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 6


def test_the_dispute_list_reads_many_disputes_in_a_fixed_number_of_queries(
    project, researcher, django_assert_max_num_queries
):
    model = ModelVersionFactory(project=project, is_active=True)
    for _ in range(6):
        DisputeFactory(model_version=model)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = researcher.get(f"/api/v1/projects/{project.id}/disputes/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 6


def test_a_run_page_reads_its_attempts_and_curves_in_a_fixed_number_of_queries(
    project, researcher, django_assert_max_num_queries
):
    run = TrainingRunFactory(project=project, status=TrainingRun.Status.SUCCEEDED)
    for _ in range(4):
        TrainingAttemptFactory(run=run)
    with django_assert_max_num_queries(RUN_PAGE_QUERIES):
        response = researcher.get(f"/api/v1/projects/{project.id}/training-runs/{run.pk}/")
    assert response.status_code == 200
    assert len(response.json()["attempts"]) == 4
