"""Celery tasks of the preferences app: pair expansion and consensus, periodic and on demand.
Tasks are leaves: each imports its service inside its body."""

from celery import shared_task

from config.task_aliases import task_alias


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def pairs_expand_all() -> int:
    """Periodic: expand new and revised rankings of every project into pairs."""
    from preferences.services.pairs import pairs_expand_all as expand_all

    return expand_all()


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def project_pairs_expand(project_id: int) -> int:
    """On demand, for one project."""
    from preferences.services.pairs import pairs_expand

    return pairs_expand(project_id=project_id).pairs_added


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def consensus_update_all() -> int:
    """Periodic: recompute the consensus of every prompt whose rankings changed."""
    from preferences.services.consensus_store import consensus_update_all as update_all

    return update_all()


# The names these tasks had before the app split, for one release (config/task_aliases.py).
task_alias(pairs_expand_all, "annotation.tasks.pairs_expand_all")
task_alias(project_pairs_expand, "annotation.tasks.project_pairs_expand")
task_alias(consensus_update_all, "annotation.tasks.consensus_update_all")
