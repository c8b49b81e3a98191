from django.conf import settings

from config.celery import app


def test_there_is_a_default_a_training_and_a_generation_queue():
    assert {q.name for q in app.conf.task_queues} == {"default", "training", "generation"}
    assert app.conf.task_default_queue == "default"


def test_training_tasks_are_routed_to_the_training_queue():
    route = app.amqp.router.route({}, "training.tasks.training_run_execute")
    assert route["queue"].name == "training"
    assert (
        app.amqp.router.route({}, "projects.tasks.sessions_clear_expired")["queue"].name
        == "default"
    )


def test_tasks_travel_as_json_with_time_limits():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_a_killed_worker_gets_its_task_redelivered():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
    assert settings.CELERY_BEAT_SCHEDULER.startswith("django_celery_beat.")


def test_a_worker_registers_every_task_module_of_the_apps():
    app.loader.import_default_modules()
    assert "dataset_versions.tasks.export_job_run" in app.tasks


def test_beat_checks_generation_jobs_as_often_as_training_runs():
    entry = settings.CELERY_BEAT_SCHEDULE["check-generation-jobs"]
    assert entry["task"] == "generation.tasks.generation_jobs_check"
    assert 30 <= entry["schedule"] <= 60
