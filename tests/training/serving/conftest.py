"""Two registered reward models of one project that score differently by a known amount.

The tiny backbone is trained once per session with the engine (seconds); the second
model is the first with its head's bias raised by ``SHIFT``, so every reward of version 2
is version 1's plus ``SHIFT``: which model scored a request shows in its numbers.
"""

import json
import shutil
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from safetensors.torch import load_file, save_file

from projects.models import Role
from tests.factories import TrainingRunFactory
from tests.training.engine.helpers import PAIRS, tiny_config
from training.engine import train
from training.models import ModelVersion, TrainingRun
from training.services import scoring
from training.services.registry import model_version_promote, model_version_register

SHIFT = 3.0


@pytest.fixture(scope="session")
def reward_folder(tiny_backbone, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reward-model")
    train(tiny_config(tiny_backbone, epochs=1), PAIRS, PAIRS[:4], out)
    return out


@pytest.fixture(scope="session")
def shifted_folder(reward_folder, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reward-model-shifted") / "model"
    shutil.copytree(reward_folder, out)
    weights = load_file(out / "model.safetensors")
    weights["classifier.bias"] = weights["classifier.bias"] + SHIFT
    save_file(weights, out / "model.safetensors", metadata={"format": "pt"})
    meta = json.loads((out / "rankwise.json").read_text())
    meta["reward_mean"] += SHIFT  # same spread, moved: normalized rewards stay the same
    (out / "rankwise.json").write_text(json.dumps(meta))
    return out


@pytest.fixture(autouse=True)
def _scoring_pool(settings, tmp_path):
    """Each test loads its own models into an empty pool, in float32 (the same numbers on
    every CPU), with artifacts in its own storage; the pool is emptied after it."""
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TRAINING_SCORING_PRECISION = "fp32"
    settings.TRAINING_SCORING_DEVICE = "cpu"
    yield
    with scoring._lock:
        batchers = list(scoring._loaded.values())
        scoring._loaded.clear()
    for batcher in batchers:
        batcher.close(wait=True)


@pytest.fixture
def models(project, reward_folder, shifted_folder) -> tuple[ModelVersion, ModelVersion]:
    """Version 1 (active) and version 2 (= version 1 + SHIFT, not active)."""
    registered = []
    for folder in (reward_folder, shifted_folder):
        run = TrainingRunFactory.create(project=project, status=TrainingRun.Status.SUCCEEDED)
        registered.append(model_version_register(run=run, folder=folder, metrics={}))
    model_version_promote(model=registered[0])
    return registered[0], registered[1]


@pytest.fixture
def researcher_token(member) -> str:
    return Token.objects.create(user=member(Role.RESEARCHER)).key
