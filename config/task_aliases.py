"""Old Celery task names kept for one release after the app split (issue 18).

Messages queued before an upgrade, and beat rows written by hand, carry a task's old name
(``annotation.tasks.pairs_expand_all``); a worker that no longer knows it would drop them.
Each app's ``tasks`` module registers its old names through ``task_alias``: the same function
under the old name, with the same limits and acknowledgement policy. Remove after the next
release (annotation's migration 0012 renamed the beat rows stored in the database).
"""

# import-map: keep old names (/work/notes/import-map.sed must not rewrite them)

from __future__ import annotations

from typing import Any

from celery import Task, shared_task


def task_alias(task: Any, old_name: str) -> Task[Any, Any]:
    """Register ``task``'s function under ``old_name`` too, with the same options."""
    options = {
        "name": old_name,
        "ignore_result": task.ignore_result,
        "acks_late": task.acks_late,
        "soft_time_limit": task.soft_time_limit,
        "time_limit": task.time_limit,
    }
    return shared_task(**options)(task.run)
