"""The SQL that builds and previews a dataset version on PostgreSQL: one INSERT … SELECT per
version, per rater or by consensus, with the split of each prompt computed in the statement."""

from __future__ import annotations

from annotation.models import Ranking
from dataset_versions.models import DatasetPair, DatasetRanking
from preferences.models import PromptConsensus, RankingExpansion, RankingPair
from preferences.services.consensus_store import RATER_RANKINGS

_R, _E, _RP = Ranking._meta.db_table, RankingExpansion._meta.db_table, RankingPair._meta.db_table
_PC, _DP, _DR = (
    PromptConsensus._meta.db_table,
    DatasetPair._meta.db_table,
    DatasetRanking._meta.db_table,
)

# A prompt's place in [0, 1), from md5(seed:prompt_id): the split depends on nothing else,
# so it is reproducible and all of a prompt's pairs land in one split.
_SPLIT = """CASE
    WHEN h.u < %(train)s THEN 'train'
    WHEN h.u < %(train_validation)s THEN 'validation'
    ELSE 'test' END"""
_UNIT = """CROSS JOIN LATERAL (SELECT
    ('x' || lpad(substr(md5(%(seed)s || ':' || {prompt}::text), 1, 8), 16, '0'))::bit(64)::bigint
    / 4294967296.0 AS u) h"""

# What the build statement answers, from its ``pairs`` and ``lineage`` CTEs: the lineage
# size, {split: [pairs, prompts]}, and the content hash over the pairs in a fixed order.
# The pairs CTE's {split: [pairs, prompts]}.
_SPLIT_COUNTS = """(SELECT coalesce(jsonb_object_agg(split, jsonb_build_array(n, prompts)), '{}')
            FROM (SELECT split, count(*) AS n, count(DISTINCT prompt_id) AS prompts
                  FROM pairs GROUP BY split) s)"""
# What the build statement answers, from its ``pairs`` and ``lineage`` CTEs: the lineage
# size, {split: [pairs, prompts]}, and the content hash over the pairs in a fixed order.
_SUMMARY = f"""
    SELECT (SELECT count(*) FROM lineage),
           {_SPLIT_COUNTS},
           (SELECT encode(sha256(convert_to(coalesce(string_agg(
                prompt_id || ':' || chosen_id || ':' || rejected_id || ':'
                || round(weight::numeric, 6) || ':' || split, E'\\n'
                ORDER BY prompt_id, chosen_id, rejected_id, weight, split), ''), 'UTF8')), 'hex')
            FROM pairs)"""

# Per rater: every pair of every ranking that passes the filters, with how many rankings
# the prompt has.
_RATER_RANKINGS = f"""rk AS (
        SELECT r.id, r.prompt_id, count(*) OVER (PARTITION BY r.prompt_id) AS n
        FROM {_R} r
        WHERE r.project_id = %(project)s AND r.kind = 'ranked'
          AND (%(include_gold)s OR NOT r.is_gold)
          AND CASE WHEN r.annotator_id IS NULL THEN %(include_imported)s
                   ELSE (%(rater_ids)s::bigint[] IS NULL OR r.annotator_id = ANY(%(rater_ids)s))
              END
    )"""
_RATER_PAIRS = f"""
            SELECT rp.prompt_id, rp.chosen_id, rp.rejected_id, rp.ranking_id, {_SPLIT} AS split
            FROM rk JOIN {_RP} rp ON rp.ranking_id = rk.id
            {_UNIT.format(prompt="rk.prompt_id")}
            WHERE rk.n >= %(min_raters)s"""
# The rows go in split and prompt order, so the split index only appends and an export of
# one split reads its rows together.
PER_RATER_VERSION = f"""
    WITH {_RATER_RANKINGS}, pairs AS (
        INSERT INTO {_DP} (version_id, prompt_id, chosen_id, rejected_id, weight, split,
                           ranking_id)
        SELECT %(version)s, x.prompt_id, x.chosen_id, x.rejected_id, 1.0, x.split, x.ranking_id
        FROM ({_RATER_PAIRS}
        ) x
        ORDER BY x.split, x.prompt_id, x.ranking_id, x.chosen_id, x.rejected_id
        RETURNING prompt_id, chosen_id, rejected_id, weight, split, ranking_id
    ), lineage AS (
        INSERT INTO {_DR} (version_id, ranking_id, revision)
        SELECT %(version)s, e.ranking_id, e.revision FROM {_E} e
        WHERE e.ranking_id IN (SELECT ranking_id FROM pairs)
        RETURNING ranking_id
    ){_SUMMARY}"""
PER_RATER_PREVIEW = f"""
    WITH {_RATER_RANKINGS}, pairs AS ({_RATER_PAIRS}
    ) SELECT {_SPLIT_COUNTS}"""

# By consensus: the pairs the stored consensus orders, weighted by the share of the raters
# who agree, a tie counting half (consensus_update stores the votes with each pair); the
# lineage is the rankings it was made of (consensus_store.RATER_RANKINGS), for every prompt
# with a pair in the version. The split is worked out once per prompt, not once per pair;
# the rows go in unsorted (sorting 600,000 of them cost about as much as it saved).
_CONSENSUS_VOTES = f"""prompts AS MATERIALIZED (
        SELECT pc.prompt_id, pc.pairs, pc.strengths, {_SPLIT} AS split
        FROM {_PC} pc {_UNIT.format(prompt="pc.prompt_id")}
        WHERE pc.project_id = %(project)s AND pc.method = %(method)s
          AND pc.raters >= %(min_raters)s
    ), voted AS (
        SELECT x.prompt_id, x.split, (p.pair ->> 0)::bigint AS chosen,
               (p.pair ->> 1)::bigint AS rejected,
               (x.strengths ->> (p.pair ->> 0))::float - (x.strengths ->> (p.pair ->> 1))::float
                   AS margin,
               (p.pair ->> 2)::float AS agree, (p.pair ->> 3)::float AS disagree,
               (p.pair ->> 4)::float AS tie
        FROM prompts x CROSS JOIN LATERAL jsonb_array_elements(x.pairs) AS p(pair)
    )"""
_CONSENSUS_PAIRS = """
        SELECT v.prompt_id, v.chosen, v.rejected, v.weight, v.margin, v.split
        FROM (
            SELECT voted.*, (agree + 0.5 * tie) / (agree + disagree + tie) AS weight FROM voted
        ) v
        WHERE v.weight >= %(min_agreement)s - 1e-9"""
CONSENSUS_VERSION = f"""
    WITH {_CONSENSUS_VOTES}, pairs AS (
        INSERT INTO {_DP} (version_id, prompt_id, chosen_id, rejected_id, weight, margin, split)
        SELECT %(version)s, x.* FROM ({_CONSENSUS_PAIRS}
        ) x
        RETURNING prompt_id, chosen_id, rejected_id, weight, split
    ), lineage AS (
        INSERT INTO {_DR} (version_id, ranking_id, revision)
        SELECT %(version)s, r.id, e.revision FROM {_R} r JOIN {_E} e ON e.ranking_id = r.id
        WHERE r.project_id = %(project)s AND {RATER_RANKINGS}
          AND r.prompt_id IN (SELECT prompt_id FROM pairs)
        RETURNING ranking_id
    ){_SUMMARY}"""
CONSENSUS_PREVIEW = f"""
    WITH {_CONSENSUS_VOTES}, pairs AS ({_CONSENSUS_PAIRS}
    ) SELECT {_SPLIT_COUNTS}"""
