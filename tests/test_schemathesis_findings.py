"""What the schemathesis run (tests/test_schemathesis.py) found, each pinned by a plain test."""

import pytest

from dataset_versions.models import DatasetVersion
from projects.models import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("endpoint", ["datasets/", "datasets/preview/"])
def test_a_rater_id_past_bigint_is_a_400_not_a_500(project, member, client_for, endpoint):
    response = client_for(member(Role.RESEARCHER)).post(
        f"/api/v1/projects/{project.pk}/{endpoint}", {"rater_ids": [2**63]}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["rater_ids.0"]
    assert not DatasetVersion.objects.exists()
