"""Rewards for RL trainers: full texts (prompt + response) in, one reward per text out.

OpenRLHF's remote reward protocol sends each query as the whole decoded sequence, prompt
and response together, with the prompt beside it. The reward model was trained on
(prompt, completion) with the prompt cut from the left and the completion kept, so the
response is split off first:

* the prompt is given and the query starts with it: the rest of the query is the
  response (the exact split, which every caller that builds ``query = prompt + response``
  gets);
* otherwise (no prompt, or a policy tokenizer whose decode does not reproduce the prompt
  exactly): the whole query is scored as the response to an empty prompt. The model sees
  the same tokens; only truncation of an over-long text differs (its middle goes, rather
  than the start of the prompt). Such queries are counted as ``prompt_matched = 0``.
"""

from __future__ import annotations

from dataclasses import dataclass

from training.models import ModelVersion
from training.services.scoring import groups_score, normalized


@dataclass(frozen=True)
class QueryRewards:
    model: ModelVersion
    rewards: list[float]
    normalized: list[float]
    prompt_matched: list[bool]


def response_split(query: str, prompt: str | None) -> tuple[str, str, bool]:
    """(prompt, response, whether the prompt was found as the query's prefix)."""
    if prompt is not None and query.startswith(prompt):
        return prompt, query[len(prompt) :], True
    return "", query, False


def queries_score(
    *, model: ModelVersion, queries: list[str], prompts: list[str] | None
) -> QueryRewards:
    """One reward per query, in order; queries sharing a prompt are scored as one group
    (the prompt is tokenized once) and all of them in one batched request."""
    split = [response_split(q, prompts[i] if prompts else None) for i, q in enumerate(queries)]
    groups: dict[str, list[int]] = {}
    for index, (prompt, _, _) in enumerate(split):
        groups.setdefault(prompt, []).append(index)
    items = [(prompt, [split[i][1] for i in members]) for prompt, members in groups.items()]
    scored = groups_score(model=model, items=items)
    rewards = [0.0] * len(queries)
    for members, group_rewards in zip(groups.values(), scored, strict=True):
        for index, reward in zip(members, group_rewards, strict=True):
            rewards[index] = reward
    return QueryRewards(
        model=model,
        rewards=rewards,
        normalized=[normalized(model, r) for r in rewards],
        prompt_matched=[matched for _, _, matched in split],
    )
