"""Celery task of generation jobs (the work is in ``services.execute``). A job with a
local model is sent to the ``generation`` queue (a GPU worker), any other to ``default``."""

from celery import shared_task
from celery.utils.log import get_task_logger

from generation.services import execute

logger = get_task_logger(__name__)


# A job takes as long as its prompts. A worker lost mid-job leaves it running without a
# heartbeat; beat (generation_jobs_check) or a resume (API) queues it again and its pending
# samples are asked for anew.
@shared_task(
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=False,
    soft_time_limit=7 * 24 * 3600,
    time_limit=7 * 24 * 3600 + 600,
)
def generation_job_run(job_id: int) -> str:
    status = execute.generation_job_execute(job_id=job_id)
    logger.info("generation job %s: %s", job_id, status)
    return status


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def generation_jobs_check() -> tuple[int, int]:
    """Beat: jobs whose worker was lost are resumed (a bounded number of times), queued
    jobs whose message was lost are sent again."""
    from generation.services import jobs

    lost, resent = jobs.generation_jobs_check()
    if lost or resent:
        logger.warning("generation jobs: %s lost their worker, %s sent again", lost, resent)
    return lost, resent
