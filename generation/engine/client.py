"""One OpenAI-compatible request (chat or completions), retried on what is worth retrying.

Servers differ: vLLM honours ``n``; TGI and ``transformers serve`` ignore or reject it. An
endpoint with ``send_n`` asks for all of a prompt's samples in one request; otherwise each
sample is its own request with its own seed, so the samples differ wherever seeds matter.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from generation.engine.hosts import HostRefused
from generation.engine.types import Endpoint, PromptWork, RetryPolicy, SampleRequest, SampleResult

# 408, 409 and 425 are "try again" on some servers; 429 is rate limiting; 5xx an overloaded
# or restarting server. Any other status is the request's fault and will not change.
RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
MAX_ERROR_CHARS = 500


class RequestFailed(Exception):
    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True)
class Choice:
    text: str
    finish_reason: str


@dataclass(frozen=True)
class Answer:
    choices: list[Choice]
    model: str
    prompt_tokens: int
    completion_tokens: int


def request_body(
    endpoint: Endpoint, work: PromptWork, samples: tuple[SampleRequest, ...]
) -> dict[str, Any]:
    sampling = endpoint.sampling
    body: dict[str, Any] = {
        "model": endpoint.model,
        "temperature": sampling.temperature,
        "top_p": sampling.top_p,
        "max_tokens": sampling.max_tokens,
        "seed": samples[0].seed,
    }
    if sampling.stop:
        body["stop"] = list(sampling.stop)
    if len(samples) > 1:
        body["n"] = len(samples)
    if endpoint.chat:
        body["messages"] = work.messages or [{"role": "user", "content": work.text}]
    else:
        body["prompt"] = work.text or _transcript(work.messages or [])
    return body


def _transcript(messages: list[dict[str, str]]) -> str:
    # The completions endpoint takes text: a chat item is written out turn by turn.
    return "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant:"


def endpoint_url(endpoint: Endpoint) -> str:
    path = "chat/completions" if endpoint.chat else "completions"
    return f"{endpoint.base_url.rstrip('/')}/{path}"


async def answer_fetch(
    session: aiohttp.ClientSession, endpoint: Endpoint, body: dict[str, Any]
) -> Answer:
    """One POST; ``RequestFailed`` says whether a retry may help."""
    headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
    timeout = aiohttp.ClientTimeout(total=endpoint.timeout)
    try:
        # No redirects: an OpenAI-compatible server answers where it is asked, and a redirect
        # to an address would pass the host rule by (aiohttp resolves no literal address).
        async with session.post(
            endpoint_url(endpoint), json=body, headers=headers, timeout=timeout,
            allow_redirects=False,
        ) as response:  # fmt: skip
            raw = await response.read()
            if response.status != 200:
                raise _status_failure(response.status, raw, response.headers.get("Retry-After"))
    except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
        cause = getattr(exc, "os_error", None)  # a connector error's cause
        if isinstance(cause, HostRefused):  # the host rule: asking again cannot help
            raise RequestFailed(str(cause)[:MAX_ERROR_CHARS], retryable=False) from exc
        name = "timed out" if isinstance(exc, asyncio.TimeoutError) else type(exc).__name__
        raise RequestFailed(f"{name}: {exc}"[:MAX_ERROR_CHARS], retryable=True) from exc
    return _answer_parse(raw, endpoint.chat)


def _status_failure(status: int, raw: bytes, retry_after: str | None) -> RequestFailed:
    text = raw.decode("utf-8", "replace")[:MAX_ERROR_CHARS]
    wait = None
    if retry_after:
        try:
            wait = float(retry_after)
        except ValueError:
            wait = None  # an HTTP date: fall back to the backoff
    return RequestFailed(
        f"HTTP {status}: {text}", retryable=status in RETRYABLE_STATUS, retry_after=wait
    )


def _answer_parse(raw: bytes, chat: bool) -> Answer:
    try:
        data = json.loads(raw)
        choices = sorted(data["choices"], key=lambda c: c.get("index", 0))
        parsed = [
            Choice(
                text=(c["message"]["content"] or "") if chat else c["text"],
                finish_reason=str(c.get("finish_reason") or ""),
            )
            for c in choices
        ]
        usage = data.get("usage") or {}
        return Answer(
            choices=parsed,
            model=str(data.get("model") or ""),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # A body cut short by a dropped connection reads like this too: worth a retry.
        message = f"unreadable answer ({exc!r}): {raw[:200]!r}"
        raise RequestFailed(message[:MAX_ERROR_CHARS], retryable=True) from exc


def backoff_seconds(policy: RetryPolicy, attempt: int, retry_after: float | None) -> float:
    if retry_after is not None:
        return min(retry_after, policy.max_backoff)
    # Full jitter: many workers retrying a rate-limited server do not all come back at once.
    ceiling = min(policy.backoff * 2 ** (attempt - 1), policy.max_backoff)
    return random.uniform(ceiling / 2, ceiling)


async def samples_request(
    session: aiohttp.ClientSession,
    endpoint: Endpoint,
    work: PromptWork,
    samples: tuple[SampleRequest, ...],
    policy: RetryPolicy,
) -> list[SampleResult]:
    """The results of ``samples`` (one request), after up to ``policy.attempts`` tries."""
    body = request_body(endpoint, work, samples)
    for attempt in range(1, policy.attempts + 1):
        started = time.monotonic()
        try:
            answer = await answer_fetch(session, endpoint, body)
            if len(answer.choices) < len(samples):
                raise RequestFailed(
                    f"asked for {len(samples)} choices, got {len(answer.choices)}",
                    retryable=False,
                )
        except RequestFailed as exc:
            if not exc.retryable or attempt == policy.attempts:
                return [
                    SampleResult(s.sample_id, ok=False, attempts=attempt, error=str(exc))
                    for s in samples
                ]
            await asyncio.sleep(backoff_seconds(policy, attempt, exc.retry_after))
            continue
        latency = int((time.monotonic() - started) * 1000)
        return _results(answer, samples, latency, attempt)
    raise AssertionError("unreachable: the last attempt returns")


def _results(
    answer: Answer, samples: tuple[SampleRequest, ...], latency: int, attempt: int
) -> list[SampleResult]:
    # With n, the server bills the prompt once and reports the completions' tokens together:
    # the prompt's tokens go on the first sample and the completions' are shared out.
    share, rest = divmod(answer.completion_tokens, len(samples))
    return [
        SampleResult(
            sample.sample_id,
            ok=True,
            text=choice.text,
            finish_reason=choice.finish_reason,
            prompt_tokens=answer.prompt_tokens if i == 0 else 0,
            completion_tokens=share + (rest if i == 0 else 0),
            latency_ms=latency,
            attempts=attempt,
            model=answer.model,
        )
        for i, (sample, choice) in enumerate(zip(samples, answer.choices, strict=False))
    ]
