"""Task distribution: which item an annotator ranks next, under a lease.

Invariant, kept under row locks: for every regular (non-gold) prompt,
``claim_count`` = its annotators' rankings + its live leases, and it never exceeds
the project's ``raters_per_item``. ``assignment_next`` locks the candidate prompt row
with ``SELECT … FOR UPDATE SKIP LOCKED``, so concurrent annotators never wait on, or
double-book, the same slot.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from annotation.models import Assignment, Completion, Membership, Project, Prompt, Ranking


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


def _gold_is_due(*, project: Project, annotator: User) -> bool:
    """Serve gold at exactly the project's rate: the n-th item is gold whenever
    floor(n * rate) steps up (deterministic, so it is testable and fair)."""
    if project.gold_rate <= 0:
        return False
    served = Ranking.objects.filter(project=project, annotator=annotator).count()
    return int((served + 1) * project.gold_rate) > int(served * project.gold_rate)


def _done_or_held_by(annotator: User) -> tuple[Exists, Exists]:
    done = Exists(Ranking.objects.filter(prompt=OuterRef("pk"), annotator=annotator))
    held = Exists(
        Assignment.objects.filter(
            prompt=OuterRef("pk"), annotator=annotator, status=Assignment.Status.ACTIVE
        )
    )
    return done, held


def _lock_next_prompt(*, project: Project, annotator: User, gold: bool) -> Prompt | None:
    done, held = _done_or_held_by(annotator)
    candidates = Prompt.objects.filter(project=project, is_gold=gold).exclude(done).exclude(held)
    if gold:
        candidates = candidates.order_by("id")
    else:
        candidates = candidates.filter(claim_count__lt=project.raters_per_item).order_by(
            "-claim_count", "-priority", "id"
        )
    prompt = candidates.select_for_update(skip_locked=True, of=("self",)).first()
    if prompt is None:
        # Every remaining candidate may be locked for a moment by another annotator's
        # lease: wait for them rather than answer "nothing left" while items need raters.
        prompt = candidates.select_for_update(of=("self",)).first()
    return prompt


def _lease(*, project: Project, annotator: User, prompt: Prompt, now: datetime) -> Assignment:
    completion_ids = list(Completion.objects.filter(prompt=prompt).values_list("id", flat=True))
    if not prompt.is_gold:
        Prompt.objects.filter(pk=prompt.pk).update(claim_count=F("claim_count") + 1)
    return Assignment.objects.create(
        project=project,
        prompt=prompt,
        annotator=annotator,
        display_order=display_order_for(
            annotator_id=annotator.pk, prompt_id=prompt.pk, completion_ids=completion_ids
        ),
        expires_at=now + timedelta(minutes=project.lease_minutes),
    )


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
    None when nothing is left for this annotator.
    """
    now = now or timezone.now()
    # One "next" at a time per annotator, so a double click never takes two leases.
    Membership.objects.select_for_update().filter(project=project, user=annotator).first()
    live = (
        Assignment.objects.select_related("prompt")
        .filter(project=project, annotator=annotator, status=Assignment.Status.ACTIVE)
        .filter(expires_at__gt=now)
        .order_by("created_at")
    )
    if after_prompt_id is not None:
        live = live.exclude(prompt_id=after_prompt_id)
    lease = live.first()
    if lease is not None:
        return lease
    prompt = _pick(project=project, annotator=annotator)
    if prompt is None and assignments_expire(project_id=project.pk, now=now):
        # Overdue leases are also expired every minute by beat; here only when they
        # stand between this annotator and the last items.
        prompt = _pick(project=project, annotator=annotator)
    if prompt is None:
        return None
    return _lease(project=project, annotator=annotator, prompt=prompt, now=now)


def _pick(*, project: Project, annotator: User) -> Prompt | None:
    prompt = None
    if _gold_is_due(project=project, annotator=annotator):
        prompt = _lock_next_prompt(project=project, annotator=annotator, gold=True)
    return prompt or _lock_next_prompt(project=project, annotator=annotator, gold=False)
