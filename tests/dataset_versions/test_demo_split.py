"""The demo's dataset version can always be trained on: it has validation prompts."""

import pytest
from django.core.management import call_command

from dataset_versions.models import DatasetVersion
from dataset_versions.services import demo

pytestmark = pytest.mark.django_db


def test_the_demo_version_has_training_and_validation_prompts():
    call_command("seed_demo")
    version = DatasetVersion.objects.get(project__slug="demo")
    assert version.counts["splits"]["validation"]["prompts"] > 0
    assert version.counts["splits"]["train"]["prompts"] > 0


def test_the_demo_split_seed_is_the_first_that_leaves_validation_prompts(project, monkeypatch):
    def preview(*, project, rule, seed):
        validation = 0 if seed < 3 else 2  # seeds 0-2 put every prompt elsewhere
        return {
            "train": {"pairs": 12, "prompts": 12},
            "validation": {"pairs": validation, "prompts": validation},
            "test": {"pairs": 2, "prompts": 2},
        }

    monkeypatch.setattr(demo, "dataset_version_preview", preview)
    assert demo.demo_split_seed(project=project) == 3
