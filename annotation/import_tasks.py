"""Celery tasks of import jobs (the work is in ``services.import_jobs``)."""

from celery import shared_task

from annotation.services import import_jobs

# An hour covers the largest file an import accepts; a job past it is stopped and fails.
IMPORT_SOFT_SECONDS = 60 * 60


# acks_late: a worker lost before it claimed the job hands the task on. Once claimed, a job is
# never run again: a worker that dies mid-import leaves it to import_jobs_fail_orphaned.
@shared_task(
    ignore_result=True,
    acks_late=True,
    soft_time_limit=IMPORT_SOFT_SECONDS,
    time_limit=IMPORT_SOFT_SECONDS + 5 * 60,
)
def import_job_run(job_id: int) -> str:
    return import_jobs.import_job_execute(job_id=job_id)


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def import_jobs_fail_orphaned() -> int:
    """Periodic: fail the running jobs whose worker died (nothing of theirs was stored)."""
    return import_jobs.import_jobs_fail_orphaned()
