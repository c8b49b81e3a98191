from __future__ import annotations

from django.conf import settings
from django.db import models

from dataset_versions.models import DatasetVersion
from projects.models import Project


class TrainingSettings(models.Model):
    """A project's reward-model defaults and its periodic retraining rule."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="training")
    retrain_min_rankings = models.PositiveIntegerField(
        default=0,
        help_text="Retrain when this many rankings arrived since the last dataset version "
        "(0: never retrain by itself).",
    )
    config = models.JSONField(default=dict, blank=True, help_text="TrainConfig overrides.")
    rule = models.JSONField(
        default=dict, blank=True, help_text="Dataset rule for periodic versions (Rule fields)."
    )

    class Meta:
        verbose_name = verbose_name_plural = "training settings"

    def __str__(self) -> str:
        return f"training settings of {self.project}"


class TrainingRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        STALLED = "stalled", "Stalled"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Manual"
        PERIODIC = "periodic", "Periodic"

    class Failure(models.TextChoices):
        """Why a failed run failed, which says whether resuming it can help: a run that
        failed on its settings or its data fails the same way again."""

        CONFIGURATION = "configuration", "Configuration"
        DATA = "data", "Data"
        OUT_OF_MEMORY = "out_of_memory", "Out of memory"
        ERROR = "error", "Error"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="training_runs")
    number = models.PositiveIntegerField(help_text="1, 2, 3… within the project.")
    dataset_version = models.ForeignKey(
        DatasetVersion, on_delete=models.PROTECT, related_name="training_runs"
    )
    config = models.JSONField(help_text="The full TrainConfig the run trains with.")
    trigger = models.CharField(max_length=8, choices=Trigger.choices, default=Trigger.MANUAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    cancel_requested = models.BooleanField(default=False)
    # Bumped by every claim: a worker writes only while its attempt is the current one,
    # so a run declared stalled and resumed elsewhere is never trained by two workers.
    attempt = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid of the worker.")
    device = models.CharField(max_length=200, blank=True, help_text="GPU name, or cpu.")
    step = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(default=0)
    eta_seconds = models.FloatField(null=True, blank=True)
    metrics = models.JSONField(default=dict, blank=True, help_text="Final evaluation.")
    best_step = models.PositiveIntegerField(
        null=True, blank=True, help_text="The evaluated step whose weights the model kept."
    )
    error = models.TextField(blank=True)
    failure = models.CharField(max_length=16, choices=Failure.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(auto_now_add=True, help_text="Last (re)queued.")
    started_at = models.DateTimeField(null=True, blank=True, help_text="The first attempt's.")
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text="When it ended; never set on a stalled run."
    )
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="training_run_number")
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="training_run_liveness")]

    def __str__(self) -> str:
        return f"{self.project} run {self.number}"


class TrainingAttempt(models.Model):
    """One worker's go at a run, from its claim to its end: a run that stalled or failed
    and was resumed has several, and each keeps its own times, worker and outcome."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        STALLED = "stalled", "Stalled"

    run = models.ForeignKey(TrainingRun, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField(help_text="The run's attempt counter at the claim.")
    worker = models.CharField(max_length=200, blank=True)
    device = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="When it ended; a stalled attempt's last heartbeat."
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    start_step = models.PositiveIntegerField(
        null=True, blank=True, help_text="The step it trained from (its checkpoint's)."
    )
    end_step = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="training_attempt_number")
        ]

    def __str__(self) -> str:
        return f"{self.run} attempt {self.number}"


class TrainingPoint(models.Model):
    """One point of a run's metric series: a training step or an evaluation."""

    class Kind(models.TextChoices):
        TRAIN = "train", "Train"
        EVAL = "eval", "Eval"

    run = models.ForeignKey(TrainingRun, on_delete=models.CASCADE, related_name="points")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    step = models.PositiveIntegerField()
    values = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["run", "kind", "step"], name="training_point_series")]

    def __str__(self) -> str:
        return f"{self.run} {self.kind}@{self.step}"


class TrainingLogLine(models.Model):
    run = models.ForeignKey(TrainingRun, on_delete=models.CASCADE, related_name="log_lines")
    at = models.DateTimeField(auto_now_add=True)
    message = models.TextField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.message[:80]


class ModelVersion(models.Model):
    """A trained reward model: its artifact folder in storage, metrics, and whether it
    is the project's active model (at most one is)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="model_versions")
    number = models.PositiveIntegerField()
    training_run = models.OneToOneField(
        TrainingRun, on_delete=models.PROTECT, related_name="model_version"
    )
    dataset_version = models.ForeignKey(
        DatasetVersion, on_delete=models.PROTECT, related_name="model_versions"
    )
    artifact = models.CharField(
        max_length=300, help_text="Storage prefix of the save_pretrained folder."
    )
    files = models.JSONField(default=list, help_text="File names under the prefix.")
    metrics = models.JSONField(default=dict, blank=True)
    reward_mean = models.FloatField(default=0.0)
    reward_std = models.FloatField(default=1.0)
    is_active = models.BooleanField(default=False)
    decision = models.TextField(blank=True, help_text="Why it was or was not promoted.")
    created_at = models.DateTimeField(auto_now_add=True)
    promoted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="model_version_number"),
            models.UniqueConstraint(
                fields=["project"], condition=models.Q(is_active=True), name="one_active_model"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} model {self.number}"


class Dispute(models.Model):
    """A pair where a model confidently disagrees with the human consensus: worth a second
    look (a labelling mistake, an ambiguous item, or a model blind spot)."""

    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="disputes"
    )
    prompt = models.ForeignKey("annotation.Prompt", on_delete=models.CASCADE, related_name="+")
    chosen = models.ForeignKey("annotation.Completion", on_delete=models.CASCADE, related_name="+")
    rejected = models.ForeignKey(
        "annotation.Completion", on_delete=models.CASCADE, related_name="+"
    )
    human_agreement = models.FloatField(help_text="Share of raters preferring chosen.")
    model_probability = models.FloatField(help_text="P(chosen beats rejected) by the model.")

    class Meta:
        ordering = ["model_probability"]

    def __str__(self) -> str:
        return f"dispute on {self.prompt_id}"
