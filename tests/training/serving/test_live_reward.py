"""The reward endpoint over real HTTP: OpenRLHF's own request path, and a promotion in
the middle of a stream of concurrent requests."""

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import pytest
import requests
import torch

from tests.training.serving.conftest import SHIFT
from training.engine import RewardScorer
from training.services.registry import model_version_promote

pytestmark = pytest.mark.django_db(transaction=True)

PROMPTS = [f"\n\nHuman: What is {i} plus {i}?\n\nAssistant:" for i in range(8)]
RESPONSES = [f" It is {2 * i}." + " Sure." * (i % 3) for i in range(8)]


async def _openrlhf_fetch(endpoints, queries, prompts, labels):
    """What OpenRLHF's SingleTurnAgentExecutor does to get rewards over HTTP
    (openrlhf/utils/agent.py, `_fetch_rewards_via_http` and `execute`, at 3c3be62):
    shard the queries over the endpoints, POST {"query", "prompts", "labels"} as JSON
    with no other header, raise on an HTTP error, read the JSON; then read `rewards`,
    `scores` (falling back to `rewards`) and `extra_logs` from the first shard's answer."""
    size = (len(queries) + len(endpoints) - 1) // len(endpoints)
    timeout = aiohttp.ClientTimeout(total=180)

    async def post(url, data):
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, json=data) as response,
        ):
            response.raise_for_status()
            return await response.json()

    def shard(start):
        end = start + size
        data = {"query": queries[start:end], "prompts": prompts[start:end]}
        return data | {"labels": labels[start:end]}

    posts = [
        post(url, shard(start))
        for url, start in zip(endpoints, range(0, len(queries), size), strict=False)
    ]
    info = (await asyncio.gather(*posts))[0]
    scores = info.get("scores")
    return {
        "reward": info.get("rewards"),
        "scores": info.get("rewards") if scores is None else scores,
        "extra_logs": info.get("extra_logs") or {},
    }


@pytest.fixture
def alone(reward_folder):
    scorer = RewardScorer(reward_folder, device="cpu", precision="fp32")
    return [scorer.score(p, [r])[0] for p, r in zip(PROMPTS, RESPONSES, strict=True)]


def test_openrlhfs_request_path_gets_each_rollout_its_own_reward(
    live_server, project, models, researcher_token, alone
):
    url = f"{live_server.url}/api/v1/projects/{project.pk}/reward/?token={researcher_token}"

    async def rollouts():
        # one request per rollout, many in flight at once, as OpenRLHF's vLLM engines send
        return await asyncio.gather(
            *(
                _openrlhf_fetch([url], [p + r], [p], [None])
                for p, r in zip(PROMPTS, RESPONSES, strict=True)
            )
        )

    # A thread of its own: the browser tests' Playwright keeps an event loop running in
    # this one for the whole session, and asyncio.run refuses to start inside it.
    with ThreadPoolExecutor(1) as thread:
        answers = thread.submit(asyncio.run, rollouts()).result()
    for got, expected in zip(answers, alone, strict=True):
        # OpenRLHF turns the answer into tensors: info["reward"] = torch.tensor([reward])
        assert torch.tensor([got["reward"]]).flatten().tolist() == pytest.approx(
            [expected], abs=1e-5
        )
        assert got["scores"] == got["reward"]
        for value in got["extra_logs"].values():
            torch.tensor([value])  # every extra log is a number per query


def test_a_promotion_during_a_stream_of_requests_loses_none_and_never_mixes_models(
    live_server, project, models, researcher_token, alone
):
    url = f"{live_server.url}/api/v1/projects/{project.pk}/reward/?token={researcher_token}"
    old, new = models
    answers: list[tuple[int, list[float], list[float]]] = []
    failures: list[str] = []
    promoted = threading.Event()
    stop = threading.Event()

    def caller(offset: int) -> None:
        session = requests.Session()
        after = 0
        while not stop.is_set() and after < 3:
            picks = [(offset + k) % len(PROMPTS) for k in range(4)]
            body = {
                "query": [PROMPTS[i] + RESPONSES[i] for i in picks],
                "prompts": [PROMPTS[i] for i in picks],
            }
            response = session.post(url, json=body, timeout=120)
            if response.status_code != 200:
                failures.append(f"{response.status_code}: {response.text[:200]}")
                return
            data = response.json()
            versions = set(data["extra_logs"]["model_version"])
            answers.append((len(versions), [alone[i] for i in picks], data["rewards"]))
            after += promoted.is_set()
            offset += 1

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # the stream is under way on version 1
    model_version_promote(model=new)
    promoted.set()
    for thread in threads:
        thread.join(timeout=300)
    stop.set()

    assert not failures
    assert all(n_versions == 1 for n_versions, _, _ in answers)
    seen = set()
    for _, base, got in answers:
        # every reward of a request is version 1's, or every one is version 2's
        if got == pytest.approx(base, abs=1e-4):
            seen.add(old.number)
        else:
            assert got == pytest.approx([b + SHIFT for b in base], abs=1e-4)
            seen.add(new.number)
    assert seen == {old.number, new.number}
