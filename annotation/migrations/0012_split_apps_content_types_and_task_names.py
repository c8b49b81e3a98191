"""The app split (issue 18), data: content types and beat schedule rows follow the moves.

A moved model's content type changes app_label, so its permissions (and whoever holds them)
and the admin's log entries follow it. Where the new content type already exists (post_migrate
created it, empty, before this ran), its permissions and log entries are merged into the old
one, which then takes its place. Beat rows stored in the database (django-celery-beat's
DatabaseScheduler) are renamed to the new task names; the old names stay registered as
aliases for one release (config/task_aliases.py), for messages already queued.
"""

from django.db import migrations
from django.utils import timezone

MOVED = {
    "project": "projects",
    "membership": "projects",
    "rankingexpansion": "preferences",
    "rankingpair": "preferences",
    "promptconsensus": "preferences",
    "datasetversion": "dataset_versions",
    "datasetpair": "dataset_versions",
    "datasetranking": "dataset_versions",
    "exportjob": "dataset_versions",
}

TASKS = {
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


def _merge_into(apps, kept, dropped):
    """Move what points at content type ``dropped`` onto ``kept``, then delete ``dropped``."""
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    for permission in Permission.objects.filter(content_type=dropped):
        twin = Permission.objects.filter(content_type=kept, codename=permission.codename).first()
        if twin is None:
            permission.content_type = kept
            permission.save(update_fields=["content_type"])
            continue
        # The same permission on both: whoever held the dropped one holds the kept one.
        twin.group_set.add(*permission.group_set.all())
        twin.user_set.add(*permission.user_set.all())
        permission.delete()
    LogEntry.objects.filter(content_type=dropped).update(content_type=kept)
    dropped.delete()


def _relabel(apps, moves):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, (old_label, new_label) in moves.items():
        old = ContentType.objects.filter(app_label=old_label, model=model).first()
        if old is None:
            continue  # a fresh database: post_migrate makes the new one
        new = ContentType.objects.filter(app_label=new_label, model=model).first()
        if new is not None:
            _merge_into(apps, kept=old, dropped=new)
        old.app_label = new_label
        old.save(update_fields=["app_label"])


def _rename_tasks(apps, names):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    changed = False
    for old, new in names.items():
        changed |= bool(PeriodicTask.objects.filter(task=old).update(task=new))
    if changed:
        # Beat reloads its schedule when this row's timestamp moves (what PeriodicTask.save does).
        PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def forwards(apps, schema_editor):
    _relabel(apps, {model: ("annotation", label) for model, label in MOVED.items()})
    _rename_tasks(apps, TASKS)


def backwards(apps, schema_editor):
    _relabel(apps, {model: (label, "annotation") for model, label in MOVED.items()})
    _rename_tasks(apps, {new: old for old, new in TASKS.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("annotation", "0011_split_apps_models_leave"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
