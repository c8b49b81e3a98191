from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Now

from annotation.models import Completion, Prompt
from projects.models import Project


class Generator(models.Model):
    """A model that writes completions: an OpenAI-compatible server or a local HF model."""

    class Kind(models.TextChoices):
        OPENAI = "openai", "OpenAI-compatible server"
        LOCAL = "local", "Local Hugging Face model"

    class Endpoint(models.TextChoices):
        CHAT = "chat", "Chat completions"
        COMPLETIONS = "completions", "Completions"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="generators")
    name = models.CharField(
        max_length=100, help_text="Unique in the project; the model name its completions carry."
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.OPENAI)
    base_url = models.URLField(max_length=500, blank=True, help_text="…/v1 of the server.")
    model = models.CharField(
        max_length=300,
        help_text="The model the server serves; for a local generator, a name from "
        "RANKWISE_GENERATOR_MODELS.",
    )
    endpoint = models.CharField(max_length=12, choices=Endpoint.choices, default=Endpoint.CHAT)
    api_key_env = models.CharField(
        max_length=100, blank=True, help_text="Environment variable that holds the API key."
    )
    api_key_encrypted = models.TextField(blank=True, help_text="Fernet token; never shown.")
    temperature = models.FloatField(
        default=1.0, validators=[MinValueValidator(0.0), MaxValueValidator(2.0)]
    )
    top_p = models.FloatField(
        default=1.0, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    max_tokens = models.PositiveIntegerField(
        default=512, validators=[MinValueValidator(1), MaxValueValidator(32768)]
    )
    stop = models.JSONField(default=list, blank=True)
    seed = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Base seed: sample i of a prompt asks for a seed "
        "derived from it, the prompt and i. Null: derived from the prompt and i alone.",
    )
    send_n = models.BooleanField(
        default=False,
        help_text="The server honours n (vLLM): one request per prompt for all its samples.",
    )
    concurrency = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(1), MaxValueValidator(1024)]
    )
    timeout_seconds = models.FloatField(
        default=120.0, validators=[MinValueValidator(0.1), MaxValueValidator(3600.0)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="generator_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.model})"


class GenerationJob(models.Model):
    """K completions per prompt from a plan of generators, produced by a worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="generation_jobs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    plan = models.JSONField(help_text='[{"generator": id, "name": ..., "samples": n}, ...]')
    prompts_total = models.PositiveIntegerField(default=0)
    samples_total = models.PositiveIntegerField(default=0)
    samples_done = models.PositiveIntegerField(default=0)
    samples_failed = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(
        default=0, help_text="Exact duplicates within a prompt, collapsed into one completion."
    )
    prompts_released = models.PositiveIntegerField(
        default=0, help_text="Prompts that got all their completions and entered the queue."
    )
    usage = models.JSONField(
        default=dict, blank=True, help_text="{generator name: {requests, prompt_tokens, …}}"
    )
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=200, blank=True)
    # Database defaults too, so that code which predates these columns (a rolling deploy's
    # older process) can still insert jobs.
    worker_losses = models.PositiveSmallIntegerField(
        default=0,
        db_default=0,
        help_text="Workers lost mid-job since the job was last started or resumed by hand; "
        "after each loss the job was resumed automatically.",
    )
    queued_at = models.DateTimeField(
        null=True, blank=True, db_default=Now(), help_text="When its last message was sent."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"generation job {self.pk} of {self.project} ({self.status})"


class GenerationSample(models.Model):
    """One completion a generator owes a prompt, and once written, its provenance.

    Unique per (prompt, generator, sample index): a retried request, a resumed job or a
    second job over the same prompts never makes a second one.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        DUPLICATE = "duplicate", "Duplicate (collapsed)"

    job = models.ForeignKey(GenerationJob, on_delete=models.CASCADE, related_name="samples")
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="generation_samples")
    # CASCADE so that a project goes with everything in it; a generator alone is deleted
    # only while it has no samples (services.generators.generator_delete).
    generator = models.ForeignKey(Generator, on_delete=models.CASCADE, related_name="samples")
    sample_index = models.PositiveSmallIntegerField()
    seed = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    text = models.TextField(blank=True)
    model = models.CharField(max_length=300, blank=True, help_text="As the server named it.")
    sampling = models.JSONField(default=dict, help_text="The sampling parameters sent.")
    finish_reason = models.CharField(max_length=40, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    completion = models.OneToOneField(
        Completion, null=True, blank=True, on_delete=models.SET_NULL, related_name="generation"
    )
    duplicate_of = models.ForeignKey(
        Completion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prompt", "generator", "sample_index"], name="generation_sample_unique"
            )
        ]
        indexes = [models.Index(fields=["job", "status"], name="generation_sample_by_job")]

    def __str__(self) -> str:
        return f"{self.generator_id}#{self.sample_index} for {self.prompt_id} ({self.status})"
