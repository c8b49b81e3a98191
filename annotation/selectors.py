from __future__ import annotations

import functools
from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from annotation.models import (
    ROLE_RANK,
    Assignment,
    Completion,
    Membership,
    Project,
    Prompt,
    Ranking,
    RankingPair,
    Role,
)
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


def items_of_project(*, project_id: int) -> QuerySet[Prompt]:
    return (
        Prompt.objects.filter(project_id=project_id).prefetch_related("completions").order_by("id")
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
