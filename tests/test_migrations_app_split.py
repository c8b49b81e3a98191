"""The app split (issue 18) moves models between apps without touching a row: a database
populated on the schema of before the split comes through the migrations whole, its content
types, permissions, admin log and beat rows following the models; and it goes back again."""

# import-map: keep old names (/work/notes/import-map.sed must not rewrite them)

from datetime import UTC, datetime

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The last migrations before the split; the new apps did not exist.
BEFORE = [
    ("annotation", "0009_workspace_preferences"),
    ("training", "0003_training_attempts_failures_best_step"),
    ("projects", None),
    ("preferences", None),
    ("dataset_versions", None),
    ("generation", None),  # later than the split, and built on it
]
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
STAYED = ["prompt", "completion", "assignment", "ranking", "importjob", "annotatorpreferences"]
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _migrate(targets):
    """Migrate to ``targets``; the models as they are there (the other apps at their last)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    apps = {app_label for app_label, _ in targets}
    others = [leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] not in apps]
    nodes = [target for target in targets if target[1] is not None] + others
    return executor.loader.project_state(nodes).apps


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _populate(old):
    """One row of every model the split moves (and of those it points at), made with the
    historical models of before the split; the ids the checks look for."""
    user = old.get_model("auth", "User").objects.create(username="ada")
    Project = old.get_model("annotation", "Project")
    project = Project.objects.create(name="P", slug="p", created_by=user)
    old.get_model("annotation", "Membership").objects.create(
        project=project, user=user, role="admin"
    )
    prompt = old.get_model("annotation", "Prompt").objects.create(
        project=project, external_id="x1", text="Which?"
    )
    Completion = old.get_model("annotation", "Completion")
    a = Completion.objects.create(prompt=prompt, position=0, text="a")
    b = Completion.objects.create(prompt=prompt, position=1, text="b")
    old.get_model("annotation", "Assignment").objects.create(
        project=project, prompt=prompt, annotator=user, display_order=[a.pk, b.pk], expires_at=NOW
    )
    ranking = old.get_model("annotation", "Ranking").objects.create(
        project=project, prompt=prompt, annotator=user, tiers=[[a.pk], [b.pk]]
    )
    old.get_model("annotation", "RankingExpansion").objects.create(ranking=ranking, revision=1)
    old.get_model("annotation", "RankingPair").objects.create(
        ranking=ranking, prompt=prompt, chosen=a, rejected=b
    )
    old.get_model("annotation", "PromptConsensus").objects.create(
        prompt=prompt,
        project=project,
        method="borda",
        tiers=[[a.pk], [b.pk]],
        strengths={},
        raters=1,
        fingerprint="f",
    )
    version = old.get_model("annotation", "DatasetVersion").objects.create(
        project=project, number=1, rule={"source": "consensus"}, split={"train": 1.0}
    )
    old.get_model("annotation", "DatasetPair").objects.create(
        version=version, prompt=prompt, chosen=a, rejected=b, split="train"
    )
    old.get_model("annotation", "DatasetRanking").objects.create(
        version=version, ranking=ranking, revision=1
    )
    old.get_model("annotation", "ExportJob").objects.create(version=version, format="parquet")
    old.get_model("annotation", "ImportJob").objects.create(project=project, file_name="a.jsonl")
    old.get_model("annotation", "AnnotatorPreferences").objects.create(user=user)
    old.get_model("training", "TrainingSettings").objects.create(project=project)
    run = old.get_model("training", "TrainingRun").objects.create(
        project=project, number=1, dataset_version=version, config={}
    )
    old.get_model("training", "ModelVersion").objects.create(
        project=project, number=1, training_run=run, dataset_version=version, artifact="m/1"
    )
    return user, project, version


def _content_types_of_before(old, user):
    """The content types of a database from before the split: the moved models' under
    annotation (going back there made them so), with a permission a user holds and an admin
    log entry. Beside them, the new apps' content types with their own permissions, as
    post_migrate makes them when a deploy runs ``migrate`` twice: the migration merges those
    into the old ones."""
    ContentType = old.get_model("contenttypes", "ContentType")
    Permission = old.get_model("auth", "Permission")
    ids = {}
    for model, app_label in MOVED.items():
        content_type, _ = ContentType.objects.get_or_create(app_label="annotation", model=model)
        ids[model] = content_type.pk
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"change_{model}",
            defaults={"name": f"Can change {model}"},
        )
        user.user_permissions.add(permission)
        made_twice, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        for codename in (f"change_{model}", f"audit_{model}"):
            Permission.objects.get_or_create(
                content_type=made_twice, codename=codename, defaults={"name": codename}
            )
    old.get_model("admin", "LogEntry").objects.create(
        user=user,
        content_type_id=ids["project"],
        object_id="1",
        object_repr="P",
        action_flag=2,
        action_time=NOW,
    )
    return ids


@pytest.mark.django_db(transaction=True)
def test_the_app_split_keeps_every_row_and_moves_content_types_forward_and_back():
    try:
        old = _migrate(BEFORE)
        user, project, version = _populate(old)
        content_types = _content_types_of_before(old, user)
        old.get_model("django_celery_beat", "PeriodicTask").objects.create(
            name="expand-pairs",
            task="annotation.tasks.pairs_expand_all",
            interval=old.get_model("django_celery_beat", "IntervalSchedule").objects.create(
                every=300, period="seconds"
            ),
        )

        counts = {m: old.get_model("annotation", m).objects.count() for m in [*MOVED, *STAYED]}
        assert all(counts.values())

        _migrate(_leaves())

        # Every row, through the models of the apps that hold them now.
        for model, app_label in MOVED.items():
            assert current_apps.get_model(app_label, model).objects.count() == counts[model]
        for model in STAYED:
            assert current_apps.get_model("annotation", model).objects.count() == counts[model]
        Project = current_apps.get_model("projects", "Project")
        assert Project.objects.get().memberships.get().user_id == user.pk
        assert (
            current_apps.get_model("training", "ModelVersion").objects.get().dataset_version_id
            == version.pk
        )
        assert (
            current_apps.get_model("training", "TrainingSettings").objects.get().project_id
            == project.pk
        )
        assert Project._meta.db_table == "annotation_project"

        ContentType = current_apps.get_model("contenttypes", "ContentType")
        for model, app_label in MOVED.items():
            content_type = ContentType.objects.get(pk=content_types[model])
            assert content_type.app_label == app_label
            assert not ContentType.objects.filter(app_label="annotation", model=model).exists()
        user_model = current_apps.get_model("auth", "User")
        held = user_model.objects.get(pk=user.pk).user_permissions.values_list(
            "content_type__app_label", "codename"
        )
        assert set(held) == {(label, f"change_{model}") for model, label in MOVED.items()}
        audit = current_apps.get_model("auth", "Permission").objects.filter(
            codename="audit_project"
        )
        assert audit.get().content_type_id == content_types["project"]
        entry = current_apps.get_model("admin", "LogEntry").objects.get()
        assert entry.content_type_id == content_types["project"]
        task = current_apps.get_model("django_celery_beat", "PeriodicTask").objects.get()
        assert task.task == "preferences.tasks.pairs_expand_all"

        back = _migrate(BEFORE)

        for model in [*MOVED, *STAYED]:
            assert back.get_model("annotation", model).objects.count() == counts[model], model
        for model in MOVED:
            content_type = back.get_model("contenttypes", "ContentType").objects.get(
                pk=content_types[model]
            )
            assert content_type.app_label == "annotation"
        beat = back.get_model("django_celery_beat", "PeriodicTask").objects.get()
        assert beat.task == "annotation.tasks.pairs_expand_all"
    finally:
        _migrate(_leaves())
