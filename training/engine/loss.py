"""Bradley-Terry loss over all pairs of each prompt, from one score per completion."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def listwise_loss(
    rewards: torch.Tensor,
    chosen: torch.Tensor,
    rejected: torch.Tensor,
    weight: torch.Tensor,
    margin: torch.Tensor,
    n_records: int,
    center_coef: float = 0.0,
) -> torch.Tensor:
    """Mean over source records of sum_pairs w * -log sigmoid(r_w - r_l - margin).

    Pair weights already hold record_weight / C(K,2), so a ranking of K completions counts
    once however many pairs it yields. The optional centering term pulls rewards toward 0
    so they stay comparable between runs (Eisenstein et al., 2023).
    """
    diff = rewards[chosen] - rewards[rejected] - margin
    loss = -(weight * F.logsigmoid(diff)).sum() / max(n_records, 1)
    if center_coef:
        loss = loss + center_coef * rewards.pow(2).mean()
    return loss
