from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from projects.tasks import sessions_clear_expired

pytestmark = pytest.mark.django_db


def test_expired_sessions_are_cleared_and_live_ones_kept():
    live, old = SessionStore(), SessionStore()
    live.create()
    old.create()
    Session.objects.filter(session_key=old.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    assert sessions_clear_expired() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_the_beat_task_expires_overdue_leases_of_every_project(member, project):
    from annotation.models import Assignment, Prompt
    from annotation.services.queue import assignment_next
    from annotation.tasks import leases_expire
    from tests.factories import item_with_completions

    item_with_completions(project)
    assignment_next(project=project, annotator=member())
    Assignment.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert leases_expire() == 1
    assert Prompt.objects.get().claim_count == 0
    assert Assignment.objects.get().status == Assignment.Status.EXPIRED


def test_the_beat_task_expands_the_rankings_of_every_project(member, project):
    from annotation.services.queue import assignment_next
    from annotation.services.rankings import ranking_submit
    from preferences.tasks import pairs_expand_all
    from tests.factories import item_with_completions

    item_with_completions(project, k=3)
    user = member()
    lease = assignment_next(project=project, annotator=user)
    ranking_submit(
        project=project,
        annotator=user,
        prompt_id=lease.prompt_id,
        tiers=[[i] for i in lease.display_order],
    )
    assert pairs_expand_all() == 3
    assert pairs_expand_all() == 0


def _ranked(project, k=2):
    """A new prompt of ``project``, ranked by a new annotator the way annotators do."""
    from annotation.services.queue import assignment_next
    from annotation.services.rankings import ranking_submit
    from projects.models import Role
    from tests.factories import MembershipFactory, item_with_completions

    annotator = MembershipFactory(project=project, role=Role.ANNOTATOR).user
    item_with_completions(project, k=k)
    lease = assignment_next(project=project, annotator=annotator)
    tiers = [[i] for i in lease.display_order]
    return ranking_submit(
        project=project, annotator=annotator, prompt_id=lease.prompt_id, tiers=tiers
    ).ranking


def _corrupt(ranking):
    """Tiers that name no completion (a damaged row): the set-based statements fail on them."""
    from annotation.models import Ranking

    Ranking.objects.filter(pk=ranking.pk).update(tiers=[["not-an-id"], ["x"]])


def test_a_project_whose_expansion_fails_does_not_stop_the_next_one(project, caplog):
    from preferences.models import RankingPair
    from preferences.tasks import pairs_expand_all
    from tests.factories import ProjectFactory

    broken = _ranked(project)
    _corrupt(broken)
    healthy = _ranked(ProjectFactory(), k=3)
    assert pairs_expand_all() == 3
    assert RankingPair.objects.filter(ranking=healthy).count() == 3
    assert not RankingPair.objects.filter(ranking=broken).exists()
    assert f"pairs expansion failed for project {project.pk}" in caplog.text
    assert "pairs expansion: 1 projects done, 1 failed" in caplog.text


def test_a_project_whose_consensus_fails_does_not_stop_the_next_one(project, caplog):
    from preferences.models import PromptConsensus
    from preferences.services.pairs import pairs_expand
    from preferences.tasks import consensus_update_all
    from tests.factories import ProjectFactory

    project.raters_per_item = 1
    project.save()
    broken = _ranked(project)
    pairs_expand(project_id=project.pk)
    _corrupt(broken)
    healthy = _ranked(ProjectFactory(raters_per_item=1))
    assert consensus_update_all() == 1
    assert PromptConsensus.objects.filter(prompt=healthy.prompt).exists()
    assert not PromptConsensus.objects.filter(project=project).exists()
    assert f"consensus update failed for project {project.pk}" in caplog.text
