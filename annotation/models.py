"""What annotators work on and produce: items (prompts with completions), leases, rankings,
import jobs and each annotator's workspace preferences."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from projects.models import Project


class AnnotatorPreferences(models.Model):
    """How the ranking workspace behaves for one user, in every browser they use."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="annotator_preferences",
    )
    advance_after_rank = models.BooleanField(
        default=True,
        help_text="After a number key places a card in a rank, move focus to the next card.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "annotator preferences"

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"


class Prompt(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="prompts")
    external_id = models.CharField(max_length=255)
    text = models.TextField(blank=True)
    messages = models.JSONField(
        null=True, blank=True, help_text="Chat transcript [{role, content}]."
    )
    metadata = models.JSONField(default=dict, blank=True)
    gold_ranking = models.JSONField(
        null=True, blank=True, help_text="Tiers of completion positions, best first."
    )
    is_gold = models.BooleanField(default=False)
    completions_hash = models.CharField(max_length=64, blank=True)
    # Imported without completions, or still being generated (generation app): kept out of
    # the annotation queue until all its completions are in. The column's own default lets
    # code that predates it (a rolling deploy, bulk SQL loads) insert items.
    awaiting_completions = models.BooleanField(default=False, db_default=False)
    priority = models.IntegerField(default=0)
    # Rankings plus live leases: the task queue hands out an item only while this is
    # below the project's raters_per_item. Kept exact under row locks (services.tasks).
    claim_count = models.PositiveIntegerField(default=0)
    ranking_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "external_id"], name="prompt_unique_external_id"
            )
        ]
        indexes = [
            # The "next item" scan: closest to completion, then priority, then import order.
            models.Index(
                "project",
                "is_gold",
                models.F("claim_count").desc(),
                models.F("priority").desc(),
                "id",
                name="prompt_queue_order",
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


class Completion(models.Model):
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="completions")
    position = models.PositiveSmallIntegerField(help_text="Index in the imported list.")
    text = models.TextField()
    model_name = models.CharField(max_length=200, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["prompt_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["prompt", "position"], name="completion_unique_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prompt_id}#{self.position}"


class Assignment(models.Model):
    """A lease: one annotator may rank one prompt until ``expires_at``."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DONE = "done", "Done"
        EXPIRED = "expired", "Expired"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="assignments")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    display_order = models.JSONField(help_text="Completion ids in the order shown.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prompt", "annotator"],
                condition=models.Q(status="active"),
                name="assignment_one_active_lease",
            )
        ]
        indexes = [
            models.Index(
                fields=["project", "expires_at"],
                condition=models.Q(status="active"),
                name="assignment_live_by_project",
            ),
            models.Index(fields=["annotator", "prompt"], name="assignment_by_annotator"),
        ]

    def __str__(self) -> str:
        return f"{self.annotator_id} on {self.prompt_id} ({self.status})"


class Ranking(models.Model):
    """One annotator's outcome for one prompt: a ranking, a skip or a flag."""

    class Kind(models.TextChoices):
        RANKED = "ranked", "Ranked"
        SKIPPED = "skipped", "Skipped"
        FLAGGED = "flagged", "Flagged"

    class FlagReason(models.TextChoices):
        UNSAFE = "unsafe", "Unsafe content"
        BROKEN = "broken", "Broken item"
        ALL_BAD = "all_bad", "All completions are bad"

    class Review(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="rankings")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rankings",
    )
    import_source = models.CharField(
        max_length=200, blank=True, help_text="For rankings that came with an imported file."
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.RANKED)
    tiers = models.JSONField(
        null=True,
        blank=True,
        help_text="Completion ids, best tier first; a tier of several is a tie.",
    )
    display_order = models.JSONField(default=list, blank=True)
    time_spent_ms = models.PositiveIntegerField(null=True, blank=True)
    skip_reason = models.CharField(max_length=500, blank=True)
    flag_reason = models.CharField(max_length=8, choices=FlagReason.choices, blank=True)
    flag_note = models.CharField(max_length=2000, blank=True)
    review_status = models.CharField(max_length=10, choices=Review.choices, blank=True)
    is_gold = models.BooleanField(default=False)
    client_request_id = models.UUIDField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prompt", "annotator"],
                condition=models.Q(annotator__isnull=False),
                name="ranking_one_per_annotator",
            ),
            models.UniqueConstraint(
                fields=["prompt", "import_source"],
                condition=models.Q(annotator__isnull=True),
                name="ranking_one_per_import_source",
            ),
            models.UniqueConstraint(
                fields=["annotator", "client_request_id"],
                condition=models.Q(client_request_id__isnull=False),
                name="ranking_idempotent_request",
            ),
            models.CheckConstraint(
                condition=models.Q(annotator__isnull=False) | ~models.Q(import_source=""),
                name="ranking_has_an_author",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "updated_at"], name="ranking_changes"),
            models.Index(
                fields=["project", "created_at"],
                condition=models.Q(review_status="open"),
                name="ranking_review_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.prompt_id} by {self.annotator_id or self.import_source}"


class ImportJob(models.Model):
    """An upload that a worker imports (API uploads over ``RANKWISE_IMPORT_SYNC_BYTES``).

    The file stays in storage until the job ends. The counts move while the job runs; the
    report (or the errors, by line) comes once it ends.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="import_jobs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to="imports/", max_length=300, blank=True)
    file_name = models.CharField(max_length=255, help_text="As uploaded: it names the format.")
    file_size = models.PositiveBigIntegerField(default=0)
    skip_invalid = models.BooleanField(default=False)
    source = models.CharField(max_length=200, blank=True, help_text="Blank: the file name.")
    rows_read = models.PositiveIntegerField(default=0)
    rows_stored = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    report = models.JSONField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True, help_text="The first 100, by line.")
    error_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["project", "-created_at"], name="importjob_project_created"),
            models.Index(
                fields=["started_at"],
                name="importjob_running",
                condition=models.Q(status="running"),
            ),
        ]

    def __str__(self) -> str:
        return f"import of {self.file_name} into {self.project} ({self.status})"
