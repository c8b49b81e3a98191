from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(ignore_result=True, soft_time_limit=300, time_limit=360)
def sessions_clear_expired() -> int:
    """Delete expired browser sessions (the database session store never does it itself)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
