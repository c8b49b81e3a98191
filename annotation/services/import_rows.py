"""The rows an import writes, in bulk: COPY on PostgreSQL (bulk_create in the embedded SQLite
mode), with the rankings that imported preference pairs carry."""

from __future__ import annotations

import json
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import JSONField, Model

from annotation.formats import ImportItem
from annotation.models import Completion, Prompt, Ranking

PROMPT_FIELDS = [
    "text", "messages", "metadata", "gold_ranking", "is_gold", "completions_hash",
    "awaiting_completions",
]  # fmt: skip
PROMPT_COLUMNS = ("project_id", "external_id", *PROMPT_FIELDS)
COMPLETION_COLUMNS = ("prompt_id", "position", "text", "model_name", "metadata")
RANKING_COLUMNS = ("project_id", "prompt_id", "annotator_id", "import_source", "kind", "tiers")


def prompt_row(project_id: int, item: ImportItem) -> tuple[Any, ...]:
    return (
        project_id,
        item.external_id,
        item.text,
        item.messages,
        item.metadata,
        item.gold_ranking,
        item.gold_ranking is not None,
        item.completions_hash,
        not item.completions,
    )


def pair_rankings_create(
    *, project_id: int, source: str, placed: list[tuple[int, int, int]], unranked: list[Prompt]
) -> int:
    """Record each pair's preference: completion 0 (chosen) over completion 1 (rejected).

    ``placed`` holds the batch's new completions as (id, prompt id, position); the
    completions of ``unranked`` prompts are already stored.
    """
    if unranked:
        stored = Completion.objects.filter(prompt__in=unranked).values_list(
            "id", "prompt_id", "position"
        )
        placed = [*placed, *stored]
    pairs: dict[int, list[int]] = {}
    for completion_id, prompt_id, position in placed:
        pairs.setdefault(prompt_id, [0, 0])[position] = completion_id
    rows = [
        (project_id, prompt_id, None, source, Ranking.Kind.RANKED.value, [[chosen], [rejected]])
        for prompt_id, (chosen, rejected) in pairs.items()
    ]
    rows_create(Ranking, RANKING_COLUMNS, rows)
    return len(rows)


def rows_create(
    model: type[Model], columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> list[int]:
    """Insert ``rows``, values of ``columns``, into ``model``'s table; their ids, in order."""
    if not rows:
        return []
    if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
        return _copy_create(model, columns, rows)
    # The embedded SQLite mode: small imports, plain bulk_create (which returns ids there).
    created = model._default_manager.bulk_create(
        model(**dict(zip(columns, row, strict=True))) for row in rows
    )
    return [obj.pk for obj in created]


def _copy_create(
    model: type[Model], columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> list[int]:
    """PostgreSQL's COPY: several times faster than INSERT for long texts.

    COPY returns no ids, so they are reserved from the table's sequence first. Every column
    not in ``columns`` gets what a new instance would get (its default, ``auto_now``'s
    time), computed once for all rows: a field added to the model needs no change here.
    """
    db = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    json_at = [i for i, c in enumerate(columns) if isinstance(meta.get_field(c), JSONField)]
    others = [f for f in meta.concrete_fields if f.attname not in columns and not f.primary_key]
    template = model()
    constants = tuple(f.get_db_prep_save(f.pre_save(template, True), db) for f in others)
    quote = db.ops.quote_name
    names = ", ".join(map(quote, (meta.pk.column, *columns, *(f.column for f in others))))
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        with cursor.copy(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                values = [pk, *row, *constants]
                for i in json_at:
                    values[i + 1] = _json(values[i + 1])
                copy.write_row(values)
    return ids


def _json(value: Any) -> str | None:
    if value is None:
        return None
    # Most completions carry no metadata: skip the encoder for the common case.
    return "{}" if value == {} else json.dumps(value, ensure_ascii=False)
