"""The OpenRLHF remote reward endpoint: its protocol, its auth, its errors."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from projects.models import Role
from tests.factories import ProjectFactory
from tests.training.serving.conftest import SHIFT
from training.engine import RewardScorer
from training.services.reward import response_split

pytestmark = pytest.mark.django_db

PROMPT = "\n\nHuman: What is 3 plus 3?\n\nAssistant:"
RESPONSES = [" It is 6.", " I do not know, go away.", " 6"]


def _url(project, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/projects/{project.pk}/reward/" + (f"?{query}" if query else "")


def _post(project, body, **params):
    return APIClient().post(_url(project, **params), body, format="json")


@pytest.fixture
def alone(reward_folder):
    """Version 1's reward of each response, scored alone."""
    scorer = RewardScorer(reward_folder, device="cpu", precision="fp32")
    return [scorer.score(PROMPT, [r])[0] for r in RESPONSES]


def _body(n=3):
    return {
        "query": [PROMPT + r for r in RESPONSES[:n]],
        "prompts": [PROMPT] * n,
        "labels": [None] * n,
    }


def test_it_answers_with_openrlhfs_fields_one_reward_per_query(
    project, models, researcher_token, alone
):
    response = _post(project, _body(), token=researcher_token)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"rewards", "scores", "extra_logs"}
    assert body["rewards"] == pytest.approx(alone, abs=1e-5)
    assert body["scores"] == body["rewards"]
    logs = body["extra_logs"]
    assert logs["prompt_matched"] == [1.0, 1.0, 1.0]
    assert logs["model_version"] == [1.0, 1.0, 1.0]
    mean, std = models[0].reward_mean, models[0].reward_std
    assert logs["reward_normalized"] == pytest.approx([(r - mean) / std for r in alone], abs=1e-4)


def test_the_token_may_come_in_the_authorization_header(project, models, researcher_token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {researcher_token}")
    assert client.post(_url(project), _body(), format="json").status_code == 200


def test_it_is_pinned_to_a_named_version_when_asked(project, models, researcher_token, alone):
    response = _post(project, _body(), token=researcher_token, model=models[1].pk)
    assert response.json()["rewards"] == pytest.approx([r + SHIFT for r in alone], abs=1e-4)
    assert response.json()["extra_logs"]["model_version"] == [2.0] * 3


def test_normalize_returns_rewards_in_units_of_the_models_spread(project, models, researcher_token):
    body = _post(project, _body(), token=researcher_token, normalize="true").json()
    assert body["rewards"] == body["extra_logs"]["reward_normalized"]


def test_a_query_without_its_prompt_is_scored_whole_and_flagged(
    project, models, researcher_token, reward_folder
):
    scorer = RewardScorer(reward_folder, device="cpu", precision="fp32")
    body = {"query": ["Some text that is not after its prompt."], "prompts": ["Other prompt"]}
    answer = _post(project, body, token=researcher_token).json()
    assert answer["extra_logs"]["prompt_matched"] == [0.0]
    expected = scorer.score("", ["Some text that is not after its prompt."])
    assert answer["rewards"] == pytest.approx(expected, abs=1e-5)


def test_the_response_is_the_query_after_its_prompt():
    assert response_split("Q: hi A: yo", "Q: hi") == ("Q: hi", " A: yo", True)
    assert response_split("Q: hi A: yo", None) == ("", "Q: hi A: yo", False)
    assert response_split("Q: hi A: yo", "") == ("", "Q: hi A: yo", True)
    assert response_split("Q: hi A: yo", "Q: ho") == ("", "Q: hi A: yo", False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "query"),
        ({"query": []}, "query"),
        ({"query": "one text"}, "query"),
        ({"query": [1, 2]}, "query.0"),
        ({"query": ["a", "b"], "prompts": ["a"]}, "prompts"),
        ({"query": ["a"], "prompts": [None]}, "prompts.0"),
        ({"query": ["a"], "labels": [1, 2]}, "labels"),
    ],
)
def test_a_malformed_body_is_a_400_naming_the_field(project, models, researcher_token, body, field):
    response = _post(project, body, token=researcher_token)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_too_many_queries_is_a_400(project, models, researcher_token, settings):
    settings.TRAINING_REWARD_MAX_QUERIES = 2
    response = _post(project, _body(3), token=researcher_token)
    assert response.status_code == 400
    assert "query" in response.json()["error"]["fields"]


def test_a_model_of_another_project_or_a_bad_model_parameter_is_a_400(
    project, models, researcher_token
):
    assert _post(project, _body(), token=researcher_token, model=999999).status_code == 400
    response = _post(project, _body(), token=researcher_token, model="latest")
    assert response.status_code == 400
    assert "model" in response.json()["error"]["fields"]


def test_a_project_without_an_active_model_is_a_400(project, researcher_token):
    response = _post(project, _body(), token=researcher_token)
    assert response.status_code == 400
    assert "project" in response.json()["error"]["fields"]


def test_no_token_or_a_wrong_one_is_a_401(project, models):
    assert _post(project, _body()).status_code == 401
    assert _post(project, _body(), token="not-a-token").status_code == 401


def test_annotators_get_no_rewards_and_outsiders_no_project(project, models, member):
    annotator = Token.objects.create(user=member(Role.ANNOTATOR)).key
    assert _post(project, _body(), token=annotator).status_code == 403
    assert _post(ProjectFactory(), _body(), token=annotator).status_code == 404
