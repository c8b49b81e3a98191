"""Submitting, revising, skipping and flagging: what an annotator does with a leased item."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F

from annotation.models import Assignment, Completion, Prompt, Ranking
from config import sql
from config.errors import Conflict
from projects.models import Project
from projects.services.projects import project_ensure_open


class LeaseLost(Conflict):
    """The annotator's lease expired and every slot of the item is taken."""

    code = "lease_lost"
    message = "Your lease on this item expired and it went to another annotator. Nothing was saved."


class NotAssigned(Conflict):
    """The annotator never leased this item."""

    code = "not_assigned"
    message = "This item is not assigned to you: ask for the next item first."


class ItemFull(Conflict):
    """A skipped item is ranked after all, but every slot of it is taken meanwhile."""

    code = "item_full"
    message = "This item has all the raters it needs now, so your skip stands. Nothing was saved."


LOCKED = "Rankings of this project are locked; they can no longer change."


@dataclass(frozen=True)
class Outcome:
    ranking: Ranking
    created: bool


def tiers_validate(*, tiers: object, completion_ids: set[int], allow_ties: bool) -> list[list[int]]:
    """Check that ``tiers`` orders exactly the item's completions; return it normalised."""
    if not isinstance(tiers, list) or not tiers:
        raise ValidationError({"tiers": "Give a non-empty list of tiers, best first."})
    seen: list[int] = []
    for index, tier in enumerate(tiers):
        if not isinstance(tier, list) or not tier:
            raise ValidationError({"tiers": f"Tier {index + 1} must be a non-empty list of ids."})
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in tier):
            raise ValidationError(
                {"tiers": f"Tier {index + 1} must hold completion ids (integers)."}
            )
        if len(tier) > 1 and not allow_ties:
            raise ValidationError({"tiers": "This project does not allow ties: one id per tier."})
        seen.extend(tier)
    duplicated = sorted({i for i in seen if seen.count(i) > 1})
    if duplicated:
        raise ValidationError({"tiers": f"Completion ids appear more than once: {duplicated}."})
    unknown = sorted(set(seen) - completion_ids)
    if unknown:
        raise ValidationError({"tiers": f"Not completions of this item: {unknown}."})
    missing = sorted(completion_ids - set(seen))
    if missing:
        raise ValidationError({"tiers": f"Every completion must be ranked; missing: {missing}."})
    return [sorted(tier) for tier in tiers]


def _valid_ranking(
    project: Project, tiers: object, display_order: list[int] | None, completion_ids: set[int]
) -> list[list[int]]:
    clean_tiers = tiers_validate(
        tiers=tiers, completion_ids=completion_ids, allow_ties=project.allow_ties
    )
    _display_order_validate(display_order=display_order, completion_ids=completion_ids)
    return clean_tiers


def _display_order_validate(*, display_order: list[int] | None, completion_ids: set[int]) -> None:
    if display_order is not None and (
        len(display_order) != len(completion_ids) or set(display_order) != completion_ids
    ):
        raise ValidationError(
            {"display_order": "Must list each completion id of the item exactly once."}
        )


def _earlier(
    *, annotator: User, prompt: Prompt, client_request_id: uuid.UUID | None
) -> tuple[Ranking | None, Ranking | None]:
    """In one query: the ranking this request already stored (a retry), and the
    annotator's earlier ranking of the prompt."""
    replay = existing = None
    with connection.cursor() as cursor:
        cursor.execute(
            _sql("earlier"),
            [annotator.pk, prompt.pk, sql.param(Ranking, "client_request_id", client_request_id)],
        )
        for row in cursor.fetchall():
            ranking = sql.from_row(Ranking, row)
            if client_request_id is not None and ranking.client_request_id == client_request_id:
                replay = ranking
            if ranking.prompt_id == prompt.pk:
                existing = ranking
    return replay, existing


def _take_slot(*, project: Project, prompt: Prompt, annotator: User) -> Assignment:
    """Close the annotator's lease on ``prompt``, keeping ``claim_count`` exact.

    A live lease already holds a slot. An expired one gave its slot back, so the
    submission needs a free slot again, or it is refused (LeaseLost).
    """
    with connection.cursor() as cursor:
        # The usual case in one statement: a live lease closes. (The prompt row is locked,
        # so nothing else changes this annotator's leases on it meanwhile.)
        cursor.execute(_sql("close_live_lease"), [prompt.pk, annotator.pk])
        row = cursor.fetchone()
        if row is not None:
            return sql.from_row(Assignment, row)
        cursor.execute(_sql("lease") + _lock(), [prompt.pk, annotator.pk])
        row = cursor.fetchone()
        if row is None:
            raise NotAssigned()
        lease = sql.from_row(Assignment, row)
        if lease.status == Assignment.Status.EXPIRED and not prompt.is_gold:
            if prompt.claim_count >= project.raters_per_item:
                raise LeaseLost()
            cursor.execute(_sql("claim"), [prompt.pk])
        cursor.execute(_sql("close_lease"), [lease.pk])
    lease.status = Assignment.Status.DONE
    return lease


def _locked_prompt(prompt_id: int, project: Project) -> Prompt:
    with connection.cursor() as cursor:
        cursor.execute(_sql("prompt") + _lock(), [prompt_id, project.pk])
        row = cursor.fetchone()
    if row is None:
        raise ValidationError({"prompt_id": f"No item {prompt_id} in this project."})
    return sql.from_row(Prompt, row)


@transaction.atomic
def ranking_submit(
    *,
    project: Project,
    annotator: User,
    prompt_id: int,
    tiers: object,
    display_order: list[int] | None = None,
    time_spent_ms: int | None = None,
    client_request_id: uuid.UUID | None = None,
) -> Outcome:
    """Store the annotator's ranking of a leased item, or revise their earlier one (a
    skip of theirs becomes a ranking while the item still has a free slot).

    A retried request (same ``client_request_id``) returns the stored ranking.
    """
    project_ensure_open(project=project)
    prompt = _locked_prompt(prompt_id, project)
    # With the prompt row locked, a concurrent duplicate of this request is visible.
    replay, existing = _earlier(
        annotator=annotator, prompt=prompt, client_request_id=client_request_id
    )
    if replay is not None:
        return Outcome(replay, created=False)
    if existing is not None:
        completion_ids = set(Completion.objects.filter(prompt=prompt).values_list("id", flat=True))
        clean_tiers = _valid_ranking(project, tiers, display_order, completion_ids)
        if existing.kind == Ranking.Kind.SKIPPED:
            _unskip(existing, project, prompt)
        return Outcome(
            _revise(
                existing, project, clean_tiers, display_order, time_spent_ms, client_request_id
            ),
            created=False,
        )
    lease = _take_slot(project=project, prompt=prompt, annotator=annotator)
    # The lease lists the item's completions; a refused ranking rolls the lease back
    # with the transaction.
    clean_tiers = _valid_ranking(project, tiers, display_order, set(lease.display_order))
    ranking = Ranking(
        project=project,
        prompt=prompt,
        annotator=annotator,
        kind=Ranking.Kind.RANKED,
        tiers=clean_tiers,
        display_order=display_order if display_order is not None else lease.display_order,
        time_spent_ms=time_spent_ms,
        is_gold=prompt.is_gold,
        client_request_id=client_request_id,
    )
    with connection.cursor() as cursor:
        sql.insert(cursor, ranking)
        cursor.execute(_sql("count_ranking"), [prompt.pk])
    return Outcome(ranking, created=True)


def _unskip(ranking: Ranking, project: Project, prompt: Prompt) -> None:
    """Turn the annotator's skip into a ranking (revised next). The skip gave its slot
    back, so the ranking needs a free one, as a ranking on an expired lease does."""
    if project.rankings_locked:
        raise ValidationError(LOCKED)
    with connection.cursor() as cursor:
        if not prompt.is_gold:
            if prompt.claim_count >= project.raters_per_item:
                raise ItemFull()
            cursor.execute(_sql("claim"), [prompt.pk])
        cursor.execute(_sql("count_ranking"), [prompt.pk])
    ranking.kind = Ranking.Kind.RANKED
    ranking.skip_reason = ""


def _revise(
    ranking: Ranking,
    project: Project,
    tiers: list[list[int]],
    display_order: list[int] | None,
    time_spent_ms: int | None,
    client_request_id: uuid.UUID | None,
) -> Ranking:
    if project.rankings_locked:
        raise ValidationError(LOCKED)
    if ranking.kind != Ranking.Kind.RANKED:
        raise ValidationError(f"You {ranking.kind} this item; it cannot be ranked now.")
    ranking.tiers = tiers
    ranking.revision += 1
    if display_order is not None:
        ranking.display_order = display_order
    if time_spent_ms is not None:
        ranking.time_spent_ms = (ranking.time_spent_ms or 0) + time_spent_ms
    ranking.client_request_id = client_request_id
    ranking.save()
    return ranking


@transaction.atomic
def ranking_pass(
    *,
    project: Project,
    annotator: User,
    prompt_id: int,
    kind: Ranking.Kind,
    skip_reason: str = "",
    flag_reason: str = "",
    flag_note: str = "",
    client_request_id: uuid.UUID | None = None,
) -> Outcome:
    """Skip or flag a leased item: its slot goes back to the queue.

    A flag also puts the item in the admins' review queue.
    """
    if kind == Ranking.Kind.RANKED:
        raise ValueError("ranking_pass records skips and flags only")
    project_ensure_open(project=project)
    prompt = _locked_prompt(prompt_id, project)
    replay, existing = _earlier(
        annotator=annotator, prompt=prompt, client_request_id=client_request_id
    )
    if replay is not None:
        return Outcome(replay, created=False)
    if existing is not None:
        raise ValidationError(f"You already {existing.kind} this item.")
    lease = _take_slot(project=project, prompt=prompt, annotator=annotator)
    if not prompt.is_gold:
        # The slot this lease held goes back: someone else will rank the item.
        Prompt.objects.filter(pk=prompt.pk).update(claim_count=F("claim_count") - 1)
    ranking = Ranking.objects.create(
        project=project,
        prompt=prompt,
        annotator=annotator,
        kind=kind,
        display_order=lease.display_order,
        skip_reason=skip_reason,
        flag_reason=flag_reason,
        flag_note=flag_note,
        review_status=Ranking.Review.OPEN if kind == Ranking.Kind.FLAGGED else "",
        is_gold=prompt.is_gold,
        client_request_id=client_request_id,
    )
    return Outcome(ranking, created=True)


def flag_review(*, ranking: Ranking, status: Ranking.Review) -> Ranking:
    """An admin closes a flag: resolved (acted on) or dismissed (nothing wrong)."""
    if ranking.kind != Ranking.Kind.FLAGGED:
        raise ValidationError("Only flagged items are reviewed.")
    ranking.review_status = status
    ranking.save(update_fields=["review_status", "updated_at"])
    return ranking


# --- statements ---------------------------------------------------------------------
# Written by hand (see config/sql.py for why); table and column names come from the models.


def _lock() -> str:
    # SQLite has no row locks: its write transactions are serialised (BEGIN IMMEDIATE).
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


@functools.cache
def _sql(name: str) -> str:
    assignment, prompt, ranking = (
        Assignment._meta.db_table,
        Prompt._meta.db_table,
        Ranking._meta.db_table,
    )
    return {
        "prompt": f"SELECT {sql.columns(Prompt, 'p')} FROM {prompt} p "
        "WHERE p.id = %s AND p.project_id = %s",
        "earlier": f"SELECT {sql.columns(Ranking, 'r')} FROM {ranking} r "
        "WHERE r.annotator_id = %s AND (r.prompt_id = %s OR r.client_request_id = %s)",
        "lease": f"SELECT {sql.columns(Assignment, 'a')} FROM {assignment} a "
        "WHERE a.prompt_id = %s AND a.annotator_id = %s AND a.status <> 'done' "
        "ORDER BY a.created_at DESC LIMIT 1",
        "close_lease": f"UPDATE {assignment} SET status = 'done' WHERE id = %s",
        "close_live_lease": f"UPDATE {assignment} SET status = 'done' WHERE id = "
        f"(SELECT id FROM {assignment} WHERE prompt_id = %s AND annotator_id = %s "
        "AND status <> 'done' ORDER BY created_at DESC LIMIT 1) AND status = 'active' "
        f"RETURNING {sql.columns(Assignment)}",
        "claim": f"UPDATE {prompt} SET claim_count = claim_count + 1 WHERE id = %s",
        "count_ranking": f"UPDATE {prompt} SET ranking_count = ranking_count + 1 WHERE id = %s",
    }[name]
