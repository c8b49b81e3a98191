import uuid
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from projects.models import Role
from tests.factories import MembershipFactory, ProjectFactory, UserFactory


@pytest.fixture(autouse=True, scope="session")
def _tests_run_on_postgresql(django_db_setup, django_db_blocker):
    # Row locks, SKIP LOCKED and set-based SQL only behave for real on PostgreSQL.
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.exit(
                "The test suite runs on PostgreSQL: set DATABASE_URL=postgres://... "
                "(make test does this).",
                returncode=2,
            )


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def _fresh_sign_in_counts(settings):
    """Every test counts failed sign-ins from zero: the counts live in Redis, keyed by
    address (always 127.0.0.1 here) and username, beyond one test and one run."""
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {**settings.CACHES["throttle"], "KEY_PREFIX": f"throttle-{uuid.uuid4()}"},
    }


@pytest.fixture
def project():
    return ProjectFactory()


@pytest.fixture
def member(project):
    """``member(role)`` makes a user with that role in ``project``."""

    def make(role: Role = Role.ANNOTATOR, **user_fields):
        return MembershipFactory(project=project, role=role, user=UserFactory(**user_fields)).user

    return make


@pytest.fixture
def client_for(api_client):
    """An API client signed in (forced authentication) as the given user."""

    def make(user):
        api_client.force_authenticate(user)
        return api_client

    return make


@pytest.fixture(scope="session")
def tiny_backbone(tmp_path_factory):
    """A 2-layer random BERT with the packaged MiniLM tokenizer, saved as a folder: trains
    in seconds wherever a test needs a real reward model."""
    from transformers import BertConfig, BertForSequenceClassification

    from tests.training.engine.helpers import TINY_ENCODER, save_with_minilm_tokenizer

    model = BertForSequenceClassification(BertConfig(**TINY_ENCODER, max_position_embeddings=128))
    return save_with_minilm_tokenizer(model, tmp_path_factory.mktemp("tiny-backbone"))


@pytest.fixture
def tiny_backbone_allowed(tiny_backbone, settings, monkeypatch) -> str:
    """The tiny backbone on the allowlist as ``tiny`` (runs name backbones, never paths):
    for this process, and for worker processes the test starts (they read the env)."""
    settings.TRAINING_BACKBONES = {"tiny": Path(tiny_backbone)}
    monkeypatch.setenv("RANKWISE_BACKBONES", f"tiny={tiny_backbone}")
    return "tiny"
