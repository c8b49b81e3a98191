"""Two projects with one of every object an API URL can name, and a user per role: the
world that tests/test_role_matrix.py and tests/test_schemathesis.py call the API in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery.signals import before_task_publish
from django.contrib.auth.models import User
from django.db import transaction
from django.test import override_settings

from annotation.models import Ranking
from projects.models import Project, Role
from tests.factories import (
    DatasetVersionFactory,
    EvaluationFactory,
    ExportJobFactory,
    GenerationJobFactory,
    GeneratorFactory,
    ImportJobFactory,
    MembershipFactory,
    ModelVersionFactory,
    ProjectFactory,
    RankingFactory,
    TrainingRunFactory,
    UserFactory,
    item_with_completions,
)
from training.models import TrainingRun

# Project roles, weakest first; besides them: anonymous, outsider (signed in, member of
# neither project) and superuser (admin of every project without being a member).
PROJECT_ROLES = ["annotator", "researcher", "admin"]

# What each URL kwarg names, unless a route (by URL name) names something else by it.
OBJECT_OF_KWARG = {
    "project_id": "project",
    "member_id": "membership",
    "ranking_id": "flagged ranking",
    "prompt_id": "ranked prompt",
    "number": "dataset version",
    "job_id": "export job",
    "run_id": "training run",
    "model_id": "model version",
    "set_id": "evaluation set",
    "evaluation_id": "evaluation",
    "generator_id": "generator",
    "generation_job_id": "generation job",
}
OBJECT_OF_ROUTE_KWARG = {
    ("import-job", "job_id"): "import job",
    ("import-job-cancel", "job_id"): "import job",
}


def object_of(url_name: str, kwarg: str) -> str:
    """The world object that ``kwarg`` of the route ``url_name`` names; "" if unknown."""
    return OBJECT_OF_ROUTE_KWARG.get((url_name, kwarg)) or OBJECT_OF_KWARG.get(kwarg, "")


@dataclass
class World:
    users: dict[str, User | None]
    objects: dict[str, dict[str, int]]  # "own" / "other" project → object → id

    def url_kwargs(self, url_name: str, kwargs: list[str], scope: str) -> dict[str, int]:
        """Ids for a route's kwargs: of the "own" project (where the roles are members),
        the "other" one, or "mixed": the own project naming the other one's objects."""

        def project_of(kwarg: str) -> str:
            if scope == "mixed":
                return "own" if kwarg == "project_id" else "other"
            return scope

        return {k: self.objects[project_of(k)][object_of(url_name, k)] for k in kwargs}


def _project_objects(project: Project, rankers: list[User], version_number: int) -> dict[str, int]:
    """One of each object a URL can name, in ``project``; ``rankers`` all ranked one item."""
    annotator = MembershipFactory.create(project=project, role=Role.ANNOTATOR).user
    ranked = item_with_completions(project, k=2)
    for ranker in [annotator, *rankers]:
        RankingFactory.create(prompt=ranked, annotator=ranker)
    flagged = RankingFactory.create(
        prompt=item_with_completions(project, k=2),
        annotator=annotator,
        kind=Ranking.Kind.FLAGGED,
        flag_reason=Ranking.FlagReason.BROKEN,
        review_status=Ranking.Review.OPEN,
    )
    item_with_completions(project, k=2)  # one nobody has ranked yet
    splits = {"train": {"pairs": 8, "prompts": 4}, "validation": {"pairs": 2, "prompts": 1}}
    version = DatasetVersionFactory.create(
        project=project, number=version_number, counts={"splits": splits}
    )
    run = TrainingRunFactory.create(
        project=project, dataset_version=version, status=TrainingRun.Status.SUCCEEDED
    )
    model = ModelVersionFactory.create(project=project, training_run=run, files=[])
    evaluation = EvaluationFactory.create(model_version=model)
    return {
        "project": project.pk,
        "membership": MembershipFactory.create(project=project, role=Role.ANNOTATOR).pk,
        "flagged ranking": flagged.pk,
        "ranked prompt": ranked.pk,
        "dataset version": version.number,
        "export job": ExportJobFactory.create(version=version).pk,
        "import job": ImportJobFactory.create(project=project).pk,
        "training run": run.pk,
        "model version": model.pk,
        "evaluation set": evaluation.evaluation_set_id,
        "evaluation": evaluation.pk,
        **_generation_objects(project),
    }


def _generation_objects(project: Project) -> dict[str, int]:
    # The generator points at a closed port: trying it answers fast, with the error.
    generator = GeneratorFactory.create(project=project, base_url="http://127.0.0.1:9/v1")
    job = GenerationJobFactory.create(project=project, generator=generator)
    return {"generator": generator.pk, "generation job": job.pk}


def world_build() -> World:
    """Set MEDIA_ROOT to a temporary folder first: the export job's file is written there."""
    own: Project = ProjectFactory.create()
    other: Project = ProjectFactory.create()
    superuser: User = UserFactory.create(is_staff=True, is_superuser=True)
    members = {
        name: MembershipFactory.create(project=own, role=Role(name)).user for name in PROJECT_ROLES
    }
    users = {"anonymous": None, "outsider": UserFactory.create(), "superuser": superuser, **members}
    # Distinct version numbers: project 1's URL with project 2's number names nothing.
    return World(
        users,
        {
            "own": _project_objects(own, [*members.values(), superuser], version_number=1),
            "other": _project_objects(other, [superuser], version_number=2),
        },
    )


@contextmanager
def tasks_published() -> Iterator[list[str]]:
    """The tasks this process hands to the broker while the block runs (every queue), as
    "name → queue". Runs, builds and exports are sent on commit, which a test's transaction
    never reaches: inside one, the list must stay empty."""
    sent: list[str] = []

    def record(sender: str | None = None, routing_key: str | None = None, **_: Any) -> None:
        sent.append(f"{sender} → {routing_key}")

    before_task_publish.connect(record, weak=False)
    try:
        yield sent
    finally:
        before_task_publish.disconnect(record)


@contextmanager
def world_kept(media_root: Path) -> Iterator[World]:
    """A world for a whole test module, rolled back when it ends: each test (and each request
    a test makes in a savepoint of its own) runs inside its transaction. Call it with the
    database unblocked (django_db_blocker)."""
    # A dozen users: the real password hasher would take longer than the rest.
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(MEDIA_ROOT=media_root, PASSWORD_HASHERS=hashers), transaction.atomic():
        try:
            yield world_build()
        finally:
            transaction.set_rollback(True)
