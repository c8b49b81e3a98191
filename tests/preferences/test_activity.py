import pytest
from django.utils import timezone

from annotation.services.queue import assignment_next
from annotation.services.rankings import ranking_submit
from preferences.services.pairs import pairs_expand
from projects.models import Role
from tests.factories import item_with_completions

pytestmark = pytest.mark.django_db


def _rank(project, annotator, order):
    lease = assignment_next(project=project, annotator=annotator)
    ids = sorted(lease.display_order)
    ranking_submit(
        project=project,
        annotator=annotator,
        prompt_id=lease.prompt_id,
        tiers=[[ids[i]] for i in order],
    )


def test_activity_counts_todays_rankings_and_their_agreement(project, member, client_for):
    item_with_completions(project, k=3)
    first, second = member(Role.ANNOTATOR), member(Role.ANNOTATOR)
    _rank(project, first, [0, 1, 2])
    _rank(project, second, [0, 2, 1])  # agrees on 2 of the 3 pairs
    pairs_expand(project_id=project.pk)
    client = client_for(member(Role.RESEARCHER))
    (day,) = client.get(f"/api/v1/projects/{project.id}/activity/").json()["days"]
    assert day["day"] == timezone.now().date().isoformat()
    assert day["rankings"] == 2
    assert day["annotators"] == 2
    assert day["pairwise_agreement"] == pytest.approx(2 / 3)


def test_annotators_do_not_see_project_activity(project, member, client_for):
    client = client_for(member(Role.ANNOTATOR))
    assert client.get(f"/api/v1/projects/{project.id}/activity/").status_code == 403
