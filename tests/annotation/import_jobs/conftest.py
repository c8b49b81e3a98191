"""Fixtures of the import-job tests: uploads to a folder of the test's own, eager tasks,
an admin and their client, an upload whose job runs on commit."""

import pytest

from config.celery import app as celery_app
from projects.models import Role
from tests.annotation.import_jobs.helpers import SYNC_BYTES, post


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploads land in a folder of the test's own; files over 100 bytes become jobs."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RANKWISE_IMPORT_SYNC_BYTES = SYNC_BYTES
    return settings.MEDIA_ROOT


@pytest.fixture
def eager():
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def admin(member):
    return member(Role.ADMIN)


@pytest.fixture
def admin_client(client_for, admin):
    return client_for(admin)


@pytest.fixture
def queue(admin_client, project, django_capture_on_commit_callbacks):
    """``queue(content)`` uploads as the admin; the job runs as its commit queues it."""

    def upload(content: bytes, name: str = "items.jsonl", **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return post(admin_client, project, content, name, **fields)

    return upload
