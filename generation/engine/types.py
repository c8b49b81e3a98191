"""The plain data the engine takes and gives back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Sampling:
    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int = 512
    stop: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "stop": list(self.stop),
        }


@dataclass(frozen=True)
class Endpoint:
    """One generator: an OpenAI-compatible server (``local_path`` empty) or a local model."""

    key: int
    model: str
    sampling: Sampling
    base_url: str = ""
    api_key: str = ""
    chat: bool = True
    send_n: bool = False  # the server honours ``n`` (vLLM): one request for all samples
    concurrency: int = 8  # requests in flight; for a local model, prompts per batch
    timeout: float = 60.0
    local_path: str = ""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # tries per request, the first included
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    max_backoff: float = 30.0


@dataclass(frozen=True)
class SampleRequest:
    """One completion to produce: ``sample_id`` is the caller's key for the answer."""

    sample_id: int
    seed: int


@dataclass(frozen=True)
class PromptWork:
    """The samples one generator owes one prompt (one request with ``n``, else one each)."""

    endpoint: int
    text: str
    messages: list[dict[str, str]] | None
    samples: tuple[SampleRequest, ...]


@dataclass
class SampleResult:
    sample_id: int
    ok: bool
    text: str = ""
    finish_reason: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    attempts: int = 1
    model: str = ""
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
