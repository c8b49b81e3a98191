"""page_size is what the schema says it is: a whole number from 1, capped at the maximum."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from config.api import Pagination
from projects.models import Role
from tests.factories import item_with_completions

pytestmark = pytest.mark.django_db


def items(client, project, **query):
    return client.get(f"/api/v1/projects/{project.pk}/items/", query)


@pytest.mark.parametrize("page_size", ["abc", "0", "-3", "1.5", "", "\uff11\uff12"])
def test_a_malformed_page_size_is_a_400_on_that_parameter(project, member, client_for, page_size):
    response = items(client_for(member(Role.RESEARCHER)), project, page_size=page_size)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"page_size": ["A whole number, 1 or more."]}


def test_a_page_size_is_obeyed_and_capped(project, member, client_for):
    for _ in range(3):
        item_with_completions(project, k=2)
    client = client_for(member(Role.RESEARCHER))
    assert len(items(client, project, page_size="2").json()["results"]) == 2
    assert len(items(client, project, page_size="007").json()["results"]) == 3
    assert Pagination().get_page_size(_query(page_size="9" * 5000)) == Pagination.max_page_size


def _query(**params):
    class Request:
        query_params = params

    return Request()


def test_the_schema_documents_page_numbers_and_sizes_from_1():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = schema["paths"]["/api/v1/projects/{project_id}/items/"]["get"]["parameters"]
    paging = {p["name"]: p["schema"] for p in parameters if p["name"] in ("page", "page_size")}
    assert paging == {
        "page": {"type": "integer", "minimum": 1},
        "page_size": {"type": "integer", "minimum": 1},
    }
