"""The per-process pool of loaded models: eviction under load, and a stuck model."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.training.serving.conftest import SHIFT
from training.engine import RewardScorer
from training.services import scoring
from training.serving.batcher import DynamicBatcher

pytestmark = pytest.mark.django_db

ITEMS = [(f"Question {i}?", [f"Answer {i}.", "No idea."]) for i in range(6)]


def test_models_evicted_while_requests_wait_on_them_still_answer_every_request(
    models, settings, reward_folder
):
    settings.TRAINING_SCORERS_PER_PROCESS = 1  # every switch of model evicts the other
    scorer = RewardScorer(reward_folder, device="cpu", precision="fp32")
    alone = [scorer.score(p, c) for p, c in ITEMS]

    def call(n):
        model = models[n % 2]
        got = scoring.groups_score(model=model, items=[ITEMS[n % len(ITEMS)]])[0]
        return n, got

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, range(40)))
    for n, got in results:
        shift = SHIFT if n % 2 else 0.0
        assert got == pytest.approx([r + shift for r in alone[n % len(ITEMS)]], abs=1e-4)


class _Stuck(RewardScorer):
    """A model that does not answer until released (a hung device)."""

    release = threading.Event()

    def score_encoded(self, encoded):
        self.release.wait(60)
        return super().score_encoded(encoded)


def test_a_model_that_does_not_answer_in_time_is_a_503_and_the_next_request_is_served(
    project, models, researcher_token, reward_folder, settings, client
):
    settings.TRAINING_SCORING_TIMEOUT_SECONDS = 1
    stuck = DynamicBatcher(_Stuck(reward_folder, device="cpu", precision="fp32"))
    with scoring._lock:
        scoring._loaded[models[0].pk] = stuck
    url = f"/api/v1/projects/{project.pk}/reward/?token={researcher_token}"
    body = {"query": ["Q? A."], "prompts": ["Q?"]}
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "scoring_unavailable"
    _Stuck.release.set()
    settings.TRAINING_SCORING_TIMEOUT_SECONDS = 60
    assert client.post(url, body, content_type="application/json").status_code == 200


def test_served_requests_leave_no_texts_in_the_process_token_cache(models):
    from training.engine import tokenize

    before = sum(len(texts) for texts in tokenize._MEMORY.values())
    items = [(f"A prompt never seen {i}", [f"a reply never seen {i}"]) for i in range(20)]
    rewards = scoring.groups_score(model=models[0], items=items)
    assert len(rewards) == 20
    assert sum(len(texts) for texts in tokenize._MEMORY.values()) == before
