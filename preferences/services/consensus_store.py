"""Stored consensus: PromptConsensus rows kept up to date with the annotators' rankings.

A prompt's consensus is recomputed when the set of its annotator rankings (kind 'ranked',
not gold) changes: its fingerprint is the sha256 of the sorted "ranking_id:revision" list,
computed in SQL. PostgreSQL also encodes the stale prompts' rankings, as flat arrays of
completion ids and tier numbers per prompt, so no ranking's JSON is parsed in Python; the
arrays are reshaped into (P, R, K) at once and run through the batched numpy consensus in
chunks. Each stored consensus keeps its pairs with how the raters voted on them, which a
consensus dataset version turns into its weights.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from itertools import chain
from typing import Any

import numpy as np
from django.db import connection, transaction

from annotation.models import Ranking
from preferences.maths.agreement import consensus_agreement_batch
from preferences.maths.consensus import Method, consensus_batch
from preferences.maths.reliability import rater_weights
from preferences.models import PromptConsensus
from preferences.services.pairs import dataset_job
from projects.models import Project
from projects.services.periodic import projects_each

CHUNK_PROMPTS = 20_000
# Compact, and without the circular-reference check: it runs once per prompt stored.
_json = json.JSONEncoder(check_circular=False, separators=(",", ":")).encode
FETCH_ROWS = 10_000
ANALYZE_AFTER = 10_000

# The annotator rankings a consensus is made of.
RATER_RANKINGS = "r.kind = 'ranked' AND r.annotator_id IS NOT NULL AND NOT r.is_gold"

# sha256 over the sorted "id:revision" list; the same expression is the stored fingerprint.
FINGERPRINT = (
    "encode(sha256(convert_to(string_agg(r.id::text || ':' || r.revision::text, ',' "
    "ORDER BY r.id), 'UTF8')), 'hex')"
)


@dataclass(frozen=True)
class _Stale:
    """The stale prompts, encoded: ``ids`` (P, K) completion ids in ascending order, -1
    padded; ``ranks`` (P, R, K) tier numbers, -1 padded; ``raters`` (P, R) annotator ids,
    0 padded; and the fingerprint of each prompt's rankings."""

    prompt_ids: list[int]
    fingerprints: list[str]
    ids: np.ndarray
    ranks: np.ndarray
    raters: np.ndarray


def consensus_update(
    *, project_id: int, method: Method = "bradley_terry", min_raters: int | None = None
) -> int:
    """Recompute the consensus of every stale prompt with at least ``min_raters`` rankings
    (default: the project's raters_per_item); the number of prompts updated.

    Rater weights come from each annotator's agreement with the leave-one-out consensus,
    pooled over the prompts being updated (a full recompute pools over the whole project).
    PostgreSQL only: on the embedded SQLite database it updates nothing.
    """
    if connection.vendor != "postgresql":
        return 0
    project = Project.objects.get(pk=project_id)
    least = project.raters_per_item if min_raters is None else min_raters
    with transaction.atomic():
        dataset_job(project_id=project_id)
        stale = _stale_prompts(project_id, method, least)
        if not stale.prompt_ids:
            return 0
        weights = _weights(stale.ranks, stale.raters)
        for start in range(0, len(stale.prompt_ids), CHUNK_PROMPTS):
            window = slice(start, start + CHUNK_PROMPTS)
            _store(project_id, method, stale, window, weights[window])
        if len(stale.prompt_ids) >= ANALYZE_AFTER:
            # Dataset versions read these rows right after: planned on the stale statistics
            # of a table that just grew by this much, their queries run several times slower.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {PromptConsensus._meta.db_table}")
    return len(stale.prompt_ids)


_R, _PC = Ranking._meta.db_table, PromptConsensus._meta.db_table
# Each stale prompt, how many rankings it has, and every (ranking, completion) of those as
# four aligned arrays: ranking id, annotator, completion id, tier number. They come in no
# order (ordered aggregates cost a sort per prompt); numpy sorts them all at once. A
# ranking whose tiers hold no completion adds no element, so its prompt comes out short.
_STALE = f"""
    WITH stale AS MATERIALIZED (
        SELECT c.prompt_id, c.fingerprint, c.raters FROM (
            SELECT r.prompt_id, {FINGERPRINT} AS fingerprint, count(*) AS raters
            FROM {_R} r WHERE r.project_id = %s AND {RATER_RANKINGS}
            GROUP BY r.prompt_id
        ) c
        LEFT JOIN {_PC} pc ON pc.prompt_id = c.prompt_id
        WHERE c.raters >= %s AND (pc.id IS NULL OR pc.fingerprint <> c.fingerprint
                                  OR pc.method <> %s)
    )
    SELECT s.prompt_id, s.fingerprint, s.raters, e.rankings, e.annotators, e.ids, e.tiers
    FROM stale s JOIN (
        SELECT r.prompt_id, array_agg(r.id) AS rankings, array_agg(r.annotator_id) AS annotators,
               array_agg(c.cid::bigint) AS ids, array_agg(t.n::int - 1) AS tiers
        FROM stale s JOIN {_R} r ON r.prompt_id = s.prompt_id
        CROSS JOIN LATERAL jsonb_array_elements(r.tiers) WITH ORDINALITY AS t(tier, n)
        CROSS JOIN LATERAL jsonb_array_elements_text(t.tier) AS c(cid)
        WHERE {RATER_RANKINGS}
        GROUP BY r.prompt_id
    ) e ON e.prompt_id = s.prompt_id
"""


@dataclass
class _Elements:
    """Every (ranking, completion) of the stale prompts, flat: the prompt's index, then the
    ranking, annotator, completion id and tier number."""

    prompt: np.ndarray
    ranking: np.ndarray
    annotator: np.ndarray
    completion: np.ndarray
    tier: np.ndarray


def _stale_prompts(project_id: int, method: str, least: int) -> _Stale:
    """The stale prompts' rankings in one query, streamed through a server-side cursor."""
    prompt_ids: list[int] = []
    fingerprints: list[str] = []
    expected: list[int] = []
    sizes: list[int] = []
    columns: list[list[np.ndarray]] = [[], [], [], []]
    connection.ensure_connection()
    # psycopg's binary format: the arrays arrive as machine integers, not text to parse.
    with connection.connection.cursor("consensus_stale", binary=True) as cursor:
        cursor.execute(_STALE, [project_id, least, method])
        while rows := cursor.fetchmany(FETCH_ROWS):
            for prompt_id, fingerprint, raters, rankings, *_ in rows:
                prompt_ids.append(prompt_id)
                fingerprints.append(fingerprint)
                expected.append(raters)
                sizes.append(len(rankings))
            # One pass in C per chunk and column, not a Python loop over every element.
            for n, flat in enumerate(columns):
                flat.append(np.fromiter(chain.from_iterable(r[3 + n] for r in rows), np.int64))
    if not prompt_ids:
        none = np.zeros((0, 0), dtype=np.int64)
        return _Stale([], [], ids=none, ranks=none[..., None], raters=none)
    elements = _Elements(
        np.repeat(np.arange(len(sizes)), sizes), *(np.concatenate(c) for c in columns)
    )
    return _encode(prompt_ids, fingerprints, np.array(expected), elements)


def _grids(prompts: int, raters: int, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.full((prompts, raters, width), -1, dtype=np.int64),
        np.full((prompts, raters, width), -1, dtype=np.int64),
        np.zeros((prompts, raters), dtype=np.int64),
    )


def _encode(
    prompt_ids: list[int], fingerprints: list[str], expected: np.ndarray, e: _Elements
) -> _Stale:
    """The elements as (P, R, K) grids, rankings in id order and completions in id order,
    keeping only the prompts whose every ranking orders the same completions: a prompt
    whose completions changed under its rankings is left without consensus, not guessed at.
    """
    order = np.lexsort((e.completion, e.ranking, e.prompt))
    e = _Elements(*(getattr(e, f.name)[order] for f in fields(e)))
    count = len(e.prompt)
    starts_ranking = np.r_[True, (e.ranking[1:] != e.ranking[:-1])]
    ranking_no = np.cumsum(starts_ranking) - 1
    ranking_start = np.flatnonzero(starts_ranking)
    slot_k = np.arange(count) - ranking_start[ranking_no]
    prompt_of_ranking = e.prompt[ranking_start]
    found = np.bincount(prompt_of_ranking, minlength=len(prompt_ids))
    first_ranking = np.cumsum(found) - found
    slot_r = ranking_no - first_ranking[e.prompt]
    width = np.bincount(ranking_no)
    # Every ranking of a prompt must order as many completions as its first one, and the
    # prompt must have all the rankings its fingerprint counted.
    same_width = width == width[first_ranking[prompt_of_ranking]]
    ok = (found == expected) & (np.bincount(prompt_of_ranking, ~same_width, len(found)) == 0)
    ids, ranks, raters = _grids(len(prompt_ids), int(found.max()), int(width.max()))
    ids[e.prompt, slot_r, slot_k] = e.completion
    ranks[e.prompt, slot_r, slot_k] = e.tier
    raters[e.prompt, slot_r] = e.annotator
    ok &= ((ids == ids[:, :1, :]) | (ranks < 0)).all(axis=(1, 2))
    keep = np.flatnonzero(ok)
    return _Stale(
        prompt_ids=[prompt_ids[n] for n in keep],
        fingerprints=[fingerprints[n] for n in keep],
        ids=ids[keep, 0, :],
        ranks=ranks[keep],
        raters=raters[keep],
    )


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
    project_id: int, method: Method, stale: _Stale, window: slice, weights: np.ndarray
) -> None:
    ranks, ids = stale.ranks[window], stale.ids[window]
    found = consensus_batch(ranks=ranks, weights=weights, method=method)
    kendall_w = kendall_w_batch(ranks)
    pairs = found.pairs
    # found.pairs comes prompt by prompt: each prompt's pairs are one slice of it.
    bounds = np.searchsorted(pairs.prompt, np.arange(len(ids) + 1)).tolist()
    # Counts, not shares: integers encode to JSON several times faster than floats.
    pair_rows = list(
        map(
            list,
            zip(
                ids[pairs.prompt, pairs.winner].tolist(),
                ids[pairs.prompt, pairs.loser].tolist(),
                pairs.agree.tolist(),
                pairs.disagree.tolist(),
                pairs.tie.tolist(),
                strict=True,
            ),
        )
    )
    rows = []
    for n, (prompt_id, fingerprint, order, numbers, strengths, raters, w) in enumerate(
        zip(
            stale.prompt_ids[window],
            stale.fingerprints[window],
            ids.tolist(),
            found.tiers.tolist(),
            found.strengths.tolist(),
            (ranks[..., 0] >= 0).sum(axis=-1).tolist(),
            [None if np.isnan(w) else w for w in kendall_w.tolist()],
            strict=True,
        )
    ):
        tiers: dict[int, list[int]] = {}
        for cid, number in zip(order, numbers, strict=True):
            if cid >= 0:
                tiers.setdefault(number, []).append(cid)
        consensus = [
            [tiers[k] for k in sorted(tiers)],
            {str(c): v for c, v in zip(order, strengths, strict=True) if c >= 0},
            pair_rows[bounds[n] : bounds[n + 1]],
        ]
        rows.append((prompt_id, _json(consensus), raters, w, fingerprint))
    _upsert(project_id, method, rows)


def _upsert(project_id: int, method: str, rows: list[tuple[Any, ...]]) -> None:
    """COPY into a scratch table, then one INSERT … ON CONFLICT: bulk_create's per-row
    parameters cost several times the whole consensus computation at 100,000 prompts. Each
    prompt's tiers, strengths and pairs travel as one JSON document: one encoding call each."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS consensus_load (prompt_id bigint, consensus jsonb, "
            "raters int, kendall_w float8, fingerprint text) ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE consensus_load")
        with cursor.cursor.copy("COPY consensus_load FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"""
            INSERT INTO {_PC} (prompt_id, project_id, method, tiers, strengths, pairs, raters,
                               kendall_w, fingerprint, computed_at)
            SELECT prompt_id, %s, %s, consensus -> 0, consensus -> 1, consensus -> 2, raters,
                   kendall_w, fingerprint, now()
            FROM consensus_load
            ON CONFLICT (prompt_id) DO UPDATE SET
                method = EXCLUDED.method, tiers = EXCLUDED.tiers,
                strengths = EXCLUDED.strengths, pairs = EXCLUDED.pairs,
                raters = EXCLUDED.raters, kendall_w = EXCLUDED.kendall_w,
                fingerprint = EXCLUDED.fingerprint, computed_at = EXCLUDED.computed_at
            """,
            [project_id, method],
        )


def consensus_update_all() -> int:
    """Recompute the consensus of every project's prompts whose rankings changed."""
    updated = projects_each(
        lambda project_id: consensus_update(project_id=project_id), job="consensus update"
    )
    return sum(updated.done.values())
