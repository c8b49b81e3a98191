import sys

import pytest
import torch
from transformers import AutoModelForSequenceClassification

from tests.training.engine.helpers import PAIRS, tiny_config
from training.engine import RewardScorer, train
from training.engine.evaluate import _best_matmul_seconds, cpu_bf16_pays, use_bf16
from training.engine.model import load


def _score(rm, tokenizer, texts, side):
    tokenizer.padding_side = side
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        return rm(batch["input_ids"], batch["attention_mask"])


TEXTS = ["short one", "a much longer text with many more words in it than the first", "mid size"]


def test_reward_is_the_same_with_left_and_right_padding(backbone):
    rm, tokenizer = load(backbone, seed=0)
    rm.eval()
    right = _score(rm, tokenizer, TEXTS, "right")
    left = _score(rm, tokenizer, TEXTS, "left")
    torch.testing.assert_close(left, right, atol=1e-5, rtol=1e-5)


def test_reward_does_not_depend_on_batch_composition(backbone):
    rm, tokenizer = load(backbone, seed=0)
    rm.eval()
    together = _score(rm, tokenizer, TEXTS, "right")
    alone = torch.cat([_score(rm, tokenizer, [t], "right") for t in TEXTS])
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-5)


def test_decoder_reward_is_read_at_the_last_attended_token(tiny_gpt2):
    rm, tokenizer = load(tiny_gpt2, seed=0)
    rm.eval()
    tokenizer.padding_side = "left"
    batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = rm.backbone(batch["input_ids"], batch["attention_mask"])
        expected = rm.head(hidden[:, -1])  # left padding: the last column is the last token
        torch.testing.assert_close(rm(batch["input_ids"], batch["attention_mask"]), expected)


def test_plain_transformers_loads_the_saved_folder_with_the_engine_rewards(backbone, tmp_path):
    train(tiny_config(backbone, epochs=1), PAIRS, out_dir=tmp_path)
    scorer = RewardScorer(tmp_path, device="cpu")
    prompt, completions = PAIRS[0]["prompt"], [PAIRS[0]["chosen"], PAIRS[0]["rejected"]]
    engine = scorer.score(prompt, completions)
    plain = AutoModelForSequenceClassification.from_pretrained(tmp_path).eval()
    tokenizer = scorer.tokenizer
    tokenizer.padding_side = "right"
    batch = tokenizer([prompt + c for c in completions], padding=True, return_tensors="pt")
    with torch.no_grad():
        # Only ids and mask: a real GPT-2 tokenizer emits no token_type_ids (this shared one does).
        logits = plain(batch["input_ids"], attention_mask=batch["attention_mask"]).logits.squeeze(
            -1
        )
    torch.testing.assert_close(logits, torch.tensor(engine), atol=1e-5, rtol=1e-5)


def _both_paths(rm, ids, mask):
    fast = rm.head(rm.features(ids, mask))
    full = rm.head(rm.pool(rm.backbone(ids, mask), mask))
    return fast, full


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("encoder", ["tiny_bert", "tiny_roberta"])
def test_encoder_fast_path_equals_the_full_forward_and_its_gradients(encoder, side, request):
    rm, tokenizer = load(request.getfixturevalue(encoder), seed=0)
    assert rm.encoder_layers is not None
    tokenizer.padding_side = side
    batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
    fast, full = _both_paths(rm, batch["input_ids"], batch["attention_mask"])
    torch.testing.assert_close(fast, full, atol=1e-5, rtol=1e-5)
    params = [p for p in rm.parameters()]
    fast_grads = torch.autograd.grad(fast.square().sum(), params, allow_unused=True)
    full_grads = torch.autograd.grad(full.square().sum(), params, allow_unused=True)
    for a, b in zip(fast_grads, full_grads, strict=True):
        if b is None:
            continue
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)


def test_encoder_fast_path_under_bf16_autocast_stays_close_to_the_full_forward(tiny_bert):
    rm, tokenizer = load(tiny_bert, seed=0)
    batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        fast, full = _both_paths(rm, batch["input_ids"], batch["attention_mask"])
    torch.testing.assert_close(fast, full, atol=2e-2, rtol=2e-2)


def test_decoders_take_the_full_forward(tiny_gpt2):
    rm, _ = load(tiny_gpt2, seed=0)
    assert rm.encoder_layers is None


def test_checkpointing_recomputes_the_fast_path_blocks_with_the_same_gradients(tiny_bert):
    rm, tokenizer = load(tiny_bert, seed=0)
    rm.train()
    batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
    params = list(rm.parameters())
    calls = []
    rm.encoder_layers[0].intermediate.register_forward_hook(lambda *_: calls.append(1))
    plain = torch.autograd.grad(rm(batch["input_ids"], batch["attention_mask"]).sum(), params)
    assert len(calls) == 1
    rm.enable_checkpointing()
    assert rm.checkpointing
    calls.clear()
    checkpointed = torch.autograd.grad(
        rm(batch["input_ids"], batch["attention_mask"]).sum(), params
    )
    assert len(calls) == 2  # forward, then again in backward
    for a, b in zip(plain, checkpointed, strict=True):
        torch.testing.assert_close(a, b)


def test_auto_precision_uses_bf16_on_cpu_only_where_it_measures_faster(monkeypatch):
    cpu = torch.device("cpu")
    speed = {torch.float32: 1.0, torch.bfloat16: 1.0}
    module = sys.modules[use_bf16.__module__]  # the package exports a function of that name
    monkeypatch.setattr(module, "_best_matmul_seconds", lambda dtype: speed[dtype])
    cpu_bf16_pays.cache_clear()
    assert not use_bf16(cpu, "auto")  # equal speed: float32's precision wins
    assert use_bf16(cpu, "bf16")
    cpu_bf16_pays.cache_clear()
    speed[torch.bfloat16] = 0.5
    assert use_bf16(cpu, "auto")
    assert not use_bf16(cpu, "fp32")
    cpu_bf16_pays.cache_clear()


def test_bf16_probe_times_real_matrix_products_without_moving_the_global_rng():
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    assert 0 < _best_matmul_seconds(torch.float32, repeats=1) < 5
    assert torch.rand(3).equal(expected)
