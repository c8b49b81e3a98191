import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotation.models import Role
from tests.factories import item_with_completions

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
