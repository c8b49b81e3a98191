"""Celery tasks of the dataset versions app: builds and exports. Tasks are leaves: each
imports its service inside its body, so the services import this module to enqueue (on
commit) without an import cycle."""

from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.log import get_task_logger

from config.task_aliases import task_alias

logger = get_task_logger(__name__)

# Longer than any build may run: a version still building after it is failed as stale.
BUILD_TIME_LIMIT = timedelta(minutes=30)
BUILD_SECONDS = int(BUILD_TIME_LIMIT.total_seconds())


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
    from dataset_versions.services import datasets

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
    from dataset_versions.services.datasets import dataset_versions_fail_stale as fail_stale

    return fail_stale()


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=30 * 60, time_limit=35 * 60)
def export_job_run(job_id: int, split: str | None = None) -> str:
    from dataset_versions.services.exports import export_job_run as run

    return run(job_id=job_id, split=split)


# The names these tasks had before the app split, for one release (config/task_aliases.py).
task_alias(dataset_version_build, "annotation.tasks.dataset_version_build")
task_alias(dataset_versions_fail_stale, "annotation.tasks.dataset_versions_fail_stale")
task_alias(export_job_run, "annotation.export_tasks.export_job_run")
