"""Training-side fixtures: a project with a ready dataset version of preference pairs, and
a config that trains the tiny backbone (tests/conftest.py, allowlisted as ``tiny``) in
seconds."""

import pytest

from annotation.services.imports import items_import
from dataset_versions.services.datasets import Rule, dataset_version_create
from tests.factories import pairs_file


@pytest.fixture(autouse=True)
def _no_heartbeat_in_process(settings):
    """A run trained in the test's process beats on its own connection, which cannot see the
    test's uncommitted rows: a beat would find no run and fence it, so a run that lasts past
    one interval (a loaded machine) would stop. Tests of the heartbeat beat by hand or start
    a worker process."""
    settings.TRAINING_HEARTBEAT_SECONDS = 3600


@pytest.fixture
def version(project):
    """A ready dataset version of 40 imported pairs (train/validation/test split)."""
    items_import(project=project, file=pairs_file(40), file_name="pairs.jsonl", source="seed")
    split = {"train": 0.7, "validation": 0.3, "test": 0.0}
    return dataset_version_create(project=project, rule=Rule(include_imported=True), split=split)


@pytest.fixture
def tiny_config(tiny_backbone_allowed):
    return {
        "backbone": tiny_backbone_allowed,
        "epochs": 2,
        "max_length": 96,
        "min_prompt_tokens": 16,
        "token_budget": 768,
        "learning_rate": 1e-3,
        "log_every": 1,
    }
