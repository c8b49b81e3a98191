from __future__ import annotations

import functools
import hashlib
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
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
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Greatest, Least, TruncDate
from django.utils import timezone

from annotation.models import (
    ROLE_RANK,
    Assignment,
    Completion,
    Membership,
    Project,
    Prompt,
    PromptConsensus,
    Ranking,
    RankingPair,
    Role,
)
from annotation.services import agreement
from config import sql


def project_access(
    *, user: AbstractBaseUser | AnonymousUser, project_id: int
) -> tuple[Project, Role] | None:
    """The project and ``user``'s role in it, in one query; None for outsiders.

    Every project request asks this first, so it is one hand-written statement.
    """
    if not user.is_authenticated:
        return None
    if getattr(user, "is_superuser", False):
        project = Project.objects.filter(pk=project_id).first()
        return (project, Role.ADMIN) if project else None
    with connection.cursor() as cursor:
        cursor.execute(_project_and_role(), [project_id, user.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    return sql.from_row(Project, row[1:]), Role(row[0])


@functools.cache
def _project_and_role() -> str:
    return (
        f"SELECT m.role, {sql.columns(Project, 'p')} FROM {Membership._meta.db_table} m "
        f"JOIN {Project._meta.db_table} p ON p.id = m.project_id "
        "WHERE m.project_id = %s AND m.user_id = %s"
    )


def projects_for_user(*, user: User | AnonymousUser) -> QuerySet[Project]:
    """Projects visible to ``user``, each annotated with ``role`` (theirs), in one query."""
    if isinstance(user, AnonymousUser):
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.annotate(role=Value(Role.ADMIN.value))
    my_role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    return Project.objects.filter(memberships__user=user).annotate(role=Subquery(my_role))


def project_list(*, user: User | AnonymousUser, archived: bool = False) -> QuerySet[Project]:
    """The project list: ``user``'s open projects, or the archived ones they administer
    (an archived project is out of everyone else's list)."""
    projects = projects_for_user(user=user)
    if not archived:
        return projects.filter(archived_at__isnull=True)
    projects = projects.filter(archived_at__isnull=False).order_by("-archived_at", "-id")
    if not isinstance(user, User) or user.is_superuser:
        return projects
    return projects.filter(
        Exists(Membership.objects.filter(project=OuterRef("pk"), user=user, role=Role.ADMIN))
    )


def memberships_of_project(*, project_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(project_id=project_id)
        .select_related("user")
        .order_by("user__username")
    )


def completions_in_order(*, assignment: Assignment) -> list[Completion]:
    """The leased item's completions, in the order this annotator is shown them."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql.columns(Completion, 'c')} FROM {Completion._meta.db_table} c "
            "WHERE c.prompt_id = %s",
            [assignment.prompt_id],
        )
        by_id = {c.pk: c for c in (sql.from_row(Completion, row) for row in cursor.fetchall())}
    return [by_id[i] for i in assignment.display_order if i in by_id]


def rankings_visible_to(
    *, user: User | AnonymousUser, project_id: int, role: Role
) -> QuerySet[Ranking]:
    """Annotators see their own rankings only; researchers and admins see all."""
    rankings = Ranking.objects.filter(project_id=project_id).order_by("-updated_at", "-id")
    if ROLE_RANK[role] < ROLE_RANK[Role.RESEARCHER]:
        rankings = rankings.filter(annotator_id=user.pk)
    return rankings


def review_queue(*, project_id: int) -> QuerySet[Ranking]:
    return (
        Ranking.objects.filter(project_id=project_id, review_status=Ranking.Review.OPEN)
        .select_related("prompt", "annotator")
        .order_by("created_at", "id")
    )


def annotator_progress(*, project: Project, annotator: User) -> dict[str, int]:
    """Counts for the workspace header, in two aggregate queries."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    mine = Ranking.objects.filter(project=project, annotator=annotator).aggregate(
        ranked=Count("id", filter=Q(kind=Ranking.Kind.RANKED)),
        ranked_today=Count("id", filter=Q(kind=Ranking.Kind.RANKED, created_at__gte=today)),
        skipped=Count("id", filter=Q(kind=Ranking.Kind.SKIPPED)),
        flagged=Count("id", filter=Q(kind=Ranking.Kind.FLAGGED)),
    )
    done_by_me = Ranking.objects.filter(prompt=OuterRef("pk"), annotator=annotator)
    items = Prompt.objects.filter(project=project, is_gold=False).aggregate(
        items_total=Count("id"),
        items_complete=Count("id", filter=Q(ranking_count__gte=project.raters_per_item)),
        remaining_for_me=Count(
            "id", filter=Q(claim_count__lt=project.raters_per_item) & ~Q(Exists(done_by_me))
        ),
    )
    return {**mine, **items}


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
