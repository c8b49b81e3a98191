"""The chat template saved with a model: chat text in, the engine's own input out.

Trainers that load the folder directly (TRL's ``GRPOTrainer(reward_funcs=<folder>)``,
verl) render a conversation with the tokenizer's chat template and tokenize the text
*without* special tokens. The engine scores ``specials.prefix + ids(prompt) +
ids(completion) + specials.suffix`` ([CLS] ... [SEP] for BERT/MiniLM), with a chat prompt
as the plain text Rankwise exports it (``role: content`` turns, blank lines between). The
template writes exactly that: the special tokens as text (a tokenizer reads them back as
the special ids), the prompt's turns, then the last message's content, the completion.

The prompt and the completion are joined with a space where the tokenizer drops spaces
between words (BERT's WordPiece, SentencePiece), so the two parts tokenize as they do
apart; with no space where a space is a token of its own (GPT-2's byte-level BPE).

Plain-text (non-chat) callers have no template: TRL then tokenizes ``prompt +
completion`` without special tokens, which for an encoder leaves out [CLS], the token its
head reads. Use conversational prompts or the remote reward (``rankwise_client``) there.
"""

from __future__ import annotations

import json
from typing import Any

from training.engine.tokenize import specials_of

_TEMPLATE = (
    "{{ PREFIX }}"
    "{% for message in messages[:-1] %}"
    "{% if not loop.first %}{{ '\\n\\n' }}{% endif %}"
    "{{ message['role'] }}: {{ message['content'] }}"
    "{% endfor %}"
    "{% if messages | length > 1 %}{{ JOIN }}{% endif %}"
    "{{ messages[-1]['content'] }}"
    "{{ SUFFIX }}"
)


def reward_chat_template(tokenizer: Any) -> str:
    """The template for ``tokenizer``; the last message of a conversation is the
    completion and every message before it the prompt."""
    specials = specials_of(tokenizer)
    values = {
        "PREFIX": "".join(tokenizer.convert_ids_to_tokens(list(specials.prefix))),
        "SUFFIX": "".join(tokenizer.convert_ids_to_tokens(list(specials.suffix))),
        "JOIN": " " if _spaces_are_free(tokenizer) else "",
    }
    template = _TEMPLATE
    for name, value in values.items():
        template = template.replace("{{ " + name + " }}", "{{ " + json.dumps(value) + " }}")
    return template


def chat_prompt_text(messages: list[dict[str, Any]]) -> str:
    """A chat prompt as one string, as Rankwise exports it (and as the template writes it)."""
    return "\n\n".join(f"{m.get('role', 'user')}: {m.get('content', '')}" for m in messages)


def _spaces_are_free(tokenizer: Any) -> bool:
    def ids(text: str) -> list[int]:
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])

    return ids("Hello world") == ids("Hello") + ids("world")
