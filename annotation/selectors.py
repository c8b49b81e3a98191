"""Reads of the queue and the annotator's workspace: the completions of a lease, the
rankings a user may see, the review queue, progress, and the annotator's own history (what
they ranked, skipped or flagged, one such item reopened with their ranking of it, for the
history panel and "previous") and their preferences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    Func,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce, NullIf, Substr
from django.utils import timezone

from annotation.models import AnnotatorPreferences, Assignment, Completion, Prompt, Ranking
from config import sql
from projects.models import ROLE_RANK, Project, Role


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


def rankings_with_authors(*, project_id: int) -> QuerySet[Ranking]:
    """The project's rankings with their prompt and annotator (a review shows both)."""
    return Ranking.objects.select_related("prompt", "annotator").filter(project_id=project_id)


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


EXCERPT_CHARS = 200
HISTORY_FIELDS = [
    "id", "prompt_id", "kind", "revision", "skip_reason", "flag_reason", "created_at", "updated_at",
]  # fmt: skip


class _LastMessage(Func):
    """The content of a chat transcript's last message: what a chat item is named by."""

    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "(%(expressions)s -> -1 ->> 'content')"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "json_extract(%(expressions)s, '$[#-1].content')"
        return self.as_sql(compiler, connection, template=template, **extra)


def annotator_history(*, project_id: int, annotator_id: int) -> QuerySet[Ranking]:
    """The annotator's rankings, skips and flags in the project, newest first (by when the
    item was first done: a revision does not move it), each with ``excerpt``, the start of
    its prompt. One query a page, however long the prompts: the database cuts them."""
    prompt_text = Coalesce(NullIf("prompt__text", Value("")), _LastMessage("prompt__messages"))
    return (
        Ranking.objects.filter(project_id=project_id, annotator_id=annotator_id)
        .only(*HISTORY_FIELDS)
        .annotate(excerpt=Substr(Coalesce(prompt_text, Value("")), 1, EXCERPT_CHARS))
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class RankedItem:
    ranking: Ranking
    completions: list[Completion]


def annotator_ranked_item(
    *, project_id: int, annotator_id: int, prompt_id: int
) -> RankedItem | None:
    """An item of the annotator's history with their ranking (or skip, or flag) of it and
    its completions in the order they were shown them; None when they never had it.
    Two queries."""
    ranking = (
        Ranking.objects.filter(
            project_id=project_id, annotator_id=annotator_id, prompt_id=prompt_id
        )
        .select_related("prompt")
        .first()
    )
    if ranking is None:
        return None
    completions = list(Completion.objects.filter(prompt_id=prompt_id).order_by("position"))
    shown = {completion_id: index for index, completion_id in enumerate(ranking.display_order)}
    # Completions the stored order lacks (none, for work done in the workspace) go last.
    completions.sort(key=lambda c: shown.get(c.pk, len(shown)))
    return RankedItem(ranking=ranking, completions=completions)


def annotator_preferences(*, user: User) -> AnnotatorPreferences:
    """The user's workspace preferences: the defaults (unsaved) until they change one."""
    found = AnnotatorPreferences.objects.filter(user=user).first()
    return found if found is not None else AnnotatorPreferences(user=user)
