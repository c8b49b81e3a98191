"""Stored consensus: PromptConsensus rows kept up to date with the annotators' rankings.

A prompt's consensus is recomputed when the set of its annotator rankings (kind 'ranked',
not gold) changes: its fingerprint is the sha256 of the sorted "ranking_id:revision" list,
computed in SQL. Stale prompts are loaded in one streamed query, encoded as (P, R, K) arrays
and run through the batched numpy consensus in chunks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction

from annotation.models import Project, PromptConsensus, Ranking
from annotation.services.agreement import consensus_agreement_batch, tier_index
from annotation.services.consensus import Method, consensus_batch, rater_weights

CHUNK_PROMPTS = 20_000
FETCH_ROWS = 10_000
ANALYZE_AFTER = 10_000

# The annotator rankings a consensus is made of.
RATER_RANKINGS = "r.kind = 'ranked' AND r.annotator_id IS NOT NULL AND NOT r.is_gold"

# sha256 over the sorted "id:revision" list; the same expression is the stored fingerprint.
FINGERPRINT = (
    "encode(sha256(convert_to(string_agg(r.id::text || ':' || r.revision::text, ',' "
    "ORDER BY r.id), 'UTF8')), 'hex')"
)


@dataclass
class _Prompt:
    prompt_id: int
    fingerprint: str
    raters: list[int]
    tiers: list[list[list[int]]]


def consensus_update(
    *, project_id: int, method: Method = "bradley_terry", min_raters: int | None = None
) -> int:
    """Recompute the consensus of every stale prompt with at least ``min_raters`` rankings
    (default: the project's raters_per_item); the number of prompts updated.

    Rater weights come from each annotator's agreement with the leave-one-out consensus,
    pooled over the prompts being updated (a full recompute pools over the whole project).
    """
    project = Project.objects.get(pk=project_id)
    least = project.raters_per_item if min_raters is None else min_raters
    with transaction.atomic():
        prompts = [p for p in _stale_prompts(project_id, method, least) if _encodable(p)]
        if not prompts:
            return 0
        ids, ranks, raters = _encode(prompts)
        weights = _weights(ranks, raters)
        for start in range(0, len(prompts), CHUNK_PROMPTS):
            window = slice(start, start + CHUNK_PROMPTS)
            _store(project_id, method, prompts[window], ids[window], ranks[window], weights[window])
        if len(prompts) >= ANALYZE_AFTER:
            # Dataset versions join these rows right after: planned on the stale statistics
            # of a table that just grew by this much, their pair query runs several times slower.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {PromptConsensus._meta.db_table}")
    return len(prompts)


def _stale_prompts(project_id: int, method: str, least: int) -> Iterator[_Prompt]:
    """The stale prompts' rankings in one query, streamed through a server-side cursor."""
    r, pc = Ranking._meta.db_table, PromptConsensus._meta.db_table
    sql = f"""
        WITH current AS (
            SELECT r.prompt_id, {FINGERPRINT} AS fingerprint, count(*) AS raters
            FROM {r} r WHERE r.project_id = %s AND {RATER_RANKINGS}
            GROUP BY r.prompt_id
        ), stale AS (
            SELECT c.prompt_id, c.fingerprint FROM current c
            LEFT JOIN {pc} pc ON pc.prompt_id = c.prompt_id
            WHERE c.raters >= %s AND (pc.id IS NULL OR pc.fingerprint <> c.fingerprint
                                      OR pc.method <> %s)
        )
        SELECT s.prompt_id, s.fingerprint, r.annotator_id, r.tiers
        FROM stale s JOIN {r} r ON r.prompt_id = s.prompt_id
        WHERE {RATER_RANKINGS}
        ORDER BY s.prompt_id, r.id
    """
    current: _Prompt | None = None
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, [project_id, least, method])
        while rows := cursor.fetchmany(FETCH_ROWS):
            for prompt_id, fingerprint, annotator_id, tiers in rows:
                if current is None or current.prompt_id != prompt_id:
                    if current is not None:
                        yield current
                    current = _Prompt(prompt_id, fingerprint, [], [])
                current.raters.append(annotator_id)
                # Django leaves jsonb undecoded on raw cursors.
                current.tiers.append(json.loads(tiers) if isinstance(tiers, str) else tiers)
    if current is not None:
        yield current


def _encodable(prompt: _Prompt) -> bool:
    # Every ranking is validated against the prompt's completions when submitted; a prompt
    # whose completions changed under its rankings is left without consensus, not guessed at.
    first = set(tier_index(tiers=prompt.tiers[0]))
    return all(set(tier_index(tiers=t)) == first for t in prompt.tiers[1:])


def _encode(prompts: Sequence[_Prompt]) -> tuple[list[list[int]], np.ndarray, np.ndarray]:
    """Completion ids per prompt; ranks (P, R, K) padded with -1; annotator ids (P, R), 0 pad."""
    width = max(len(tier_index(tiers=p.tiers[0])) for p in prompts)
    depth = max(len(p.raters) for p in prompts)
    ranks = np.full((len(prompts), depth, width), -1, dtype=np.int64)
    raters = np.zeros((len(prompts), depth), dtype=np.int64)
    ids = []
    for n, prompt in enumerate(prompts):
        order = sorted(tier_index(tiers=prompt.tiers[0]))
        slot = {cid: k for k, cid in enumerate(order)}
        for r, tiers in enumerate(prompt.tiers):
            for number, tier in enumerate(tiers):
                ranks[n, r, [slot[c] for c in tier]] = number
        raters[n, : len(prompt.raters)] = prompt.raters
        ids.append(order)
    return ids, ranks, raters


def _weights(ranks: np.ndarray, raters: np.ndarray) -> np.ndarray:
    """(P, R) reliability weight of each rater slot; padding slots get 0."""
    agree, total = consensus_agreement_batch(ranks=ranks)
    filled = ranks[..., 0] >= 0
    people, slot_person = np.unique(raters[filled], return_inverse=True)
    pooled_agree = np.bincount(slot_person, weights=agree[filled], minlength=len(people))
    pooled_total = np.bincount(slot_person, weights=total[filled], minlength=len(people))
    weights = np.zeros(ranks.shape[:2])
    weights[filled] = rater_weights(agree=pooled_agree, total=pooled_total)[slot_person]
    return weights


def kendall_w_batch(ranks: np.ndarray) -> np.ndarray:
    """Kendall's W with the tie correction for each prompt of (P, R, K) ranks; NaN where
    ``agreement.kendall_w`` gives None. Same formula, as arrays."""
    ranked = ranks >= 0
    both = ranked[..., :, None] & ranked[..., None, :]
    above = (both & (ranks[..., None, :] < ranks[..., :, None])).sum(axis=-1)
    level = (both & (ranks[..., None, :] == ranks[..., :, None])).sum(axis=-1)
    average = np.where(ranked, above + (level + 1) / 2, 0.0)
    m = ranked.any(axis=-1).sum(axis=-1).astype(np.float64)
    n = ranked.any(axis=1).sum(axis=-1).astype(np.float64)
    deviations = average.sum(axis=1) - (m * (n + 1) / 2)[:, None]
    deviations = np.where(ranked.any(axis=1), deviations, 0.0)
    s = (deviations**2).sum(axis=-1)
    # Σ over tiers of (t³ - t) = Σ over completions of (t² - 1), t its tier's size.
    ties = np.where(ranked, level.astype(np.float64) ** 2 - 1, 0.0).sum(axis=(1, 2))
    denominator = m * m * (n**3 - n) - m * ties
    valid = (m >= 2) & (n >= 2) & (denominator > 0)
    return np.where(valid, 12 * s / np.where(valid, denominator, 1.0), np.nan)


def _store(
    project_id: int,
    method: Method,
    prompts: Sequence[_Prompt],
    ids: Sequence[list[int]],
    ranks: np.ndarray,
    weights: np.ndarray,
) -> None:
    found = consensus_batch(ranks=ranks, weights=weights, method=method)
    w = kendall_w_batch(ranks)
    rows = []
    for n, prompt in enumerate(prompts):
        order = ids[n]
        tiers: dict[int, list[int]] = {}
        for slot, cid in enumerate(order):
            tiers.setdefault(int(found.tiers[n, slot]), []).append(cid)
        strengths = {str(c): float(found.strengths[n, k]) for k, c in enumerate(order)}
        rows.append(
            (
                prompt.prompt_id,
                json.dumps([tiers[k] for k in sorted(tiers)]),
                json.dumps(strengths),
                len(prompt.raters),
                None if np.isnan(w[n]) else float(w[n]),
                prompt.fingerprint,
            )
        )
    _upsert(project_id, method, rows)


def _upsert(project_id: int, method: str, rows: list[tuple[Any, ...]]) -> None:
    """COPY into a scratch table, then one INSERT … ON CONFLICT: bulk_create's per-row
    parameters cost several times the whole consensus computation at 100,000 prompts."""
    pc = PromptConsensus._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS consensus_load (prompt_id bigint, tiers jsonb, "
            "strengths jsonb, raters int, kendall_w float8, fingerprint text) ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE consensus_load")
        with cursor.cursor.copy("COPY consensus_load FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"""
            INSERT INTO {pc} (prompt_id, project_id, method, tiers, strengths, raters,
                              kendall_w, fingerprint, computed_at)
            SELECT prompt_id, %s, %s, tiers, strengths, raters, kendall_w, fingerprint, now()
            FROM consensus_load
            ON CONFLICT (prompt_id) DO UPDATE SET
                method = EXCLUDED.method, tiers = EXCLUDED.tiers,
                strengths = EXCLUDED.strengths, raters = EXCLUDED.raters,
                kendall_w = EXCLUDED.kendall_w, fingerprint = EXCLUDED.fingerprint,
                computed_at = EXCLUDED.computed_at
            """,
            [project_id, method],
        )
