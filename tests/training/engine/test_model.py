import torch
from transformers import AutoModelForSequenceClassification

from tests.training.engine.helpers import PAIRS, tiny_config
from training.engine import RewardScorer, train
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
