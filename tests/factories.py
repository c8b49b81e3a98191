import io
import json
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.utils import timezone

from annotation.models import (
    AnnotatorPreferences,
    Assignment,
    Completion,
    ImportJob,
    Prompt,
    Ranking,
)
from dataset_versions.models import DatasetVersion, ExportJob
from generation.models import GenerationJob, Generator
from projects.models import Membership, Project, Role
from training.models import (
    Dispute,
    Evaluation,
    EvaluationSet,
    ModelVersion,
    TrainingAttempt,
    TrainingRun,
    TrainingSettings,
)

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.ANNOTATOR


class PromptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prompt

    project = factory.SubFactory(ProjectFactory)
    external_id = factory.Sequence(lambda n: f"item-{n}")
    text = factory.Faker("sentence")


class CompletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Completion

    prompt = factory.SubFactory(PromptFactory)
    position = factory.Sequence(lambda n: n)
    text = factory.Faker("paragraph")
    model_name = "model-x"


def _next_number(model, project) -> int:
    """Numbers run 1, 2, 3 within a project, after those already there."""
    return (model.objects.filter(project=project).aggregate(n=Max("number"))["n"] or 0) + 1


class DatasetVersionFactory(factory.django.DjangoModelFactory):
    """A ready version as its row says (no pairs behind it: for runs that never train)."""

    class Meta:
        model = DatasetVersion

    project = factory.SubFactory(ProjectFactory)
    number = factory.LazyAttribute(lambda o: _next_number(DatasetVersion, o.project))
    rule = factory.LazyFunction(dict)
    split = factory.LazyFunction(lambda: {"train": 0.8, "validation": 0.1, "test": 0.1})
    status = DatasetVersion.Status.READY
    counts = factory.LazyFunction(
        lambda: {
            "splits": {
                "train": {"pairs": 10, "prompts": 5},
                "validation": {"pairs": 2, "prompts": 1},
            }
        }
    )


class TrainingRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRun

    project = factory.SubFactory(ProjectFactory)
    number = factory.LazyAttribute(lambda o: _next_number(TrainingRun, o.project))
    dataset_version = factory.SubFactory(
        DatasetVersionFactory, project=factory.SelfAttribute("..project")
    )
    config = factory.LazyFunction(lambda: {"backbone": "default"})
    status = TrainingRun.Status.QUEUED


class ModelVersionFactory(factory.django.DjangoModelFactory):
    """A registered model's row (no files in storage)."""

    class Meta:
        model = ModelVersion

    project = factory.SubFactory(ProjectFactory)
    number = factory.LazyAttribute(lambda o: _next_number(ModelVersion, o.project))
    training_run = factory.SubFactory(
        TrainingRunFactory,
        project=factory.SelfAttribute("..project"),
        status=TrainingRun.Status.SUCCEEDED,
    )
    dataset_version = factory.SelfAttribute("training_run.dataset_version")
    artifact = factory.LazyAttribute(lambda m: f"models/project-{m.project.pk}/model-{m.number}")
    files = factory.LazyFunction(lambda: ["config.json", "model.safetensors"])


class EvaluationSetFactory(factory.django.DjangoModelFactory):
    """A set's row (no items: for the API's access checks, not for evaluating)."""

    class Meta:
        model = EvaluationSet

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"held-out {n}")
    file_name = "held-out.jsonl"
    kind = EvaluationSet.Kind.PAIRS
    category_key = "subset"
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    counts = factory.LazyFunction(lambda: {"items": 0, "pairs": 0, "categories": {}})


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evaluation

    model_version = factory.SubFactory(ModelVersionFactory)
    evaluation_set = factory.SubFactory(
        EvaluationSetFactory, project=factory.SelfAttribute("..model_version.project")
    )


def item_with_completions(project, k: int = 4, **prompt_fields):
    """A prompt of ``project`` with ``k`` completions."""
    prompt = PromptFactory(project=project, **prompt_fields)
    for position in range(k):
        CompletionFactory(prompt=prompt, position=position)
    return prompt


class ImportRecordFactory(factory.DictFactory):
    """One item as an import file holds it: a JSONL line before it is serialised."""

    id = factory.Sequence(lambda n: f"import-{n}")
    prompt = factory.Sequence(lambda n: f"Question number {n}?")
    completions = factory.Sequence(
        lambda n: [
            {"text": f"Answer {k} to question {n}.", "model": f"model-{k}"} for k in range(4)
        ]
    )


class PairRecordFactory(factory.DictFactory):
    """One preference pair as TRL writes it: prompt, chosen, rejected."""

    id = factory.Sequence(lambda n: f"pair-record-{n}")
    prompt = factory.Sequence(lambda n: f"\n\nHuman: Question number {n}?\n\nAssistant:")
    chosen = factory.Sequence(lambda n: f" A careful answer to {n}.")
    rejected = factory.Sequence(lambda n: f" A careless answer to {n}.")


def pairs_file(n: int) -> io.BytesIO:
    lines = [
        {
            "prompt": f"Question {i}: what is {i} plus {i}?",
            "chosen": f"It is {2 * i}, since {i} + {i} = {2 * i}.",
            "rejected": "No idea." + " Really." * (i % 3),
        }
        for i in range(n)
    ]
    return io.BytesIO("\n".join(json.dumps(line) for line in lines).encode())


class RankingFactory(factory.django.DjangoModelFactory):
    """A ranking of ``prompt``'s completions in position order (tiers of one), shown in the
    order of its tiers; pass ``tiers`` (ties, or None for a skip or flag) to rank otherwise."""

    class Meta:
        model = Ranking

    prompt = factory.SubFactory(PromptFactory)
    project = factory.SelfAttribute("prompt.project")
    annotator = factory.SubFactory(UserFactory)
    tiers = factory.LazyAttribute(
        lambda r: [[c.pk] for c in r.prompt.completions.order_by("position")]
    )
    display_order = factory.LazyAttribute(lambda r: [c for tier in r.tiers or [] for c in tier])


class ExportJobFactory(factory.django.DjangoModelFactory):
    """A finished export with its file in storage (set MEDIA_ROOT to a temporary folder);
    ``queued=True``: a job as a request leaves it, for the worker (no file yet)."""

    class Meta:
        model = ExportJob

    class Params:
        queued = factory.Trait(status=ExportJob.Status.QUEUED, file="")

    version = factory.SubFactory(DatasetVersionFactory)
    format = ExportJob.Format.TRL_JSONL
    status = ExportJob.Status.SUCCEEDED
    file = factory.django.FileField(
        filename="pairs.jsonl", data=b'{"prompt": "Hi?", "chosen": "Hello.", "rejected": "No."}\n'
    )


class ImportJobFactory(factory.django.DjangoModelFactory):
    """An import job that ended (its upload already gone from storage)."""

    class Meta:
        model = ImportJob

    project = factory.SubFactory(ProjectFactory)
    status = ImportJob.Status.SUCCEEDED
    file_name = "items.jsonl"


class TrainingAttemptFactory(factory.django.DjangoModelFactory):
    """A worker's go at a run that ended as the run did."""

    class Meta:
        model = TrainingAttempt

    run = factory.SubFactory(TrainingRunFactory)
    number = factory.LazyAttribute(lambda a: a.run.attempts.count() + 1)
    worker = "worker-1"
    device = "cpu"
    started_at = factory.LazyFunction(timezone.now)
    outcome = TrainingAttempt.Outcome.SUCCEEDED


class DisputeFactory(factory.django.DjangoModelFactory):
    """A pair of ``prompt``'s first two completions the model confidently reverses."""

    class Meta:
        model = Dispute

    model_version = factory.SubFactory(ModelVersionFactory)
    prompt = factory.LazyAttribute(lambda d: item_with_completions(d.model_version.project, k=2))
    chosen = factory.LazyAttribute(lambda d: d.prompt.completions.order_by("position")[0])
    rejected = factory.LazyAttribute(lambda d: d.prompt.completions.order_by("position")[1])
    human_agreement = 0.9
    model_probability = 0.1


class AnnotatorPreferencesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnotatorPreferences

    user = factory.SubFactory(UserFactory)
    advance_after_rank = True


class AssignmentFactory(factory.django.DjangoModelFactory):
    """An active lease of ``prompt`` for ``annotator``, its completions shown in position
    order, for the project's lease time."""

    class Meta:
        model = Assignment

    prompt = factory.SubFactory(PromptFactory)
    project = factory.SelfAttribute("prompt.project")
    annotator = factory.SubFactory(UserFactory)
    display_order = factory.LazyAttribute(
        lambda a: list(a.prompt.completions.order_by("position").values_list("pk", flat=True))
    )
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=30))


class TrainingSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSettings

    project = factory.SubFactory(ProjectFactory)


class GeneratorFactory(factory.django.DjangoModelFactory):
    """An OpenAI-compatible generator; point ``base_url`` at a test server to use it."""

    class Meta:
        model = Generator

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"generator-{n}")
    base_url = "http://127.0.0.1:9/v1"
    model = "tiny"
    max_tokens = 8


class GenerationJobFactory(factory.django.DjangoModelFactory):
    """A job's row as it stands after a failure (no samples behind it)."""

    class Meta:
        model = GenerationJob

    class Params:
        generator = factory.SubFactory(GeneratorFactory, project=factory.SelfAttribute("..project"))

    project = factory.SubFactory(ProjectFactory)
    status = GenerationJob.Status.FAILED
    plan = factory.LazyAttribute(
        lambda o: [{"generator": o.generator.pk, "name": o.generator.name, "samples": 2}]
    )
