"""Model versions with real (tiny, random) weights in storage, and evaluation sets."""

import json
import shutil
from pathlib import Path

import pytest

from annotation.models import Role
from tests.factories import ModelVersionFactory
from tests.training.evaluation.helpers import parquet, rewardbench_records
from training.evaluation.sets import evaluation_set_create

# What the scorer reads of a trained model's metadata (the engine writes more).
TINY_META = {
    "config": {"max_length": 64, "min_prompt_tokens": 16, "max_prompt_tokens": 0},
    "reward_mean": 0.0,
    "reward_std": 1.0,
}


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
        model = ModelVersionFactory(project=project, **fields)
        folder = media / model.artifact
        folder.mkdir(parents=True)
        for path in Path(tiny_backbone).iterdir():
            shutil.copy(path, folder / path.name)
        (folder / "rankwise.json").write_text(json.dumps(TINY_META))
        model.files = sorted(p.name for p in folder.iterdir())
        model.save(update_fields=["files"])
        return model

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
