"""A local Hugging Face causal LM: batched ``generate`` with ``num_return_sequences``.

Prompts are padded on the left, so every row's new tokens start at the same column and
the model continues each prompt from its own last token. Items with ``messages`` (and,
for a chat generator, plain prompts as one user turn) go through the tokenizer's chat
template. A batch holds the prompts with the same number of samples (one
``num_return_sequences`` per call); its seed is its first sample's.
"""

from __future__ import annotations

import time
from itertools import groupby
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from generation.engine.types import Endpoint, PromptWork, SampleResult


class LocalModel:
    def __init__(self, endpoint: Endpoint, device: str | None = None) -> None:
        self.endpoint = endpoint
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.tokenizer = AutoTokenizer.from_pretrained(endpoint.local_path)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        dtype = torch.bfloat16 if self.device.startswith("cuda") else torch.float32
        model = AutoModelForCausalLM.from_pretrained(endpoint.local_path, dtype=dtype)
        self.model = model.to(self.device).eval()  # type: ignore[arg-type]

    def generate(self, works: list[PromptWork]) -> list[SampleResult]:
        results: list[SampleResult] = []
        for _, group in groupby(works, key=lambda work: len(work.samples)):
            results += self._batch(list(group))
        return results

    def prompt_text(self, work: PromptWork) -> tuple[str, bool]:
        """The text fed to the model, and whether it already holds the special tokens."""
        messages = work.messages
        if messages is None and self.endpoint.chat:
            messages = [{"role": "user", "content": work.text}]
        if messages is not None and self.tokenizer.chat_template:
            text = self.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
            return str(text), True
        if messages is not None:
            return "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant:", False
        return work.text, False

    @torch.inference_mode()
    def _batch(self, works: list[PromptWork]) -> list[SampleResult]:
        started = time.monotonic()
        prompts = [self.prompt_text(work) for work in works]
        encoded = self.tokenizer(
            [text for text, _ in prompts],
            return_tensors="pt",
            padding=True,
            add_special_tokens=not prompts[0][1],
            return_token_type_ids=False,
        ).to(self.device)
        k = len(works[0].samples)
        torch.manual_seed(works[0].samples[0].seed)
        output = self.model.generate(**encoded, **self._sampling(k))
        width = encoded["input_ids"].shape[1]
        new = output[:, width:].cpu()
        latency = int((time.monotonic() - started) * 1000)
        prompt_tokens = encoded["attention_mask"].sum(dim=1).tolist()
        results = []
        for row, work in enumerate(works):
            for j, sample in enumerate(work.samples):
                text, tokens, reason = self._decoded(new[row * k + j])
                results.append(
                    SampleResult(
                        sample.sample_id,
                        ok=True,
                        text=text,
                        finish_reason=reason,
                        prompt_tokens=int(prompt_tokens[row]) if j == 0 else 0,
                        completion_tokens=tokens,
                        latency_ms=latency,
                        model=self.endpoint.model,
                    )
                )
        return results

    def _sampling(self, k: int) -> dict[str, Any]:
        sampling = self.endpoint.sampling
        greedy = sampling.temperature <= 0
        options: dict[str, Any] = {
            "max_new_tokens": sampling.max_tokens,
            "num_return_sequences": k,
            "do_sample": not greedy,
            "pad_token_id": self.tokenizer.pad_token_id,
        }
        if not greedy:
            options |= {"temperature": sampling.temperature, "top_p": sampling.top_p}
        return options

    def _decoded(self, tokens: torch.Tensor) -> tuple[str, int, str]:
        ids = tokens.tolist()
        eos = self.model.generation_config.eos_token_id
        ends = set(eos if isinstance(eos, list) else [eos]) - {None}
        cut = next((i for i, t in enumerate(ids) if t in ends), None)
        reason = "stop" if cut is not None else "length"
        kept = ids if cut is None else ids[:cut]
        text = str(self.tokenizer.decode(kept, skip_special_tokens=True))
        for stop in self.endpoint.sampling.stop:
            if stop in text:
                text, reason = text.split(stop, 1)[0], "stop"
        return text, len(kept) + (cut is not None), reason
