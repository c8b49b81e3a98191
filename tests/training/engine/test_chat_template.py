"""The chat template saved with a model renders a conversation as the engine's own input."""

import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import AutoTokenizer, PreTrainedTokenizerFast

from training.engine.chat_template import chat_prompt_text, reward_chat_template
from training.engine.config import default_backbone
from training.engine.tokenize import encode, join, specials_of

CHATS = [
    [{"role": "user", "content": "What is 2 plus 2?"}, {"role": "assistant", "content": "4."}],
    [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Name a colour, then stop"},
        {"role": "assistant", "content": " Blue, and that's all"},
    ],
    [{"role": "assistant", "content": "A completion with no prompt."}],
]


def _byte_level_tokenizer() -> PreTrainedTokenizerFast:
    """A GPT-2-style byte-level BPE (spaces are part of tokens), trained on the spot."""
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    corpus = [m["content"] for chat in CHATS for m in chat] * 20 + ["user: system: Hello"]
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"])
    bpe.train_from_iterator(corpus, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>")


@pytest.fixture(params=["minilm", "byte_level"])
def tokenizer(request):
    if request.param == "minilm":
        return AutoTokenizer.from_pretrained(default_backbone())
    return _byte_level_tokenizer()


@pytest.mark.parametrize("chat", CHATS)
def test_the_template_tokenizes_to_the_engines_ids(tokenizer, chat):
    tokenizer.chat_template = reward_chat_template(tokenizer)
    text = tokenizer.apply_chat_template(chat, tokenize=False)
    got = tokenizer(text, add_special_tokens=False)["input_ids"]
    prompt, completion = encode(tokenizer, [chat_prompt_text(chat[:-1]), chat[-1]["content"]])
    expected, _ = join(prompt, completion, specials_of(tokenizer), 10_000, 0)
    assert got == expected


def test_an_encoders_template_wraps_the_text_in_its_special_tokens():
    tokenizer = AutoTokenizer.from_pretrained(default_backbone())
    tokenizer.chat_template = reward_chat_template(tokenizer)
    text = tokenizer.apply_chat_template(CHATS[0], tokenize=False)
    assert text == "[CLS]user: What is 2 plus 2? 4.[SEP]"


def test_a_byte_level_template_joins_prompt_and_completion_without_a_space():
    tokenizer = _byte_level_tokenizer()
    tokenizer.chat_template = reward_chat_template(tokenizer)
    text = tokenizer.apply_chat_template(CHATS[0], tokenize=False)
    assert text == "user: What is 2 plus 2?4."
