"""Real OpenAI-compatible HTTP servers for the generation tests and benchmark.

``tiny_lm_save`` builds a random 2-layer Llama with the packaged MiniLM tokenizer (no
download) that ``transformers serve`` serves (``LmServer``). ``FaultyServer`` is a real
aiohttp server on its own thread that forwards to such a server, or answers at once with
deterministic text, and fails the requests a test scripts: drops the connection, answers
429 or 500, or hangs past the client's timeout.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import deque
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web

CHAT_TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant:{% endif %}"
)


def tiny_lm_save(path: Path) -> Path:
    """A random causal LM folder: Llama config, MiniLM's WordPiece vocabulary, a chat template."""
    import torch
    from transformers import (
        AutoTokenizer,
        GenerationConfig,
        LlamaConfig,
        LlamaForCausalLM,
        PreTrainedTokenizerFast,
    )

    from training.engine.config import default_backbone

    base = AutoTokenizer.from_pretrained(default_backbone())
    # A fast tokenizer over the same vocabulary, without BERT's token_type_ids (which a
    # causal LM's generate refuses) and padding on the left.
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=base.backend_tokenizer,
        model_input_names=["input_ids", "attention_mask"],
        pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]",
        eos_token="[SEP]", padding_side="left",
    )  # fmt: skip
    tokenizer.chat_template = CHAT_TEMPLATE
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.sep_token_id,
        bos_token_id=tokenizer.cls_token_id,
    )  # fmt: skip
    model = LlamaForCausalLM(config)
    # Sampling by default, as instruct models ship: a temperature 0 request asks for greedy.
    model.generation_config = GenerationConfig(
        do_sample=True,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.sep_token_id,
        bos_token_id=tokenizer.cls_token_id,
    )
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LmServer:
    """``transformers serve`` on a model folder, on a free port, for as long as it runs."""

    def __init__(self, model_dir: Path, log: Path) -> None:
        self.model = str(model_dir)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        command = [
            str(Path(sys.executable).parent / "transformers"), "serve", self.model,
            "--host", "127.0.0.1", "--port", str(self.port),
        ]  # fmt: skip
        environment = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            command, env=environment, stdout=self.log, stderr=subprocess.STDOUT
        )
        self._wait_ready()

    def _wait_ready(self, seconds: float = 180) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"transformers serve exited ({self.process.returncode})")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1)
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("transformers serve did not come up")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        self.log.close()


class FaultyServer:
    """Scripted faults in front of ``upstream`` (or of instant deterministic answers).

    ``faults`` is consumed one per request ("drop", "429", "500", "hang", "redirect": a
    307 to the cloud metadata address, or "ok");
    ``always`` applies to every request once it runs out. ``honour_n`` answers ``n``
    choices like vLLM (asking upstream once per choice, seeds seed, seed+1, ...).
    """

    def __init__(self, upstream: str | None = None, *, honour_n: bool = False) -> None:
        self.upstream = upstream
        self.model = "echo"  # what a generator in front of it names
        self.honour_n = honour_n
        self.faults: deque[str] = deque()
        self.always = "ok"
        self.hang_seconds = 30.0
        self.delay = 0.0
        self.bodies: list[dict[str, Any]] = []
        self.authorizations: list[str] = []
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> FaultyServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._session.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        app.router.add_post("/v1/completions", self._handle)
        runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", self.port, backlog=1024)
        self._loop.run_until_complete(site.start())
        self._session = self._loop.run_until_complete(_session())
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.bodies.append(body)
        self.authorizations.append(request.headers.get("Authorization", ""))
        fault = self.faults.popleft() if self.faults else self.always
        if self.delay:
            await asyncio.sleep(self.delay)
        if fault == "drop":
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        if fault in ("429", "500"):
            headers = {"Retry-After": "0"} if fault == "429" else {}
            return web.json_response({"error": fault}, status=int(fault), headers=headers)
        if fault == "hang":
            await asyncio.sleep(self.hang_seconds)
        if fault == "redirect":
            raise web.HTTPTemporaryRedirect("http://169.254.169.254/latest/meta-data/")
        chat = request.path.endswith("chat/completions")
        n = int(body.get("n", 1)) if self.honour_n else 1
        seed = int(body.get("seed", 0))
        answers = [await self._answer(body, chat, seed + i) for i in range(n)]
        return web.json_response(_merged(answers, chat))

    async def _answer(self, body: dict[str, Any], chat: bool, seed: int) -> dict[str, Any]:
        if self.upstream is None:
            return _echo(body, chat, seed)
        path = "chat/completions" if chat else "completions"
        forwarded = {**body, "seed": seed}
        forwarded.pop("n", None)
        async with self._session.post(f"{self.upstream}/{path}", json=forwarded) as answer:
            return dict(await answer.json())


async def _session() -> ClientSession:
    return ClientSession()  # made on the server's loop, where it is used


def _echo(body: dict[str, Any], chat: bool, seed: int) -> dict[str, Any]:
    prompt = body["messages"][-1]["content"] if chat else body["prompt"]
    text = f"Answer with seed {seed} to: {prompt}"
    choice: dict[str, Any] = {"index": 0, "finish_reason": "stop"}
    if chat:
        choice["message"] = {"role": "assistant", "content": text}
    else:
        choice["text"] = text
    usage = {"prompt_tokens": len(prompt.split()), "completion_tokens": len(text.split())}
    return {"model": body.get("model", ""), "choices": [choice], "usage": usage}


def _merged(answers: list[dict[str, Any]], chat: bool) -> dict[str, Any]:
    choices = []
    for i, answer in enumerate(answers):
        choices.append({**answer["choices"][0], "index": i})
    usage = {
        key: sum(a.get("usage", {}).get(key, 0) for a in answers)
        for key in ("prompt_tokens", "completion_tokens")
    }
    return {"model": answers[0].get("model", ""), "choices": choices, "usage": usage}
