"""Frozen dataset versions (pairs, splits, lineage) and their exports to files."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from annotation.models import Completion, Prompt, Ranking
from projects.models import Project


class DatasetVersion(models.Model):
    """An immutable snapshot of preference pairs, with the rule that made it."""

    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="dataset_versions")
    number = models.PositiveIntegerField(help_text="1, 2, 3… within the project.")
    name = models.CharField(max_length=200, blank=True)
    rule = models.JSONField(help_text="The aggregation rule; see services.datasets.Rule.")
    seed = models.IntegerField(default=0)
    split = models.JSONField(
        help_text='Shares of prompts: {"train": .8, "validation": .1, "test": .1}.'
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.BUILDING)
    error = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "annotation_datasetversion"  # its table from before the app split
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="dataset_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.project} v{self.number}"


class DatasetPair(models.Model):
    """One preference pair frozen into a dataset version.

    Written only by services.datasets in one INSERT … SELECT per version (600,000 rows for
    100,000 prompts by consensus, 1.7 M per rater), so it carries no database foreign keys
    and a single index besides the primary key: the key checks took longer than the whole
    rest of a version's build. What they guarded is held by the version's lineage instead:
    its rankings are protected (DatasetRanking), a prompt goes only with its rankings, and
    an import never replaces the completions of a ranked prompt. The rows go with their
    version through Django's CASCADE.
    """

    class Split(models.TextChoices):
        TRAIN = "train", "Train"
        VALIDATION = "validation", "Validation"
        TEST = "test", "Test"

    version = models.ForeignKey(
        DatasetVersion,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,  # dataset_pair_by_split leads with it
        related_name="pairs",
    )
    prompt = models.ForeignKey(
        Prompt, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    chosen = models.ForeignKey(
        Completion,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    rejected = models.ForeignKey(
        Completion,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    weight = models.FloatField(default=1.0)
    margin = models.FloatField(null=True, blank=True)
    split = models.CharField(max_length=10, choices=Split.choices)
    # The ranking a per-rater pair came from (null for consensus pairs); it is in the lineage.
    ranking = models.ForeignKey(
        Ranking,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    class Meta:
        db_table = "annotation_datasetpair"  # its table from before the app split
        indexes = [
            models.Index(fields=["version", "split", "prompt"], name="dataset_pair_by_split")
        ]

    def __str__(self) -> str:
        return f"v{self.version_id}: {self.chosen_id} > {self.rejected_id}"


class DatasetRanking(models.Model):
    """Lineage: exactly which ranking, at which revision, went into a version.

    It protects those rankings (and so their prompts) from deletion through Django's
    PROTECT, by its ranking index; like DatasetPair it is written in bulk by one statement
    per version and has no database foreign keys, whose checks cost seconds per version.
    """

    version = models.ForeignKey(
        DatasetVersion,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,  # dataset_ranking_unique leads with it
        related_name="lineage",
    )
    ranking = models.ForeignKey(
        Ranking, on_delete=models.PROTECT, db_constraint=False, related_name="+"
    )
    revision = models.PositiveIntegerField()

    class Meta:
        db_table = "annotation_datasetranking"  # its table from before the app split
        constraints = [
            models.UniqueConstraint(fields=["version", "ranking"], name="dataset_ranking_unique")
        ]

    def __str__(self) -> str:
        return f"v{self.version_id} ← ranking {self.ranking_id}@{self.revision}"


class ExportJob(models.Model):
    """An export of a dataset version to a file (or folder, zipped) for download."""

    class Format(models.TextChoices):
        TRL_JSONL = "trl_jsonl", "TRL preference JSONL"
        TRL_CHAT_JSONL = "trl_chat_jsonl", "TRL conversational JSONL"
        PARQUET = "parquet", "Parquet pairs"
        RAW_RANKINGS = "raw_rankings", "Raw rankings JSONL"
        HF_DATASET = "hf_dataset", "Hugging Face datasets folder (zip)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    version = models.ForeignKey(DatasetVersion, on_delete=models.CASCADE, related_name="exports")
    format = models.CharField(max_length=16, choices=Format.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "annotation_exportjob"  # its table from before the app split

    def __str__(self) -> str:
        return f"{self.format} of {self.version} ({self.status})"
