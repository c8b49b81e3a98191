"""Import prompts with their completions (or preference pairs) from a file into a project.

The file is streamed: records are validated one by one and written in batches, with one
query per batch to find the ids that already exist and set-based writes for the rest, so
memory stays flat however long the file is. The whole import is one transaction: unless
``skip_invalid`` is given, one bad record means nothing is stored. A ``progress`` callback
hears the counts as the import goes; whatever it raises (a cancel) rolls the import back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import IO

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count, Q
from django.utils import timezone

from annotation.formats import (
    FileProblem,
    FileType,
    ImportItem,
    RawRecord,
    RecordInvalid,
    RecordKind,
    file_type_of,
    record_kind,
    record_parse,
    records_read,
)
from annotation.models import Assignment, Completion, Prompt, Ranking
from annotation.services.import_rows import (
    COMPLETION_COLUMNS,
    PROMPT_COLUMNS,
    PROMPT_FIELDS,
    pair_rankings_create,
    prompt_row,
    rows_create,
)
from projects.models import Project

BATCH_SIZE = 2000
MAX_LISTED_ERRORS = 100
MAX_SOURCE_LENGTH = 200  # Ranking.import_source
IMPORT_LOCK = 0x5257494D  # "RWIM": the advisory-lock namespace of imports, keyed by project


class ImportInvalid(ValidationError):
    """The file was refused; nothing was stored. ``errors`` lists at most the first 100."""

    def __init__(self, errors: list[str], total: int) -> None:
        super().__init__({"file": errors})
        self.errors = errors
        self.total = total


@dataclass
class ImportReport:
    file_format: str
    kind: str
    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    rankings_created: int = 0
    elapsed_seconds: float = 0.0


@dataclass(frozen=True)
class ImportProgress:
    read: int  # records read from the file
    stored: int  # records created, updated or found unchanged (stored once the import commits)
    rejected: int  # invalid records


Progress = Callable[[ImportProgress], None]


def _no_progress(progress: ImportProgress) -> None:
    return None


@dataclass
class _Run:
    """What one import has seen so far."""

    project: Project
    report: ImportReport
    skip_invalid: bool
    progress: Progress
    progress_every: int
    kind: RecordKind | None = None
    first_seen: dict[str, str] = field(default_factory=dict)
    read: int = 0

    @property
    def writing(self) -> bool:
        # Without skip_invalid the first error dooms the transaction: validate on, write no more.
        return self.skip_invalid or not self.report.skipped

    def reject(self, where: str, message: str) -> None:
        self.report.skipped += 1
        if len(self.report.errors) < MAX_LISTED_ERRORS:
            self.report.errors.append(f"{where}: {message}")

    def record_read(self) -> None:
        self.read += 1
        if self.read % self.progress_every == 0:
            self.tell()

    def tell(self) -> None:
        report = self.report
        stored = report.created + report.updated + report.unchanged
        self.progress(ImportProgress(read=self.read, stored=stored, rejected=report.skipped))


def items_import(
    *,
    project: Project,
    file: IO[bytes],
    file_name: str,
    skip_invalid: bool = False,
    source: str | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Progress = _no_progress,
) -> ImportReport:
    """Import the items (or preference pairs) in ``file``, whose format ``file_name`` names.

    Raises ``ImportInvalid`` when the file cannot be read, is empty, or (without
    ``skip_invalid``) holds any invalid record; nothing is stored then. ``progress`` is
    called every ``batch_size`` records and once at the end, inside the import's transaction.
    """
    started = time.monotonic()
    file_type = import_file_type(file_name)
    run = _Run(
        project=project,
        report=ImportReport(file_type.format, "", import_source_name(source, file_type)),
        skip_invalid=skip_invalid,
        progress=progress,
        progress_every=batch_size,
    )
    with transaction.atomic():
        _imports_serialize(project)
        _import_stream(run, file, file_type, batch_size)
        run.tell()
        if run.kind is None:
            raise ImportInvalid(["The file holds no records."], 1)
        if run.report.skipped and not skip_invalid:
            raise ImportInvalid(run.report.errors, run.report.skipped)
    run.report.elapsed_seconds = round(time.monotonic() - started, 3)
    return run.report


def _imports_serialize(project: Project) -> None:
    """Let one import at a time write into a project.

    Two imports of the same ids would otherwise both see them as new and the later one
    would fail on the unique index. (SQLite, the embedded mode, serialises every writer.)
    """
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [IMPORT_LOCK, project.pk])


def import_file_type(file_name: str) -> FileType:
    """The format ``file_name`` names; ``ImportInvalid`` when it names none."""
    try:
        return file_type_of(file_name)
    except FileProblem as exc:
        raise ImportInvalid([str(exc)], 1) from exc


def import_source_name(source: str | None, file_type: FileType) -> str:
    """The name a pairs file's rankings get; ``ImportInvalid`` when ``source`` is unusable."""
    if source is None:
        return (file_type.stem or "import")[:MAX_SOURCE_LENGTH]
    if not source.strip() or len(source) > MAX_SOURCE_LENGTH:
        raise ImportInvalid([f"source: Give a name of 1 to {MAX_SOURCE_LENGTH} characters."], 1)
    return source


def _import_stream(run: _Run, file: IO[bytes], file_type: FileType, batch_size: int) -> None:
    items = _valid_items(run, records_read(file, file_type, rows=batch_size))
    try:
        for batch in _batches(items, batch_size):
            _batch_import(run, batch)
    except FileProblem as exc:
        raise ImportInvalid([str(exc)], 1) from exc


def _batches(items: Iterable[ImportItem], size: int) -> Iterator[list[ImportItem]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _valid_items(run: _Run, records: Iterable[RawRecord]) -> Iterator[ImportItem]:
    for record in records:
        run.record_read()
        if record.data is None:
            run.reject(record.named, record.error or "Unreadable record.")
            continue
        if run.kind is None:
            run.kind = record_kind(record.data)
            run.report.kind = run.kind
        try:
            item = record_parse(record.named, record.data, run.kind)
        except RecordInvalid as exc:
            run.reject(record.named, str(exc))
            continue
        if _first_sighting(run, item, record.where):
            yield item
    if run.kind is None and run.report.skipped:
        # Not one record could be read: still a file of items, just a broken one.
        run.kind = RecordKind.ITEMS


def _first_sighting(run: _Run, item: ImportItem, where: str) -> bool:
    first = run.first_seen.setdefault(item.external_id, where)
    if first != where:
        run.reject(item.where, f"id: {item.external_id!r} was already used on {first}.")
        return False
    return True


# --- one batch --------------------------------------------------------------------------


@dataclass
class _Stored:
    """What the database already holds for a batch's ids."""

    prompts: dict[str, Prompt]
    # For prompts whose completions would change: their (rankings, live leases).
    holds: dict[int, tuple[int, int]]
    # Prompts that already carry this source's imported ranking.
    source_ranked: set[int]


@dataclass
class _Plan:
    """What a batch will write."""

    create: list[ImportItem] = field(default_factory=list)
    update: list[tuple[Prompt, ImportItem]] = field(default_factory=list)
    replace: list[tuple[Prompt, ImportItem]] = field(default_factory=list)
    # Stored pairs with unchanged completions that still lack this source's ranking.
    rank: list[Prompt] = field(default_factory=list)


def _batch_import(run: _Run, batch: list[ImportItem]) -> None:
    stored = _stored_for(run, batch)
    plan = _Plan()
    for item in batch:
        _plan_item(run, plan, item, stored)
    if run.writing:
        _plan_write(run, plan)


def _stored_for(run: _Run, batch: list[ImportItem]) -> _Stored:
    """One query finds the batch's stored prompts; the others run only when needed."""
    prompts = Prompt.objects.filter(
        project=run.project, external_id__in=[item.external_id for item in batch]
    ).only(
        "external_id", "text", "messages", "metadata", "gold_ranking", "completions_hash",
        "awaiting_completions",
    )  # fmt: skip
    stored = _Stored({prompt.external_id: prompt for prompt in prompts}, {}, set())
    changing = [
        prompt.pk
        for item in batch
        if (prompt := stored.prompts.get(item.external_id))
        and item.completions
        and prompt.completions_hash != item.completions_hash
    ]
    if changing:
        stored.holds = _holds(prompt_ids=changing)
    if run.kind is RecordKind.PAIRS and stored.prompts:
        stored.source_ranked = set(
            Ranking.objects.filter(
                prompt__in=stored.prompts.values(),
                annotator=None,
                import_source=run.report.source,
            ).values_list("prompt_id", flat=True)
        )
    return stored


def _holds(*, prompt_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Rankings and live leases per prompt: either one pins the prompt's completions."""
    # Lock first, count second: a lease taken between the two could otherwise end up
    # pointing at completions this import is about to replace.
    list(Prompt.objects.select_for_update().filter(pk__in=prompt_ids).values_list("pk"))
    live = Q(assignments__status=Assignment.Status.ACTIVE) & Q(
        assignments__expires_at__gt=timezone.now()
    )
    rows = (
        Prompt.objects.filter(pk__in=prompt_ids)
        .annotate(
            n_rankings=Count("rankings", distinct=True),
            n_leases=Count("assignments", filter=live, distinct=True),
        )
        .values_list("pk", "n_rankings", "n_leases")
    )
    return {pk: (rankings, leases) for pk, rankings, leases in rows}


def _plan_item(run: _Run, plan: _Plan, item: ImportItem, stored: _Stored) -> None:
    report = run.report
    prompt = stored.prompts.get(item.external_id)
    if prompt is None:
        report.created += 1
        plan.create.append(item)
    elif item.completions and prompt.completions_hash != item.completions_hash:
        refusal = _change_refusal(item, *stored.holds.get(prompt.pk, (0, 0)))
        if refusal:
            run.reject(item.where, refusal)
            return
        report.updated += 1
        plan.replace.append((prompt, item))
    else:
        if _same_prompt(prompt, item):
            report.unchanged += 1
        else:
            report.updated += 1
            plan.update.append((prompt, item))
        if item.is_pair and prompt.pk not in stored.source_ranked:
            plan.rank.append(prompt)


def _change_refusal(item: ImportItem, rankings: int, leases: int) -> str | None:
    """Why a stored prompt's completions may not be replaced: something points at them."""
    name = repr(item.external_id)
    if rankings:
        counted = f"{rankings} ranking{'s' if rankings > 1 else ''}"
        return (
            f"completions: item {name} already has {counted}; its completions cannot change. "
            "Import it under a new id."
        )
    if leases:
        return (
            f"completions: item {name} is being ranked right now; its completions cannot "
            "change while an annotator holds it."
        )
    return None


def _same_prompt(prompt: Prompt, item: ImportItem) -> bool:
    return (
        prompt.text == item.text
        and prompt.messages == item.messages
        and prompt.metadata == item.metadata
        and prompt.gold_ranking == item.gold_ranking
    )


def _prompt_fill(prompt: Prompt, item: ImportItem) -> Prompt:
    prompt.text = item.text
    prompt.messages = item.messages
    prompt.metadata = item.metadata
    prompt.gold_ranking = item.gold_ranking
    prompt.is_gold = item.gold_ranking is not None
    # A prompt-only record leaves the stored (perhaps generated) completions as they are.
    if item.completions:
        prompt.completions_hash = item.completions_hash
        prompt.awaiting_completions = False
    return prompt


# --- writes -----------------------------------------------------------------------------


def _plan_write(run: _Run, plan: _Plan) -> None:
    prompt_ids = rows_create(
        Prompt, PROMPT_COLUMNS, [prompt_row(run.project.pk, item) for item in plan.create]
    )
    changed = [_prompt_fill(p, item) for p, item in [*plan.update, *plan.replace]]
    if changed:
        Prompt.objects.bulk_update(changed, PROMPT_FIELDS, batch_size=500)
    if plan.replace:
        Completion.objects.filter(prompt__in=[p for p, _ in plan.replace]).delete()
    written = [*zip(prompt_ids, plan.create, strict=True)]
    written += [(prompt.pk, item) for prompt, item in plan.replace]
    completions = [
        (prompt_id, position, c.text, c.model, c.metadata)
        for prompt_id, item in written
        for position, c in enumerate(item.completions)
    ]
    completion_ids = rows_create(Completion, COMPLETION_COLUMNS, completions)
    if run.kind is RecordKind.PAIRS:
        placed = [(pk, row[0], row[1]) for pk, row in zip(completion_ids, completions, strict=True)]
        run.report.rankings_created += pair_rankings_create(
            project_id=run.project.pk, source=run.report.source, placed=placed, unranked=plan.rank
        )
