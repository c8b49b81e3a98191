"""Agreement and annotator-quality reports for researchers: reads only, a fixed number of
queries whatever the number of annotators.

The statistics themselves live in ``services.agreement`` (plain data); this module loads
the rankings in bulk and hands them over.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Avg, Count

from annotation.models import Completion, Prompt, Ranking
from preferences.maths.agreement import (
    Units,
    consensus_agreement_batch,
    gold_score,
    krippendorff_alpha_pairs,
    median_time,
    pair_units,
    pairwise_agreement_rate,
    position_bias,
    tier_index,
)
from preferences.models import PromptConsensus, RankingPair


@dataclass(frozen=True)
class _Row:
    prompt_id: int
    annotator_id: int
    tiers: Any
    display_order: list[int]
    time_spent_ms: int | None
    is_gold: bool


def _rankings(project_id: int) -> list[_Row]:
    """The project's annotator rankings (kind 'ranked'), one query."""
    rows = (
        Ranking.objects.filter(
            project_id=project_id, kind=Ranking.Kind.RANKED, annotator__isnull=False
        )
        .order_by("prompt_id", "id")
        .values_list(
            "prompt_id", "annotator_id", "tiers", "display_order", "time_spent_ms", "is_gold"
        )
    )
    return [_Row(*row) for row in rows.iterator(chunk_size=10_000)]


def project_agreement(*, project_id: int) -> dict[str, Any]:
    """Krippendorff's alpha and the pairwise agreement rate over pair preferences of the
    non-gold annotator rankings, the mean stored Kendall's W, and counts."""
    by_prompt: dict[Hashable, dict[Hashable, Any]] = defaultdict(dict)
    for row in _rankings(project_id):
        if not row.is_gold:
            by_prompt[row.prompt_id][row.annotator_id] = row.tiers
    units = cast(Units, pair_units(rankings=by_prompt))
    consensus = PromptConsensus.objects.filter(project_id=project_id).aggregate(
        mean_w=Avg("kendall_w"), prompts=Count("id")
    )
    return {
        "krippendorff_alpha": krippendorff_alpha_pairs(units=units),
        "pairwise_agreement": pairwise_agreement_rate(units=units),
        "mean_kendall_w": consensus["mean_w"],
        "prompts": len(by_prompt),
        "multi_rated_prompts": sum(len(r) >= 2 for r in by_prompt.values()),
        "rankings": sum(len(r) for r in by_prompt.values()),
        "annotators": len({a for r in by_prompt.values() for a in r}),
        "consensus_prompts": consensus["prompts"],
    }


def annotator_report(*, project_id: int) -> list[dict[str, Any]]:
    """Per annotator: rankings, leave-one-out agreement, gold accuracy, position and length
    bias, median time. Five queries."""
    rows = _rankings(project_id)
    by_annotator: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        by_annotator[row.annotator_id].append(row)
    agreement = _loo_agreement([row for row in rows if not row.is_gold])
    gold = _gold_scores(project_id, rows)
    lengths = _length_bias(project_id)
    names = dict(
        get_user_model()
        .objects.filter(pk__in=list(by_annotator))
        .values_list("pk", get_user_model().USERNAME_FIELD)
    )
    report = []
    for annotator_id, mine in sorted(by_annotator.items()):
        bias = position_bias(rankings=[(r.tiers, r.display_order) for r in mine if r.display_order])
        agree, total = agreement.get(annotator_id, (0, 0))
        scores = gold.get(annotator_id, [])
        report.append(
            {
                "annotator_id": annotator_id,
                "username": names.get(annotator_id, ""),
                "rankings": len(mine),
                "consensus_agreement": agree / total if total else None,
                "compared_pairs": total,
                "gold_rankings": len(scores),
                "gold_accuracy": sum(scores) / len(scores) if scores else None,
                "position_bias": None if bias is None else bias.rate,
                "position_chance": None if bias is None else bias.chance,
                "length_bias": lengths.get(annotator_id),
                "median_time_ms": median_time(
                    ms_values=[r.time_spent_ms for r in mine if r.time_spent_ms is not None]
                ),
            }
        )
    return report


def _loo_agreement(rows: list[_Row]) -> dict[int, tuple[int, int]]:
    """Each annotator's (agree, total) against the other raters' consensus, pooled."""
    by_prompt: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        by_prompt[row.prompt_id].append(row)
    prompts = [group for group in by_prompt.values() if len(group) >= 2 and _same_ids(group)]
    if not prompts:
        return {}
    width = max(len(tier_index(tiers=g[0].tiers)) for g in prompts)
    depth = max(len(g) for g in prompts)
    ranks = np.full((len(prompts), depth, width), -1, dtype=np.int64)
    who = np.zeros((len(prompts), depth), dtype=np.int64)
    for p, group in enumerate(prompts):
        slot = {cid: k for k, cid in enumerate(sorted(tier_index(tiers=group[0].tiers)))}
        for r, row in enumerate(group):
            who[p, r] = row.annotator_id
            for number, tier in enumerate(row.tiers):
                ranks[p, r, [slot[c] for c in tier]] = number
    agree, total = consensus_agreement_batch(ranks=ranks)
    pooled: dict[int, tuple[int, int]] = {}
    for annotator_id, a, t in zip(who.ravel(), agree.ravel(), total.ravel(), strict=True):
        if annotator_id:
            before = pooled.get(int(annotator_id), (0, 0))
            pooled[int(annotator_id)] = (before[0] + int(a), before[1] + int(t))
    return pooled


def _same_ids(group: list[_Row]) -> bool:
    first = set(tier_index(tiers=group[0].tiers))
    return all(set(tier_index(tiers=row.tiers)) == first for row in group[1:])


def _gold_scores(project_id: int, rows: list[_Row]) -> dict[int, list[float]]:
    """Gold score of every ranking of a prompt with a gold ranking (tiers of completion
    positions, mapped to ids here). Two queries."""
    gold: dict[int, Any] = dict(
        Prompt.objects.filter(project_id=project_id, gold_ranking__isnull=False).values_list(
            "id", "gold_ranking"
        )
    )
    if not gold:
        return {}
    position_id: dict[int, dict[int, int]] = defaultdict(dict)
    for prompt_id, position, cid in Completion.objects.filter(prompt_id__in=list(gold)).values_list(
        "prompt_id", "position", "id"
    ):
        position_id[prompt_id][position] = cid
    scores: dict[int, list[float]] = defaultdict(list)
    for row in rows:
        if row.prompt_id not in gold:
            continue
        ids = position_id[row.prompt_id]
        try:
            gold_tiers = [[ids[p] for p in tier] for tier in gold[row.prompt_id]]
            scores[row.annotator_id].append(
                gold_score(rater_tiers=row.tiers, gold_tiers=gold_tiers)
            )
        except (KeyError, TypeError, ValueError):
            # A gold ranking that no longer matches the prompt's completions scores nobody.
            continue
    return scores


def _length_bias(project_id: int) -> dict[int, float]:
    """Share of each annotator's strict pairs of unequal length where the longer text won,
    in one aggregate query."""
    rp, r, c = RankingPair._meta.db_table, Ranking._meta.db_table, Completion._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT r.annotator_id,
                   count(*) FILTER (WHERE length(w.text) > length(l.text)),
                   count(*) FILTER (WHERE length(w.text) <> length(l.text))
            FROM {rp} rp JOIN {r} r ON r.id = rp.ranking_id
            JOIN {c} w ON w.id = rp.chosen_id JOIN {c} l ON l.id = rp.rejected_id
            WHERE r.project_id = %s AND r.annotator_id IS NOT NULL
            GROUP BY r.annotator_id
            """,
            [project_id],
        )
        return {a: longer / unequal for a, longer, unequal in cursor.fetchall() if unequal}
