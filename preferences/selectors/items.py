"""Reads of the items browser and the activity chart: items with their status, consensus
and agreement, which need the preference pairs and consensus beside the rankings."""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    TextField,
    When,
)
from django.db.models.functions import Cast, Greatest, Least, TruncDate
from django.utils import timezone

from annotation.models import Completion, Prompt, Ranking
from config import sql
from preferences.maths import agreement
from preferences.models import PromptConsensus, RankingPair
from projects.models import Project

ITEM_STATUSES = {
    "needs_raters": "Needs raters: fewer rankings than the project's raters per item.",
    "complete": "Complete: ranked by as many raters as the project asks for.",
    "flagged": "Flagged by an annotator (open or reviewed).",
    "disputed": "Disputed: its raters split evenly on a pair of completions (as many put one "
    "first as the other), as of the last pairs refresh.",
    "gold": "Gold items, with a reference ranking.",
    "awaiting_completions": "Awaiting completions: imported without them or still being "
    "generated; not in the annotation queue yet.",
}


def _disputed() -> Exists:
    """Some pair of the item's completions that as many of its raters put one way as the
    other (from the expanded pairs: as of the last refresh)."""
    votes = (
        RankingPair.objects.filter(ranking__prompt=OuterRef("pk"), ranking__annotator__isnull=False)
        .annotate(low=Least("chosen", "rejected"), high=Greatest("chosen", "rejected"))
        .values("low", "high")
        .annotate(balance=Sum(Case(When(chosen__lt=F("rejected"), then=1), default=-1)))
        .filter(balance=0)
    )
    return Exists(votes)


def items_of_project(
    *, project: Project, search: str = "", model: str = "", status: str = ""
) -> QuerySet[Prompt]:
    """The project's items with their completions, in import order, each marked
    ``flagged`` and ``disputed``; narrowed by a text ``search`` (prompt, completion or
    external id, any case), a completion ``model`` and a ``status`` (ITEM_STATUSES)."""
    items = (
        Prompt.objects.filter(project_id=project.pk)
        .annotate(
            flagged=Exists(
                Ranking.objects.filter(prompt=OuterRef("pk"), kind=Ranking.Kind.FLAGGED)
            ),
            disputed=_disputed(),
        )
        .prefetch_related("completions")
        .order_by("id")
    )
    if search:
        completions = Completion.objects.filter(prompt=OuterRef("pk"), text__icontains=search)
        items = items.annotate(chat=Cast("messages", TextField())).filter(
            Q(text__icontains=search)
            | Q(external_id__icontains=search)
            | Q(chat__icontains=search)
            | Exists(completions)
        )
    if model:
        items = items.filter(
            Exists(Completion.objects.filter(prompt=OuterRef("pk"), model_name=model))
        )
    return items.filter(_status_filter(status, project.raters_per_item)) if status else items


def _status_filter(status: str, raters_per_item: int) -> Q:
    return {
        "needs_raters": Q(
            is_gold=False, awaiting_completions=False, ranking_count__lt=raters_per_item
        ),
        "complete": Q(is_gold=False, ranking_count__gte=raters_per_item),
        "flagged": Q(flagged=True),
        "disputed": Q(disputed=True),
        "gold": Q(is_gold=True),
        "awaiting_completions": Q(awaiting_completions=True),
    }[status]


def item_models(*, project_id: int) -> list[dict[str, object]]:
    """Every model name among the project's completions, with how many items it answers."""
    rows = (
        Completion.objects.filter(prompt__project_id=project_id)
        .values("model_name")
        .annotate(items=Count("prompt_id", distinct=True))
        .order_by("model_name")
    )
    return [{"name": row["model_name"], "items": row["items"]} for row in rows]


def rater_numbers(*, project_id: int) -> dict[int, int]:
    """Each annotator's number in the project: 1 for the first to rank in it, and so on.

    Stable (a later annotator only adds a number), and says nothing of who it is: the label
    researchers see in place of a name.
    """
    firsts = (
        Ranking.objects.filter(project_id=project_id, annotator__isnull=False)
        .values("annotator_id")
        .annotate(first=Min("id"))
        .order_by("first")
    )
    return {row["annotator_id"]: n for n, row in enumerate(firsts, start=1)}


@dataclass(frozen=True)
class ItemDetail:
    prompt: Prompt
    completions: list[Completion]
    rankings: list[Ranking]
    consensus: PromptConsensus | None
    rater_numbers: dict[int, int]


@dataclass(frozen=True)
class ItemAgreement:
    """How one item's raters agree: Kendall's W and the pairwise agreement rate over them,
    and for each ranking its agreement with the others' consensus and its gold score."""

    raters: int
    kendall_w: float | None
    pairwise_agreement: float | None
    with_others: dict[int, float | None]
    gold_scores: dict[int, float]
    consensus_up_to_date: bool


def _rater_rankings(rankings: list[Ranking]) -> list[Ranking]:
    # What a stored consensus is made of (consensus_store.RATER_RANKINGS).
    return [
        r for r in rankings if r.kind == Ranking.Kind.RANKED and r.annotator_id and not r.is_gold
    ]


def _fingerprint(rankings: list[Ranking]) -> str:
    listed = ",".join(f"{r.pk}:{r.revision}" for r in sorted(rankings, key=lambda r: r.pk))
    return hashlib.sha256(listed.encode()).hexdigest()


def gold_tiers(*, prompt: Prompt, completions: list[Completion]) -> list[list[int]] | None:
    """The gold ranking in completion ids (it is stored in positions)."""
    if prompt.gold_ranking is None:
        return None
    by_position = {c.position: c.pk for c in completions}
    return [[by_position[p] for p in tier if p in by_position] for tier in prompt.gold_ranking]


def item_agreement(*, detail: ItemDetail) -> ItemAgreement:
    ranked = [r for r in detail.rankings if r.kind == Ranking.Kind.RANKED and r.annotator_id]
    tiers: dict[int, list[list[int]]] = {r.pk: r.tiers or [] for r in ranked}
    prompt = detail.prompt
    gold = gold_tiers(prompt=prompt, completions=detail.completions)
    try:
        w = agreement.kendall_w(rankings=list(tiers.values()))
        by_prompt = cast(Mapping[Hashable, Mapping[Hashable, agreement.Tiers]], {prompt.pk: tiers})
        units = cast(agreement.Units, agreement.pair_units(rankings=by_prompt))
        rate = agreement.pairwise_agreement_rate(units=units)
        with_others = {
            pk: agreement.agreement_with_consensus(
                rater_tiers=own, others_tiers_list=[t for k, t in tiers.items() if k != pk]
            )
            for pk, own in tiers.items()
        }
        scores = {
            pk: agreement.gold_score(rater_tiers=own, gold_tiers=gold)
            for pk, own in tiers.items()
            if gold
        }
    except ValueError:
        # Rankings of different completion sets (the item changed under them): no figures.
        w, rate, with_others, scores = None, None, {}, {}
    consensus = detail.consensus
    return ItemAgreement(
        raters=len(ranked),
        kendall_w=w,
        pairwise_agreement=rate,
        with_others=with_others,
        gold_scores=scores,
        consensus_up_to_date=consensus is not None
        and consensus.fingerprint == _fingerprint(_rater_rankings(detail.rankings)),
    )


def item_detail(*, project_id: int, prompt_id: int) -> ItemDetail | None:
    """One item with its completions, every ranking of it (with its annotator), its stored
    consensus and the project's rater numbers, in four queries."""
    prompt = (
        Prompt.objects.filter(project_id=project_id, pk=prompt_id)
        .annotate(
            flagged=Exists(
                Ranking.objects.filter(prompt=OuterRef("pk"), kind=Ranking.Kind.FLAGGED)
            ),
            disputed=_disputed(),
        )
        .first()
    )
    if prompt is None:
        return None
    return ItemDetail(
        prompt=prompt,
        completions=list(Completion.objects.filter(prompt=prompt).order_by("position")),
        rankings=list(
            Ranking.objects.filter(prompt=prompt).select_related("annotator").order_by("id")
        ),
        consensus=PromptConsensus.objects.filter(prompt=prompt).first(),
        rater_numbers=rater_numbers(project_id=project_id),
    )


def project_activity(*, project: Project, days: int = 30) -> list[dict[str, object]]:
    """Per day of the last ``days`` with rankings: annotators' rankings, active annotators,
    and the pairwise agreement of that day's pairs with the other raters of their prompts
    (expanded pairs only; None when no pair had another rater to agree with)."""
    since = timezone.now() - timedelta(days=days)
    rankings = Ranking.objects.filter(
        project=project, annotator__isnull=False, kind=Ranking.Kind.RANKED, created_at__gte=since
    )
    per_day = (
        rankings.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(rankings=Count("id"), annotators=Count("annotator_id", distinct=True))
        .order_by("day")
    )
    agreement = _agreement_by_day(project.pk, since)
    return [row | {"pairwise_agreement": agreement.get(row["day"])} for row in per_day]


def _agreement_by_day(project_id: int, since: object) -> dict[object, float]:
    pair, ranking = RankingPair._meta.db_table, Ranking._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT date(r.created_at), sum(CASE WHEN o.chosen_id = p.chosen_id THEN 1 ELSE 0 END),
                   count(*)
            FROM {ranking} r
            JOIN {pair} p ON p.ranking_id = r.id
            JOIN {pair} o ON o.prompt_id = p.prompt_id AND o.ranking_id <> p.ranking_id
                AND ((o.chosen_id = p.chosen_id AND o.rejected_id = p.rejected_id)
                     OR (o.chosen_id = p.rejected_id AND o.rejected_id = p.chosen_id))
            JOIN {ranking} other ON other.id = o.ranking_id AND other.annotator_id IS NOT NULL
            WHERE r.project_id = %s AND r.created_at >= %s AND r.annotator_id IS NOT NULL
            GROUP BY date(r.created_at)
            """,
            [project_id, sql.param(Ranking, "created_at", since)],
        )
        return {_as_date(day): agree / total for day, agree, total in cursor.fetchall() if total}


def _as_date(value: object) -> object:
    return date.fromisoformat(value) if isinstance(value, str) else value
