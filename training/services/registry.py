"""The model registry: trained folders in Django's storage, one active model per project.

Artifacts go through ``default_storage`` (local disk by default, S3-compatible through
django-storages by configuration). A process that scores with a model reads it from the
storage's local path when it has one, or downloads it once into its cache directory.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from projects.models import Project
from training.engine.evaluate import METADATA
from training.models import ModelVersion, TrainingRun


def model_version_register(
    *, run: TrainingRun, folder: Path, metrics: dict[str, Any]
) -> ModelVersion:
    """Copy a finished run's folder into storage and record it. A researcher promotes it
    (or, after a periodic run, the retraining rule does)."""
    meta = json.loads((folder / METADATA).read_text())
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=run.project_id)
        latest = ModelVersion.objects.filter(project=project).aggregate(n=Max("number"))["n"]
        number = (latest or 0) + 1
        prefix = f"models/project-{project.pk}/model-{number}"
        files = sorted(p.name for p in folder.iterdir() if p.is_file())
        for name in files:
            path = f"{prefix}/{name}"
            if default_storage.exists(path):  # left by an attempt that died before commit
                default_storage.delete(path)
            with (folder / name).open("rb") as handle:
                default_storage.save(path, File(handle))
        return ModelVersion.objects.create(
            project=project,
            number=number,
            training_run=run,
            dataset_version_id=run.dataset_version_id,
            artifact=prefix,
            files=files,
            metrics=_plain(metrics or meta.get("metrics", {})),
            reward_mean=float(meta["reward_mean"]),
            reward_std=float(meta["reward_std"]) or 1.0,
            decision="Not promoted yet: promote it from the dashboard when it is better.",
        )


@transaction.atomic
def model_version_promote(*, model: ModelVersion, decision: str = "") -> ModelVersion:
    """Make ``model`` the project's one active model."""
    ModelVersion.objects.select_for_update().filter(project_id=model.project_id)
    ModelVersion.objects.filter(project_id=model.project_id, is_active=True).exclude(
        pk=model.pk
    ).update(is_active=False)
    model.is_active = True
    model.promoted_at = timezone.now()
    if decision:
        model.decision = decision
    model.save(update_fields=["is_active", "promoted_at", "decision"])
    return model


def model_local_dir(model: ModelVersion) -> Path:
    """A local folder with the model's files, which transformers can load: the storage's
    own folder on local disk, else a copy downloaded once into ``DATA_DIR/model-cache``."""
    try:
        return Path(default_storage.path(f"{model.artifact}/{model.files[0]}")).parent
    except NotImplementedError:  # a remote storage (S3) has no local path
        return _model_cached(model)


# Written last into a cached copy: which model it is, so that a model registered anew
# under a reused prefix (after a deletion, or another database) is not served stale.
_CACHE_STAMP = ".rankwise-model"


def _model_cached(model: ModelVersion) -> Path:
    """Several processes of one host may load the same model at once: each downloads
    into its own temporary folder and the first rename wins; a folder already in place
    is never replaced while it is still the right model's."""
    target = Path(settings.DATA_DIR) / "model-cache" / model.artifact
    if _is_copy_of(target, model):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        for name in model.files:
            with (
                default_storage.open(f"{model.artifact}/{name}", "rb") as source,
                (partial / name).open("wb") as copy,
            ):
                shutil.copyfileobj(source, copy, 1 << 20)
        (partial / _CACHE_STAMP).write_text(_stamp(model))
        if target.exists() and not _is_copy_of(target, model):
            shutil.rmtree(target, ignore_errors=True)  # a deleted model's, same prefix
        try:
            partial.rename(target)
        except OSError:
            if not _is_copy_of(target, model):  # another process was first, with this model
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


def _stamp(model: ModelVersion) -> str:
    return f"{model.pk} {model.created_at.isoformat()}"


def _is_copy_of(folder: Path, model: ModelVersion) -> bool:
    stamp = folder / _CACHE_STAMP
    return stamp.is_file() and stamp.read_text() == _stamp(model)


def model_zip(model: ModelVersion) -> IO[bytes]:
    """The model folder as a zip in a temporary file (it unpacks to a folder that
    from_pretrained loads)."""
    buffer = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it
    folder = f"{model.project.slug}-model-{model.number}"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in model.files:
            with (
                default_storage.open(f"{model.artifact}/{name}", "rb") as source,
                archive.open(f"{folder}/{name}", "w") as target,
            ):
                shutil.copyfileobj(source, target, 1 << 20)
    buffer.seek(0)
    return buffer


def _plain(metrics: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe metrics: numbers and nested plain values only."""
    return json.loads(json.dumps(metrics, default=str))
