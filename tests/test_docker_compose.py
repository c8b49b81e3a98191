"""docker-compose.yml cannot run here (no Docker engine), so its content is checked:
every command points at a real entry point and every variable is one the settings read."""

import importlib
import re
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

from config import env, storage
from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ["migrate", "web", "worker", "trainer", "scorer", "beat"]


def _option(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def test_it_has_every_service_of_a_production_deployment():
    assert set(SERVICES) >= {"postgres", "redis", "web", "worker", "trainer", "scorer", "beat"}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_set_only_variables_the_settings_read(service):
    import config.settings  # noqa: F401 - fills env.NAMES_READ

    unknown = set(SERVICES[service]["environment"]) - set(env.NAMES_READ)
    assert not unknown, f"{service} sets variables no setting reads: {unknown}"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_run_on_postgresql_and_redis(service):
    environment = SERVICES[service]["environment"]
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["CELERY_BROKER_URL"].startswith("redis://")
    assert environment["DJANGO_DEBUG"] == "false"


STORAGE_VARIABLES = set(storage.VARIABLES)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_pass_the_artifact_storage_settings_through(service):
    environment = SERVICES[service]["environment"]
    assert set(environment) >= STORAGE_VARIABLES
    assert environment["RANKWISE_STORAGE"] == "${RANKWISE_STORAGE:-local}"


def test_web_serves_the_real_wsgi_application():
    command = SERVICES["web"]["command"]
    assert command[0] == "gunicorn"
    module, attribute = command[1].split(":")
    assert callable(getattr(importlib.import_module(module), attribute))


def test_migrate_runs_a_real_management_command():
    command = SERVICES["migrate"]["command"]
    assert command[:2] == ["python", "manage.py"]
    assert command[2] in get_commands()


@pytest.mark.parametrize(
    ("service", "queue"), [("worker", "default"), ("trainer", "training,generation")]
)
def test_workers_consume_their_own_queue_of_the_real_celery_app(service, queue):
    command = SERVICES[service]["command"]
    assert command[:4] == ["celery", "-A", "config", "worker"]
    assert importlib.import_module(_option(command, "-A")).celery_app is celery_app
    assert _option(command, "-Q") == queue
    assert set(queue.split(",")) <= {q.name for q in celery_app.conf.task_queues}


def test_the_trainer_reserves_one_gpu():
    (device,) = SERVICES["trainer"]["deploy"]["resources"]["reservations"]["devices"]
    assert device["count"] == 1
    assert "gpu" in device["capabilities"]
    assert _option(SERVICES["trainer"]["command"], "--concurrency") == "1"


def test_beat_runs_the_celery_beat_of_the_app():
    assert SERVICES["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]


@pytest.mark.parametrize("service", ["postgres", "redis", "web", "worker", "trainer", "scorer"])
def test_long_running_services_have_health_checks(service):
    assert SERVICES[service]["healthcheck"]["test"]


def test_the_web_health_check_hits_healthz():
    assert "/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])


def test_database_and_artifacts_live_on_volumes():
    assert {"pgdata", "artifacts"} <= set(COMPOSE["volumes"])
    assert any(v.startswith("pgdata:") for v in SERVICES["postgres"]["volumes"])
    for service in ("web", "worker", "trainer", "scorer"):
        assert "artifacts:/data" in SERVICES[service]["volumes"]


def test_the_dockerfile_copies_paths_that_exist():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, flags=re.MULTILINE):
        for path in source.split():
            assert (ROOT / path.rstrip("/")).exists(), path


def test_the_scorer_serves_the_scoring_application_as_one_threaded_process():
    command = SERVICES["scorer"]["command"]
    assert command[0] == "gunicorn"
    module, attribute = command[1].split(":")
    assert module == "training.serving.wsgi"
    assert callable(getattr(importlib.import_module(module), attribute))
    # one process: every request thread feeds the same batcher and the one copy of the model
    assert _option(command, "--workers") == "1"
    assert int(_option(command, "--threads")) >= 32
    assert _option(command, "--bind").endswith(":8001")


def test_the_scorer_scores_on_its_own_gpu():
    (device,) = SERVICES["scorer"]["deploy"]["resources"]["reservations"]["devices"]
    assert device["count"] == 1
    assert "gpu" in device["capabilities"]
    assert SERVICES["scorer"]["environment"]["RANKWISE_SCORING_DEVICE"] == "cuda"


def test_the_scorer_health_check_hits_its_own_healthz():
    assert "127.0.0.1:8001/healthz" in " ".join(SERVICES["scorer"]["healthcheck"]["test"])


def test_the_dockerfile_copies_every_app_of_the_project():
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, flags=re.MULTILINE))
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps <= copied, apps - copied
