"""Celery tasks of the projects app. Tasks are leaves: each imports its work inside its body,
so services may import the task module to enqueue (on commit) without an import cycle."""

from celery import shared_task

from config.task_aliases import task_alias


@shared_task(ignore_result=True, soft_time_limit=300, time_limit=360)
def sessions_clear_expired() -> int:
    """Delete expired browser sessions (the database session store never does it itself)."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


# The names these tasks had before the app split, for one release (config/task_aliases.py).
task_alias(sessions_clear_expired, "annotation.tasks.sessions_clear_expired")
