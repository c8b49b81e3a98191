from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.log import get_task_logger
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from annotation.services import datasets
from annotation.services.consensus_store import consensus_update
from annotation.services.pairs import pairs_expand
from annotation.services.periodic import projects_each
from annotation.services.queue import assignments_expire

logger = get_task_logger(__name__)


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

    def expire(project_id: int) -> int:
        with transaction.atomic():
            return assignments_expire(project_id=project_id, now=now)

    return sum(projects_each(expire, job="lease expiry").done.values())


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def pairs_expand_all() -> int:
    """Periodic: expand new and revised rankings of every project into pairs."""
    expanded = projects_each(
        lambda project_id: pairs_expand(project_id=project_id).pairs_added, job="pairs expansion"
    )
    return sum(expanded.done.values())


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def project_pairs_expand(project_id: int) -> int:
    """On demand, for one project."""
    return pairs_expand(project_id=project_id).pairs_added


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def consensus_update_all() -> int:
    """Periodic: recompute the consensus of every prompt whose rankings changed."""
    updated = projects_each(
        lambda project_id: consensus_update(project_id=project_id), job="consensus update"
    )
    return sum(updated.done.values())


BUILD_SECONDS = int(datasets.BUILD_TIME_LIMIT.total_seconds())


# acks_late: a worker killed mid-build has its transaction rolled back and the build is
# delivered again; a version that no build finishes is failed by dataset_versions_fail_stale.
@shared_task(
    ignore_result=True,
    acks_late=True,
    soft_time_limit=BUILD_SECONDS - 120,
    time_limit=BUILD_SECONDS,
)
def dataset_version_build(version_id: int) -> str:
    """Build one dataset version, queued once its row is committed; a build that raises
    leaves the version failed, with the error for the API to show."""
    try:
        return datasets.dataset_version_build(version_id=version_id).status
    except SoftTimeLimitExceeded:
        error = f"The build ran past its time limit ({(BUILD_SECONDS - 120) // 60} minutes)."
    except Exception as exc:
        logger.exception("Dataset version %s failed to build", version_id)
        error = datasets.error_text(exc)
    datasets.dataset_version_fail(version_id=version_id, error=error)
    return "failed"


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=180)
def dataset_versions_fail_stale() -> int:
    """Periodic: fail the versions left building longer than any build may run."""
    return datasets.dataset_versions_fail_stale()
