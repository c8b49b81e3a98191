from celery import shared_task
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from annotation.models import Project
from annotation.services.pairs import pairs_expand
from annotation.services.queue import assignments_expire


@shared_task(ignore_result=True, soft_time_limit=300, time_limit=360)
def sessions_clear_expired() -> int:
    """Delete expired browser sessions (the database session store never does it itself)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=180)
def leases_expire() -> int:
    """Give the slots of overdue leases back, so progress counts stay exact between
    requests ("next" also does this for its own project)."""
    now = timezone.now()
    freed = 0
    for project_id in Project.objects.values_list("id", flat=True).iterator():
        with transaction.atomic():
            freed += assignments_expire(project_id=project_id, now=now)
    return freed


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def pairs_expand_all() -> int:
    """Periodic: expand new and revised rankings of every project into pairs."""
    return sum(
        pairs_expand(project_id=project_id).pairs_added
        for project_id in Project.objects.values_list("id", flat=True).iterator()
    )


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def project_pairs_expand(project_id: int) -> int:
    """On demand, for one project."""
    return pairs_expand(project_id=project_id).pairs_added
