"""Submitting, revising, skipping and flagging: what an annotator does with a leased item."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q

from annotation.models import Assignment, Completion, Project, Prompt, Ranking
from config.errors import Conflict


class LeaseLost(Conflict):
    """The annotator's lease expired and every slot of the item is taken."""

    code = "lease_lost"
    message = "Your lease on this item expired and it went to another annotator. Nothing was saved."


class NotAssigned(Conflict):
    """The annotator never leased this item."""

    code = "not_assigned"
    message = "This item is not assigned to you: ask for the next item first."


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
    match = Q(prompt=prompt)
    if client_request_id is not None:
        match |= Q(client_request_id=client_request_id)
    replay = existing = None
    for ranking in Ranking.objects.filter(match, annotator=annotator):
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
    lease = (
        Assignment.objects.select_for_update()
        .filter(prompt=prompt, annotator=annotator)
        .exclude(status=Assignment.Status.DONE)
        .order_by("-created_at")
        .first()
    )
    if lease is None:
        raise NotAssigned()
    if lease.status == Assignment.Status.EXPIRED and not prompt.is_gold:
        if prompt.claim_count >= project.raters_per_item:
            raise LeaseLost()
        Prompt.objects.filter(pk=prompt.pk).update(claim_count=F("claim_count") + 1)
    lease.status = Assignment.Status.DONE
    lease.save(update_fields=["status"])
    return lease


def _locked_prompt(prompt_id: int, project: Project) -> Prompt:
    prompt = Prompt.objects.select_for_update().filter(pk=prompt_id, project=project).first()
    if prompt is None:
        raise ValidationError({"prompt_id": f"No item {prompt_id} in this project."})
    return prompt


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
    """Store the annotator's ranking of a leased item, or revise their earlier one.

    A retried request (same ``client_request_id``) returns the stored ranking.
    """
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
    ranking = Ranking.objects.create(
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
    Prompt.objects.filter(pk=prompt.pk).update(ranking_count=F("ranking_count") + 1)
    return Outcome(ranking, created=True)


def _revise(
    ranking: Ranking,
    project: Project,
    tiers: list[list[int]],
    display_order: list[int] | None,
    time_spent_ms: int | None,
    client_request_id: uuid.UUID | None,
) -> Ranking:
    if project.rankings_locked:
        raise ValidationError("Rankings of this project are locked; they can no longer change.")
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
