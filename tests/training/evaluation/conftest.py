"""Model versions with real (tiny, random) weights in storage, and evaluation sets."""

from pathlib import Path

import pytest

from projects.models import Role
from tests.training.evaluation.helpers import parquet, rewardbench_records, tiny_model_create
from training.evaluation.sets import evaluation_set_create


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def tiny_model(project, media, tiny_backbone):
    """``tiny_model()`` registers a model version of ``project`` whose folder in storage
    holds the tiny random BERT, as a finished run would leave it."""

    def make(**fields):
        return tiny_model_create(project, media, tiny_backbone, **fields)

    return make


@pytest.fixture
def rewardbench_set(project, django_capture_on_commit_callbacks):
    """``rewardbench_set(n)``: a set of ``n`` real HH pairs in RewardBench's Parquet form."""

    def make(n: int = 20, **fields):
        with django_capture_on_commit_callbacks(execute=False):
            return evaluation_set_create(
                project=project,
                file=parquet(rewardbench_records(n)),
                file_name="rewardbench.parquet",
                name=fields.pop("name", f"rewardbench-{n}"),
                **fields,
            )

    return make


@pytest.fixture
def researcher(project, member, client_for):
    return client_for(member(Role.RESEARCHER))
