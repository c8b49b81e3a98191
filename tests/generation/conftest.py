"""Generation fixtures: a tiny causal LM served by ``transformers serve`` (built once per
session, no download), fault-injecting servers in front of it, prompt-only items."""

from __future__ import annotations

import io
import json

import pytest

from annotation.services.imports import items_import
from tests.generation.servers import FaultyServer, LmServer, tiny_lm_save


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory):
    return tiny_lm_save(tmp_path_factory.mktemp("tiny-lm"))


@pytest.fixture(scope="session")
def lm_server(tiny_lm, tmp_path_factory):
    server = LmServer(tiny_lm, tmp_path_factory.mktemp("serve") / "serve.log")
    yield server
    server.stop()


@pytest.fixture
def faulty(lm_server):
    """A scripted-fault server in front of the real model server."""
    server = FaultyServer(lm_server.base_url).start()
    server.model = lm_server.model
    yield server
    server.stop()


@pytest.fixture
def echo_server():
    """A server that answers at once with deterministic text, and honours ``n``."""
    server = FaultyServer(None, honour_n=True).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.GENERATION_BACKOFF_MS = 10


def prompts_import(project, count: int, prefix: str = "p", **fields) -> None:
    """``count`` prompt-only items (no completions), as a researcher's JSONL would hold them."""
    lines = [
        json.dumps({"id": f"{prefix}{i}", "prompt": f"Question {i}: say something.", **fields})
        for i in range(count)
    ]
    items_import(
        project=project, file=io.BytesIO("\n".join(lines).encode()), file_name="prompts.jsonl"
    )
