"""Beat work that goes over the projects: one project at a time, each on its own, so that
one project's failure costs that project's turn and nothing more."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from celery.exceptions import SoftTimeLimitExceeded

from projects.models import Project

logger = logging.getLogger(__name__)

Result = TypeVar("Result")


@dataclass
class Tally(Generic[Result]):
    """What each project's turn gave, by project id, and the projects that failed."""

    done: dict[int, Result] = field(default_factory=dict)
    failed: list[int] = field(default_factory=list)


def projects_each(
    work: Callable[[int], Result], *, job: str, project_ids: Iterable[int] | None = None
) -> Tally[Result]:
    """Call ``work(project_id)`` for every project (or those of ``project_ids``), in id
    order. ``work`` commits or rolls back on its own (the services it calls are atomic), so
    a project that raises has undone only its own changes: it is logged with its id and
    the next project goes on. A soft time limit is the whole task's, and ends the loop."""
    ids = Project.objects.order_by("pk").values_list("pk", flat=True)
    tally: Tally[Result] = Tally()
    for project_id in list(ids if project_ids is None else project_ids):
        try:
            tally.done[project_id] = work(project_id)
        except SoftTimeLimitExceeded:
            raise
        except Exception:
            logger.exception("%s failed for project %s", job, project_id)
            tally.failed.append(project_id)
    logger.log(
        logging.WARNING if tally.failed else logging.INFO,
        "%s: %s projects done, %s failed%s",
        job,
        len(tally.done),
        len(tally.failed),
        f" ({', '.join(map(str, tally.failed))})" if tally.failed else "",
    )
    return tally
