"""Celery task that runs an export job (the work is in ``services.exports``)."""

from celery import shared_task

from annotation.models import ExportJob
from annotation.services.exports import export_run


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=30 * 60, time_limit=35 * 60)
def export_job_run(job_id: int, split: str | None = None) -> str:
    job = ExportJob.objects.select_related("version__project").filter(pk=job_id).first()
    if job is None or job.status == ExportJob.Status.SUCCEEDED:
        return "skipped"  # deleted meanwhile, or a redelivery of a finished job
    return export_run(job=job, split=split).status
