"""The layout's rules that import-linter cannot see (it counts an import inside a function
like any other): task modules are leaves, and the old task names still reach their tasks."""

# import-map: keep old names (/work/notes/import-map.sed must not rewrite them)

import ast
from pathlib import Path

import pytest

from config.celery import app

ROOT = Path(__file__).parents[1]
TASK_MODULES = ["projects", "annotation", "preferences", "dataset_versions"]


@pytest.mark.parametrize("app_label", TASK_MODULES)
def test_a_task_module_imports_its_services_only_inside_its_tasks(app_label):
    tree = ast.parse((ROOT / app_label / "tasks.py").read_text())
    top_level = [node.module or "" for node in tree.body if isinstance(node, ast.ImportFrom)]
    top_level += [
        alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names
    ]
    assert not [module for module in top_level if ".services" in module or ".models" in module]


OLD_NAMES = {
    "annotation.tasks.sessions_clear_expired": "projects.tasks.sessions_clear_expired",
    "annotation.tasks.pairs_expand_all": "preferences.tasks.pairs_expand_all",
    "annotation.tasks.project_pairs_expand": "preferences.tasks.project_pairs_expand",
    "annotation.tasks.consensus_update_all": "preferences.tasks.consensus_update_all",
    "annotation.tasks.dataset_version_build": "dataset_versions.tasks.dataset_version_build",
    "annotation.tasks.dataset_versions_fail_stale": (
        "dataset_versions.tasks.dataset_versions_fail_stale"
    ),
    "annotation.export_tasks.export_job_run": "dataset_versions.tasks.export_job_run",
    "annotation.import_tasks.import_job_run": "annotation.tasks.import_job_run",
    "annotation.import_tasks.import_jobs_fail_orphaned": (
        "annotation.tasks.import_jobs_fail_orphaned"
    ),
}


@pytest.mark.parametrize(("old", "new"), list(OLD_NAMES.items()))
def test_a_task_name_from_before_the_app_split_runs_the_same_task(old, new):
    app.loader.import_default_modules()
    alias, task = app.tasks[old], app.tasks[new]
    assert alias.run is task.run
    assert (alias.soft_time_limit, alias.time_limit) == (task.soft_time_limit, task.time_limit)
    assert alias.acks_late == task.acks_late


def test_the_beat_schedule_names_only_current_tasks():
    from django.conf import settings

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
        assert entry["task"] not in OLD_NAMES
