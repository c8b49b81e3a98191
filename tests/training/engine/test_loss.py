import itertools
import math

import torch
import torch.nn.functional as F

from training.engine.batching import collate, encode_groups
from training.engine.data import load
from training.engine.loss import listwise_loss
from training.engine.model import load_tokenizer

RECORDS = [
    {
        "prompt": "p1",
        "completions": ["a", "b", "c", "d"],
        "ranking": [[2], [0, 3], [1]],
        "weight": 2,
    },
    {"prompt": "p2", "chosen": "x", "rejected": "y", "margin": 0.5},
    {"prompt": "p2", "chosen": "x", "rejected": "z", "weight": 0.5},
]


def _brute_force(scores: dict[tuple[str, str], float]) -> float:
    """Each record alone, each pair alone: the textbook pairwise loss, averaged per record."""
    total = 0.0
    a_b_c_d_tiers = {"c": 0, "a": 1, "d": 1, "b": 2}
    pairs = [
        (w, lo)
        for w, lo in itertools.permutations("abcd", 2)
        if a_b_c_d_tiers[w] < a_b_c_d_tiers[lo]
    ]
    for win, lose in pairs:
        diff = torch.tensor(scores[("p1", win)] - scores[("p1", lose)])
        total += 2 / math.comb(4, 2) * -F.logsigmoid(diff).item()
    diff = torch.tensor(scores[("p2", "x")] - scores[("p2", "y")] - 0.5)
    total += -F.logsigmoid(diff).item()
    diff = torch.tensor(scores[("p2", "x")] - scores[("p2", "z")])
    total += 0.5 * -F.logsigmoid(diff).item()
    return total / 3


def test_listwise_loss_equals_the_brute_force_pairwise_loss(tiny_bert):
    dataset = load(RECORDS)
    encoded, _ = encode_groups(dataset.groups, load_tokenizer(tiny_bert), 32, 4)
    batch = collate(encoded, pad_id=0)
    torch.manual_seed(0)
    rewards = torch.randn(batch.input_ids.shape[0])
    keys = [(e.group.prompt, c) for e in encoded for c in e.group.completions]
    scores = {k: float(r) for k, r in zip(keys, rewards, strict=True)}
    loss = listwise_loss(
        rewards, batch.chosen, batch.rejected, batch.weight, batch.margin, batch.n_records
    )
    assert math.isclose(loss.item(), _brute_force(scores), rel_tol=1e-5)


def test_each_distinct_completion_is_one_row_of_the_forward_pass(tiny_bert):
    dataset = load(RECORDS)
    encoded, _ = encode_groups(dataset.groups, load_tokenizer(tiny_bert), 32, 4)
    batch = collate(encoded, pad_id=0)
    assert batch.input_ids.shape[0] == 4 + 3  # a b c d, then x y z
    assert batch.n_pairs == 5 + 2  # 6 pairs minus one tie, then two pairs


def test_centering_term_adds_mean_squared_reward():
    rewards = torch.tensor([1.0, -3.0])
    one = torch.tensor([0])
    two = torch.tensor([1])
    w, m = torch.tensor([1.0]), torch.tensor([0.0])
    plain = listwise_loss(rewards, one, two, w, m, 1)
    centered = listwise_loss(rewards, one, two, w, m, 1, center_coef=0.1)
    assert math.isclose((centered - plain).item(), 0.1 * 5.0, rel_tol=1e-6)
