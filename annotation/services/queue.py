"""Task distribution: which item an annotator ranks next, under a lease.

Invariant, kept under row locks: for every regular (non-gold) prompt,
``claim_count`` = its annotators' rankings + its live leases, and it never exceeds
the project's ``raters_per_item``. ``assignment_next`` locks the candidate prompt row
with ``SELECT … FOR UPDATE SKIP LOCKED``, so concurrent annotators never wait on, or
double-book, the same slot.
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from annotation.models import Assignment, Completion, Prompt, Ranking
from config import sql
from projects.models import Membership, Project
from projects.services.periodic import projects_each
from projects.services.projects import project_ensure_open


def display_order_for(*, annotator_id: int, prompt_id: int, completion_ids: list[int]) -> list[int]:
    """A shuffle that is random across annotators and items but stable for each pair,
    so a reload shows the same order (position-bias control)."""
    seed = hashlib.sha256(f"{annotator_id}:{prompt_id}".encode()).digest()
    order = sorted(completion_ids)
    random.Random(seed).shuffle(order)
    return order


def assignments_expire(*, project_id: int, now: datetime) -> int:
    """Turn the project's overdue leases into ``expired`` and give their slots back.

    Leases and prompts are locked with SKIP LOCKED: a lease whose submission is in
    flight (it holds the prompt row) is left to that submission, and a later expiry
    picks up whatever was skipped. Never waiting on a row means two expiries, or an
    expiry and a submit, cannot deadlock.
    """
    overdue = list(
        Assignment.objects.select_related("prompt")
        .select_for_update(skip_locked=True, of=("self", "prompt"))
        .filter(project_id=project_id, status=Assignment.Status.ACTIVE, expires_at__lte=now)
        .only("id", "prompt_id", "prompt__is_gold")
    )
    if not overdue:
        return 0
    Assignment.objects.filter(id__in=[lease.pk for lease in overdue]).update(
        status=Assignment.Status.EXPIRED
    )
    freed = Counter(lease.prompt_id for lease in overdue if not lease.prompt.is_gold)
    for prompt_id, slots in freed.items():
        Prompt.objects.filter(pk=prompt_id).update(claim_count=F("claim_count") - slots)
    return len(overdue)


@transaction.atomic
def assignments_release(*, annotator: User) -> int:
    """Give back every live lease of ``annotator`` (they signed out), in every project, so
    their items go back to the queue now rather than when the leases run out.

    The prompts are locked first, in id order, the way a submission locks them (prompt,
    then lease): a sign-out and the annotator's own submit in flight never deadlock, and
    once the prompts are locked no lease on them can change under this function. A
    released lease is ``expired``: a ranking sent on it afterwards is still taken while
    the item has a free slot.
    """
    live = Assignment.objects.filter(annotator=annotator, status=Assignment.Status.ACTIVE)
    prompt_ids = list(live.values_list("prompt_id", flat=True))
    if not prompt_ids:
        return 0
    locked = Prompt.objects.select_for_update().filter(pk__in=prompt_ids).order_by("pk")
    regular = {prompt.pk for prompt in locked.only("id", "is_gold") if not prompt.is_gold}
    released = dict(live.filter(prompt_id__in=prompt_ids).values_list("id", "prompt_id"))
    Assignment.objects.filter(id__in=released).update(status=Assignment.Status.EXPIRED)
    # One live lease per annotator and prompt (a constraint): one slot per prompt.
    freed = [prompt_id for prompt_id in released.values() if prompt_id in regular]
    Prompt.objects.filter(pk__in=freed).update(claim_count=F("claim_count") - 1)
    return len(released)


def _gold_is_due(*, cursor: Any, project: Project, annotator: User) -> bool:
    """Serve gold at exactly the project's rate: the n-th item is gold whenever
    floor(n * rate) steps up (deterministic, so it is testable and fair)."""
    if project.gold_rate <= 0:
        return False
    cursor.execute(_sql("served"), [project.pk, annotator.pk])
    served = cursor.fetchone()[0]
    return int((served + 1) * project.gold_rate) > int(served * project.gold_rate)


def _lock_next_prompt(
    *, cursor: Any, project: Project, annotator: User, gold: bool
) -> Prompt | None:
    params: list[Any] = [project.pk, gold, annotator.pk, annotator.pk]
    if gold:
        query = _sql("next_gold")
    else:
        query = _sql("next_regular")
        params.append(project.raters_per_item)
    _execute_planned_now(cursor, query + _skip_locked(), params)
    row = cursor.fetchone()
    if row is None:
        # Every remaining candidate may be locked for a moment by another annotator's
        # lease: wait for them rather than answer "nothing left" while items need raters.
        _execute_planned_now(cursor, query + _lock(), params)
        row = cursor.fetchone()
    return sql.from_row(Prompt, row) if row is not None else None


def _execute_planned_now(cursor: Any, query: str, params: list[Any]) -> None:
    """Run the queue scan without preparing it, so PostgreSQL plans it for this call.

    Every other hot statement is prepared (settings: DATABASE_PREPARE_THRESHOLD) and runs
    a generic plan. This one's cost depends on the state of the queue head, which changes
    with every claim: under a generic plan it grew from 0.1 ms to over 1 ms a call within
    a minute of load, and PostgreSQL's CPU a request from 2.0 to 3.1 ms at saturation
    (benchmarks/annotation_load).
    """
    if connection.vendor != "postgresql":
        cursor.execute(query, params)
        return
    with connection.wrap_database_errors:
        cursor.cursor.execute(query, params, prepare=False)


def _lease(
    *, cursor: Any, project: Project, annotator: User, prompt: Prompt, now: datetime
) -> Assignment:
    cursor.execute(_sql("completion_ids"), [prompt.pk])
    completion_ids = [row[0] for row in cursor.fetchall()]
    if not prompt.is_gold:
        cursor.execute(_sql("claim"), [prompt.pk])
    lease = Assignment(
        project=project,
        prompt=prompt,
        annotator=annotator,
        display_order=display_order_for(
            annotator_id=annotator.pk, prompt_id=prompt.pk, completion_ids=completion_ids
        ),
        created_at=now,
        expires_at=now + timedelta(minutes=project.lease_minutes),
    )
    sql.insert(cursor, lease)
    return lease


@transaction.atomic
def assignment_next(
    *,
    project: Project,
    annotator: User,
    after_prompt_id: int | None = None,
    now: datetime | None = None,
) -> Assignment | None:
    """The annotator's live lease in ``project``, or a new one on the next item.

    ``after_prompt_id`` asks for the item *after* the one on screen, so the browser can
    prefetch it while the annotator works: a second lease, never a third.
    None when nothing is left for this annotator; ProjectArchived (409) when the project
    is archived.
    """
    project_ensure_open(project=project)
    now = now or timezone.now()
    with connection.cursor() as cursor:
        # One "next" at a time per annotator, so a double click never takes two leases.
        cursor.execute(_sql("lock_member") + _lock(), [project.pk, annotator.pk])
        lease = _live_lease(
            cursor=cursor, project=project, annotator=annotator, now=now, other_than=after_prompt_id
        )
        if lease is not None:
            return lease
        prompt = _pick(cursor=cursor, project=project, annotator=annotator)
        if prompt is None and assignments_expire(project_id=project.pk, now=now):
            # Overdue leases are also expired every minute by beat; here only when they
            # stand between this annotator and the last items.
            prompt = _pick(cursor=cursor, project=project, annotator=annotator)
        if prompt is None:
            return None
        return _lease(cursor=cursor, project=project, annotator=annotator, prompt=prompt, now=now)


def _live_lease(
    *, cursor: Any, project: Project, annotator: User, now: datetime, other_than: int | None
) -> Assignment | None:
    cursor.execute(
        _sql("live_lease"),
        [project.pk, annotator.pk, sql.param(Assignment, "expires_at", now), other_than or 0],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    width = sql.column_count(Assignment)
    lease = sql.from_row(Assignment, row[:width])
    lease.prompt = sql.from_row(Prompt, row[width:])
    return lease


def _pick(*, cursor: Any, project: Project, annotator: User) -> Prompt | None:
    prompt = None
    if _gold_is_due(cursor=cursor, project=project, annotator=annotator):
        prompt = _lock_next_prompt(cursor=cursor, project=project, annotator=annotator, gold=True)
    return prompt or _lock_next_prompt(
        cursor=cursor, project=project, annotator=annotator, gold=False
    )


# --- statements ---------------------------------------------------------------------
# Written by hand (see config/sql.py for why); table and column names come from the models.


def _lock() -> str:
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def _skip_locked() -> str:
    # SQLite has no row locks: its write transactions are serialised (BEGIN IMMEDIATE).
    return " FOR UPDATE OF p SKIP LOCKED" if connection.features.has_select_for_update else ""


@functools.cache
def _sql(name: str) -> str:
    assignment, prompt = Assignment._meta.db_table, Prompt._meta.db_table
    ranking, completion = Ranking._meta.db_table, Completion._meta.db_table
    # A regular item still open to this annotator: not ranked, skipped or held by them.
    open_to_me = (
        f"NOT EXISTS (SELECT 1 FROM {ranking} r WHERE r.prompt_id = p.id AND r.annotator_id = %s) "
        f"AND NOT EXISTS (SELECT 1 FROM {assignment} a WHERE a.prompt_id = p.id "
        "AND a.annotator_id = %s AND a.status = 'active')"
    )
    candidates = (
        f"SELECT {sql.columns(Prompt, 'p')} FROM {prompt} p "
        f"WHERE p.project_id = %s AND p.is_gold = %s AND NOT p.awaiting_completions "
        f"AND {open_to_me}"
    )
    return {
        "lock_member": f"SELECT 1 FROM {Membership._meta.db_table} "
        "WHERE project_id = %s AND user_id = %s",
        "live_lease": f"SELECT {sql.columns(Assignment, 'a')}, {sql.columns(Prompt, 'p')} "
        f"FROM {assignment} a JOIN {prompt} p ON p.id = a.prompt_id "
        "WHERE a.project_id = %s AND a.annotator_id = %s AND a.status = 'active' "
        "AND a.expires_at > %s AND a.prompt_id <> %s ORDER BY a.created_at LIMIT 1",
        "served": f"SELECT count(*) FROM {ranking} WHERE project_id = %s AND annotator_id = %s",
        "next_gold": f"{candidates} ORDER BY p.id LIMIT 1",
        "next_regular": f"{candidates} AND p.claim_count < %s "
        "ORDER BY p.claim_count DESC, p.priority DESC, p.id LIMIT 1",
        "completion_ids": f"SELECT id FROM {completion} WHERE prompt_id = %s",
        "claim": f"UPDATE {prompt} SET claim_count = claim_count + 1 WHERE id = %s",
    }[name]


def assignments_expire_all() -> int:
    """Expire the overdue leases of every project, each project in its own transaction."""
    now = timezone.now()

    def expire(project_id: int) -> int:
        with transaction.atomic():
            return assignments_expire(project_id=project_id, now=now)

    return sum(projects_each(expire, job="lease expiry").done.values())
