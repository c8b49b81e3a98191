"""Preferences derived from the rankings: pairs per ranking and each prompt's consensus."""

from __future__ import annotations

from django.db import models

from annotation.models import Completion, Prompt, Ranking
from projects.models import Project


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

    class Meta:
        db_table = "annotation_rankingexpansion"  # its table from before the app split

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

    class Meta:
        db_table = "annotation_rankingpair"  # its table from before the app split

    def __str__(self) -> str:
        return f"{self.chosen_id} > {self.rejected_id} ({self.ranking_id})"


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
        db_table = "annotation_promptconsensus"  # its table from before the app split
        verbose_name_plural = "prompt consensuses"

    def __str__(self) -> str:
        return f"consensus of {self.prompt_id}"
