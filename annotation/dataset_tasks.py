"""Celery tasks for consensus (to be merged into tasks.py by the lead)."""

from celery import shared_task

from annotation.models import Project
from annotation.services.consensus_store import consensus_update


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def consensus_update_all() -> int:
    """Periodic: recompute the consensus of every prompt whose rankings changed."""
    return sum(
        consensus_update(project_id=project_id)
        for project_id in Project.objects.values_list("id", flat=True).iterator()
    )
