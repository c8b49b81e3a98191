"""Selectors for the annotator's workspace, besides the queue: their own history (what
they ranked, skipped or flagged, and one such item reopened with their ranking of it, for
the history panel and "previous") and their preferences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Func, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, NullIf, Substr

from annotation.models import AnnotatorPreferences, Completion, Ranking

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
