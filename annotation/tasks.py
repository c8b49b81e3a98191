"""Celery tasks of the annotation app: lease expiry and import jobs. Tasks are leaves: each
imports its service inside its body, so services may import this module to enqueue (on
commit) without an import cycle."""

from celery import shared_task

from config.task_aliases import task_alias

# An hour covers the largest file an import accepts; a job past it is stopped and fails.
IMPORT_SOFT_SECONDS = 60 * 60


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=180)
def leases_expire() -> int:
    """Give the slots of overdue leases back, so progress counts stay exact between
    requests ("next" also does this for its own project)."""
    from annotation.services.queue import assignments_expire_all

    return assignments_expire_all()


# acks_late: a worker lost before it claimed the job hands the task on. Once claimed, a job is
# never run again: a worker that dies mid-import leaves it to import_jobs_fail_orphaned.
@shared_task(
    ignore_result=True,
    acks_late=True,
    soft_time_limit=IMPORT_SOFT_SECONDS,
    time_limit=IMPORT_SOFT_SECONDS + 5 * 60,
)
def import_job_run(job_id: int) -> str:
    from annotation.services.import_jobs import import_job_execute

    return import_job_execute(job_id=job_id)


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def import_jobs_fail_orphaned() -> int:
    """Periodic: fail the running jobs whose worker died (nothing of theirs was stored)."""
    from annotation.services.import_jobs import import_jobs_fail_orphaned as fail_orphaned

    return fail_orphaned()


# The names these tasks had before the app split, for one release (config/task_aliases.py).
task_alias(import_job_run, "annotation.import_tasks.import_job_run")
task_alias(import_jobs_fail_orphaned, "annotation.import_tasks.import_jobs_fail_orphaned")
