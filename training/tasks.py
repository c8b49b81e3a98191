"""Celery tasks of the training side. The run itself and the model feedback need a GPU
worker (``training`` queue, see CELERY_TASK_ROUTES); the periodic checks run anywhere.

Tasks are leaves: each imports its service inside its body, so services can import the
tasks they enqueue (on commit) at module level without an import cycle."""

from celery import shared_task
from celery.utils.log import get_task_logger

logger = get_task_logger(__name__)


# A week, not the default 15 minutes: a run takes as long as its data. A run whose worker
# dies is not sent again by the broker; the heartbeat check marks it stalled (resumable).
@shared_task(
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=False,
    soft_time_limit=7 * 24 * 3600,
    time_limit=7 * 24 * 3600 + 600,
)
def training_run_execute(run_id: int) -> str:
    from training.services import execute

    status = execute.training_run_execute(run_id=run_id)
    logger.info("training run %s: %s", run_id, status)
    return status


@shared_task(ignore_result=True, soft_time_limit=1800, time_limit=1900)
def model_feedback_refresh(model_id: int) -> None:
    from training.selectors import model_version_with_project
    from training.services import feedback

    model = model_version_with_project(model_id=model_id)
    if model is None or not model.is_active:
        return
    found = feedback.model_feedback_refresh(model=model)
    logger.info(
        "model %s: %s disputes, %s items re-prioritised", model_id, *found.__dict__.values()
    )


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def training_runs_check() -> int:
    """Beat: stalled runs (no heartbeat) and queued runs whose message was lost."""
    from training.services import runs

    return runs.training_runs_check()


@shared_task(ignore_result=True, soft_time_limit=1800, time_limit=1900)
def training_retrain_due() -> int:
    """Beat: periodic retraining where a project's rule says it is time."""
    from training.services import retrain

    return len(retrain.retrain_due())
