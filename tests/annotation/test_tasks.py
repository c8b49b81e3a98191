from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from annotation.tasks import sessions_clear_expired

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
    from annotation.tasks import pairs_expand_all
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
