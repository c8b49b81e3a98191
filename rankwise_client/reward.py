"""A TRL reward function that asks a Rankwise server for its rewards.

TRL calls a reward function with the batch's ``prompts`` and ``completions`` (plus its
dataset columns as keyword arguments) and wants one float per completion. Prompts and
completions are plain strings, or, for conversational datasets, lists of
``{"role", "content"}`` messages; a chat prompt is sent as the text Rankwise exports and
trains on (``role: content`` turns separated by blank lines) and a chat completion as
the content of its messages.

Each call is one POST to the project's remote reward endpoint (OpenRLHF's protocol,
``query = prompt + completion`` with the prompt beside it, so the server splits them
exactly), in chunks of ``batch_size`` queries. Connection errors and 503s (the server's
model busy or being swapped) are retried with backoff; any other refusal raises
``RankwiseError`` with the server's message. The object holds only plain values, so TRL
(and multiprocessing) can pickle it.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

Message = dict[str, Any]
Text = str | list[Message]


class RankwiseError(RuntimeError):
    """The server refused the request (bad token, no active model, malformed input)."""


class RankwiseReward:
    def __init__(
        self,
        url: str,
        token: str,
        project: int,
        *,
        model: int | None = None,
        normalize: bool = False,
        batch_size: int = 1024,
        timeout: float = 120.0,
        retries: int = 4,
    ) -> None:
        """``url``: the server (``http://rankwise:8000`` or a scorer, ``http://scorer:8001``);
        ``project``: the project id; ``model``: a model id to pin (default: the project's
        active model at each call); ``normalize``: rewards in units of the model's reward
        spread instead of raw."""
        query: dict[str, str] = {"model": str(model)} if model is not None else {}
        if normalize:
            query["normalize"] = "true"
        suffix = f"?{urllib.parse.urlencode(query)}" if query else ""
        self.endpoint = f"{url.rstrip('/')}/api/v1/projects/{int(project)}/reward/{suffix}"
        self.token = token
        self.batch_size = batch_size
        self.timeout = timeout
        self.retries = retries
        self.__name__ = "rankwise"  # the name TRL logs this reward under
        self.last_model_version: int | None = None

    def __call__(self, prompts: list[Text], completions: list[Text], **kwargs: Any) -> list[float]:
        if len(prompts) != len(completions):
            raise ValueError(f"{len(prompts)} prompts for {len(completions)} completions")
        texts = [prompt_text(p) for p in prompts]
        queries = [t + completion_text(c) for t, c in zip(texts, completions, strict=True)]
        rewards: list[float] = []
        for start in range(0, len(queries), self.batch_size):
            end = start + self.batch_size
            rewards += self._post({"query": queries[start:end], "prompts": texts[start:end]})
        return rewards

    def _post(self, body: dict[str, Any]) -> list[float]:
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Token {self.token}"}
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(self.endpoint, data, headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    answer = json.loads(response.read())
            except urllib.error.HTTPError as error:
                if error.code != 503 or attempt == self.retries:
                    raise RankwiseError(_refusal(error)) from error
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                if attempt == self.retries:
                    raise RankwiseError(f"{self.endpoint}: {error}") from error
            else:
                versions = answer.get("extra_logs", {}).get("model_version") or [None]
                self.last_model_version = None if versions[0] is None else int(versions[0])
                return [float(r) for r in answer["rewards"]]
            time.sleep(min(0.5 * 2**attempt, 8.0))
        raise AssertionError("unreachable")


def prompt_text(prompt: Text) -> str:
    """A prompt as Rankwise's plain text: a chat's turns as ``role: content``."""
    if isinstance(prompt, str):
        return prompt
    return "\n\n".join(f"{m.get('role', 'user')}: {m.get('content', '')}" for m in prompt)


def completion_text(completion: Text) -> str:
    if isinstance(completion, str):
        return completion
    return "".join(str(m.get("content", "")) for m in completion)


def _refusal(error: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(error.read())["error"]
        fields = "; ".join(f"{k}: {' '.join(v)}" for k, v in detail.get("fields", {}).items())
        return f"{error.code} {detail['message']}" + (f" ({fields})" if fields else "")
    except (ValueError, KeyError, TypeError):
        return f"{error.code} {error.reason}"
