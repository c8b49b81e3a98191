from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser


class Role(models.TextChoices):
    ANNOTATOR = "annotator", "Annotator"
    RESEARCHER = "researcher", "Researcher"
    ADMIN = "admin", "Admin"


# Each role can do everything the roles below it can.
ROLE_RANK = {Role.ANNOTATOR: 0, Role.RESEARCHER: 1, Role.ADMIN: 2}


class Project(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    guidelines = models.TextField(blank=True, help_text="Markdown shown to annotators.")
    raters_per_item = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    allow_ties = models.BooleanField(default=True)
    gold_rate = models.FloatField(
        default=0.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Share of served items that are gold items.",
    )
    lease_minutes = models.PositiveIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    rankings_locked = models.BooleanField(
        default=False, help_text="When set, annotators can no longer revise their rankings."
    )
    default_raw_text = models.BooleanField(
        default=False,
        help_text="Show completions as raw text (exactly as written) rather than rendered "
        "markdown, until an annotator switches a card.",
    )
    archived_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When set, the project is hidden from its annotators and takes no rankings.",
    )
    members: models.ManyToManyField[AbstractUser, Membership] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="projects"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANNOTATOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.project} ({self.role})"


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
    # the annotation queue until all its completions are in.
    awaiting_completions = models.BooleanField(default=False)
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


class RankingExpansion(models.Model):
    """The revision of a ranking whose pairs are in RankingPair (services.pairs).

    A narrow table of its own rather than a column of Ranking: marking 300,000 new rankings
    expanded is then 300,000 two-column inserts, not a rewrite of every wide ranking row and
    of each of its indexes. Like RankingPair it is derived data with no database foreign key;
    it goes with its ranking through Django's CASCADE.
    """

    ranking = models.OneToOneField(
        Ranking,
        primary_key=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="expansion",
    )
    revision = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"ranking {self.ranking_id} expanded at revision {self.revision}"


class RankingPair(models.Model):
    """One ordered preference taken from one ranking: C(K,2) per ranking, less ties.

    Derived data: written only by services.pairs.pairs_expand, from rankings it has locked
    against deletion, and rebuilt from them at will. Its one index is its primary key,
    (ranking, chosen, rejected), which is also how it is read; it has no database foreign
    keys. At 1.7 M rows per 100,000 prompts, each key check or extra index added seconds
    to an expansion. The rows go with their ranking through Django's CASCADE; a prompt or
    completion is deleted only with its rankings (imports refuse to replace the completions
    of a ranked prompt).
    """

    pk = models.CompositePrimaryKey("ranking_id", "chosen_id", "rejected_id")
    ranking = models.ForeignKey(
        Ranking,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,  # the primary key leads with it
        related_name="pairs",
    )
    # Copied from the ranking and its tiers; they go with the ranking, not on their own.
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

    def __str__(self) -> str:
        return f"{self.chosen_id} > {self.rejected_id} ({self.ranking_id})"


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

    def __str__(self) -> str:
        return f"{self.format} of {self.version} ({self.status})"


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


class PromptConsensus(models.Model):
    """The merged ranking of a prompt's raters, recomputed when its rankings change.

    Derived data, upserted in bulk by services.consensus_store (100,000 rows for 100,000
    prompts): no database foreign keys, whose checks took a second of such a run. The rows
    go with their prompt and project through Django's CASCADE.
    """

    prompt = models.OneToOneField(
        Prompt, on_delete=models.CASCADE, db_constraint=False, related_name="consensus"
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    method = models.CharField(max_length=20)
    tiers = models.JSONField(help_text="Completion ids, best tier first.")
    strengths = models.JSONField(help_text="{completion id: log-strength}.")
    pairs = models.JSONField(
        default=list,
        help_text="[chosen, rejected, raters agreeing, raters disagreeing, raters tying] for "
        "every pair the tiers order.",
    )
    raters = models.PositiveSmallIntegerField()
    kendall_w = models.FloatField(null=True, blank=True)
    # The rankings (id:revision) it was computed from, to know when it is stale.
    fingerprint = models.CharField(max_length=64)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "prompt consensuses"

    def __str__(self) -> str:
        return f"consensus of {self.prompt_id}"
