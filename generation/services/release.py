"""Prompts whose generated samples are all in become items of the annotation queue.

Their samples become Completions (the generator's name as the model name); exact
duplicates within a prompt are collapsed into the first (ranking identical texts is
wasted work) and counted. A prompt with a sample still pending or failed stays out of
the queue, visible as awaiting; so does one left with fewer than two distinct texts.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import Model

from annotation.formats import CompletionIn, completions_hash
from annotation.models import Completion, Prompt
from generation.models import GenerationSample

MIN_DISTINCT = 2


@transaction.atomic
def prompts_release(*, prompt_ids: list[int]) -> tuple[int, int]:
    """Release the ready ones of ``prompt_ids``: (prompts released, duplicates collapsed)."""
    S = GenerationSample.Status
    blocked = set(
        GenerationSample.objects.filter(
            prompt_id__in=prompt_ids, status__in=[S.PENDING, S.FAILED]
        ).values_list("prompt_id", flat=True)
    )
    candidates = [pk for pk in prompt_ids if pk not in blocked]
    if not candidates:
        return 0, 0
    # In id order, like every other writer of prompt rows: no deadlock with the queue.
    prompts = list(
        Prompt.objects.select_for_update()
        .filter(pk__in=candidates, awaiting_completions=True)
        .order_by("pk")
        .only("id", "completions_hash", "awaiting_completions")
    )
    if not prompts:
        return 0, 0
    ready = [p.pk for p in prompts]
    samples = list(
        GenerationSample.objects.filter(prompt_id__in=ready, status=S.DONE, completion=None)
        .select_related("generator")
        .order_by("prompt_id", "generator__name", "sample_index")
    )
    completions: dict[int, list[Completion]] = {pk: [] for pk in ready}
    for completion in Completion.objects.filter(prompt_id__in=ready).order_by("position"):
        completions[completion.prompt_id].append(completion)
    new, duplicates = _completions_plan(samples, completions)
    Completion.objects.bulk_create(new)
    for sample in samples:
        if sample.completion is not None:
            sample.completion_id = sample.completion.pk
        if sample.duplicate_of is not None:
            sample.duplicate_of_id = sample.duplicate_of.pk
    _rows_update(
        GenerationSample,
        samples,
        {"status": "text", "completion_id": "bigint", "duplicate_of_id": "bigint"},
    )
    released = []
    for prompt in prompts:
        kept = completions[prompt.pk]
        if len({c.text for c in kept}) < MIN_DISTINCT:
            continue
        prompt.awaiting_completions = False
        prompt.completions_hash = completions_hash(
            [CompletionIn(text=c.text, model=c.model_name, metadata=c.metadata) for c in kept]
        )
        released.append(prompt)
    _rows_update(Prompt, released, {"awaiting_completions": "boolean", "completions_hash": "text"})
    return len(released), duplicates


def _rows_update(model: type[Model], rows: Sequence[Model], columns: dict[str, str]) -> None:
    """One UPDATE … FROM unnest(…) for all ``rows`` (PostgreSQL): Django's bulk_update
    writes a CASE per column and row, which took most of a job's time (benchmarks)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        fields = [name.removesuffix("_id") for name in columns]
        model._default_manager.bulk_update(rows, fields)
        return
    names = list(columns)
    unnest = ", ".join(f"%s::{kind}[]" for kind in columns.values())
    assign = ", ".join(f"{name} = v.{name}" for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {model._meta.db_table} t SET {assign} "
            f"FROM unnest(%s::bigint[], {unnest}) AS v(id, {', '.join(names)}) WHERE t.id = v.id",
            [[row.pk for row in rows], *([getattr(row, n) for row in rows] for n in names)],
        )


def _completions_plan(
    samples: list[GenerationSample], completions: dict[int, list[Completion]]
) -> tuple[list[Completion], int]:
    """The new completions (appended to ``completions``) and how many samples collapsed."""
    seen = {pk: {c.text: c for c in kept} for pk, kept in completions.items()}
    new: list[Completion] = []
    duplicates = 0
    for sample in samples:
        kept = completions[sample.prompt_id]
        same = seen[sample.prompt_id].get(sample.text)
        if same is not None:
            sample.status, sample.duplicate_of = GenerationSample.Status.DUPLICATE, same
            duplicates += 1
            continue
        position = kept[-1].position + 1 if kept else 0
        completion = Completion(
            prompt_id=sample.prompt_id,
            position=position,
            text=sample.text,
            model_name=sample.generator.name,
        )
        kept.append(completion)
        seen[sample.prompt_id][sample.text] = completion
        new.append(completion)
        sample.completion = completion
    return new, duplicates
