"""Helpers of the items_import tests: a JSONL body, an import run or refusal, what is stored."""

import io
import json

import pytest

from annotation.models import Completion
from annotation.services.imports import ImportInvalid, items_import
from annotation.services.queue import assignment_next
from annotation.services.rankings import ranking_submit
from projects.models import Role


def jsonl(records: list) -> bytes:
    return b"".join(
        (r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records
    )


def run(project, content: bytes, name: str = "items.jsonl", **options):
    return items_import(project=project, file=io.BytesIO(content), file_name=name, **options)


def refusal(project, content: bytes, name: str = "items.jsonl", **options) -> ImportInvalid:
    with pytest.raises(ImportInvalid) as caught:
        run(project, content, name, **options)
    return caught.value


def stored(project) -> dict:
    """external_id -> [(position, text, model_name)] for the project's prompts."""
    out: dict = {}
    for c in Completion.objects.filter(prompt__project=project).select_related("prompt"):
        out.setdefault(c.prompt.external_id, []).append((c.position, c.text, c.model_name))
    return {key: sorted(value) for key, value in out.items()}


def rank_it(project, member):
    """An annotator takes the project's next item and ranks it in display order."""
    annotator = member(Role.ANNOTATOR)
    assignment = assignment_next(project=project, annotator=annotator)
    ranking_submit(
        project=project,
        annotator=annotator,
        prompt_id=assignment.prompt_id,
        tiers=[[i] for i in assignment.display_order],
    )
