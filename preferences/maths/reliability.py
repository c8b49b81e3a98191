"""How much each rater's votes count in the consensus: their agreement with the others."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


def rater_weights(
    *,
    agree: npt.ArrayLike,
    total: npt.ArrayLike,
    floor: float = 0.05,
    prior_pairs: float = 10.0,
) -> Floats:
    """Reliability weights, one per rater, from agreement with the leave-one-out consensus.

    ``agree``/``total`` are each rater's pooled ``consensus_agreement_counts`` (or the sums of
    ``consensus_agreement_batch``). The agreement rate is shrunk towards the crowd's,
    â = (agree + s·ā) / (total + s) with s = ``prior_pairs`` and ā = Σ agree / Σ total, so a
    rater with few overlapping pairs gets an average weight, not an extreme one (ā = 1 when
    nobody has any pairs yet: every weight is then 1). Then
    weight = clip(2â - 1, floor, 1): the expected sign agreement of the rater's votes, 1 for
    a perfect rater, ``floor`` for one at or below chance (kept above 0 so their prompts
    still get a ranking, never negative: votes are not flipped).
    """
    agree = np.asarray(agree, dtype=np.float64)
    total = np.asarray(total, dtype=np.float64)
    crowd = agree.sum() / total.sum() if total.sum() else 1.0
    rate = (agree + prior_pairs * crowd) / (total + prior_pairs)
    return np.asarray(np.clip(2 * rate - 1, floor, 1.0))
