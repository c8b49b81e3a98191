"""The generation API: generators (keys never shown), trying one, jobs, items awaiting
completions, and the queue that holds them back until their completions are in."""

from __future__ import annotations

import io
import json

import pytest
from rest_framework.test import APIClient

from annotation.models import Prompt
from annotation.services.imports import items_import
from generation.models import GenerationJob, Generator
from generation.services.execute import generation_job_execute
from generation.services.secrets import api_key_decrypt
from projects.models import Role
from tests.factories import GeneratorFactory, ProjectFactory
from tests.generation.conftest import prompts_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def researcher(client_for, member) -> APIClient:
    return client_for(member(Role.RESEARCHER))


def url(project, tail: str) -> str:
    return f"/api/v1/projects/{project.pk}/{tail}"


def test_a_stored_api_key_is_encrypted_and_never_returned(project, researcher, echo_server):
    body = {"name": "vllm-a", "base_url": echo_server.base_url, "model": "m", "api_key": "sk-1"}
    response = researcher.post(url(project, "generators/"), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["has_api_key"] is True
    assert "sk-1" not in json.dumps(response.json())
    assert "api_key" not in response.json()
    generator = Generator.objects.get()
    assert generator.api_key_encrypted != "sk-1"
    assert api_key_decrypt(generator.api_key_encrypted) == "sk-1"
    listed = researcher.get(url(project, "generators/")).json()
    assert "sk-1" not in json.dumps(listed)


def test_the_key_is_sent_from_the_named_environment_variable(
    project, researcher, echo_server, monkeypatch
):
    monkeypatch.setenv("VLLM_KEY", "sk-env")
    generator = GeneratorFactory(
        project=project, base_url=echo_server.base_url, api_key_env="VLLM_KEY"
    )
    response = researcher.post(
        url(project, f"generators/{generator.pk}/try/"), {"prompt": "Hi"}, format="json"
    )
    assert response.json()["ok"] is True
    assert echo_server.authorizations == ["Bearer sk-env"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "a", "model": "m"}, "base_url"),
        ({"name": "a", "model": "m", "base_url": "not a url"}, "base_url"),
        ({"name": "a", "model": "nope", "kind": "local"}, "model"),
        ({"name": "a", "model": "m", "base_url": "http://x/v1", "temperature": 3}, "temperature"),
        ({"name": "a", "model": "m", "base_url": "http://x/v1", "stop": "###"}, "stop"),
        ({"name": "a", "model": "m", "base_url": "http://x/v1", "concurrency": 0}, "concurrency"),
        ({"model": "m", "base_url": "http://x/v1"}, "name"),
    ],
)
def test_a_bad_generator_is_a_400_naming_its_field(project, researcher, body, field):
    response = researcher.post(url(project, "generators/"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_stop_string_keeps_its_whitespace(project, researcher, echo_server):
    body = {"name": "a", "model": "m", "base_url": echo_server.base_url, "stop": ["\n\n", " ###"]}
    response = researcher.post(url(project, "generators/"), body, format="json")
    assert response.status_code == 201, response.json()
    assert Generator.objects.get().stop == ["\n\n", " ###"]


def test_two_generators_of_a_project_cannot_share_a_name(project, researcher):
    GeneratorFactory(project=project, name="same")
    body = {"name": "same", "model": "m", "base_url": "http://x/v1"}
    response = researcher.post(url(project, "generators/"), body, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "generator_name_taken"


def test_trying_a_generator_shows_what_the_real_server_wrote(project, researcher, lm_server):
    generator = GeneratorFactory(
        project=project, base_url=lm_server.base_url, model=lm_server.model
    )
    response = researcher.post(
        url(project, f"generators/{generator.pk}/try/"), {"prompt": "Hi"}, format="json"
    )
    assert response.status_code == 200
    found = response.json()
    assert found["ok"] is True
    assert found["text"]
    assert found["completion_tokens"] > 0


def test_trying_an_unreachable_generator_says_why(project, researcher):
    generator = GeneratorFactory(project=project, base_url="http://127.0.0.1:9/v1")
    response = researcher.post(
        url(project, f"generators/{generator.pk}/try/"), {"prompt": "Hi"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["ok"] is False
    assert "Connect" in response.json()["error"]


def test_a_generator_that_wrote_completions_cannot_be_deleted(project, researcher, echo_server):
    prompts_import(project, 1)
    generator = GeneratorFactory(project=project, base_url=echo_server.base_url)
    researcher.post(
        url(project, "generation-jobs/"),
        {"plan": [{"generator": generator.pk, "samples": 2}]},
        format="json",
    )
    response = researcher.delete(url(project, f"generators/{generator.pk}/"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "generator_in_use"


def test_a_job_is_planned_over_the_prompts_awaiting_completions(project, researcher, echo_server):
    prompts_import(project, 3)
    a = GeneratorFactory(project=project, base_url=echo_server.base_url)
    b = GeneratorFactory(project=project, base_url=echo_server.base_url)
    plan = [{"generator": a.pk, "samples": 2}, {"generator": b.pk, "samples": 2}]
    response = researcher.post(url(project, "generation-jobs/"), {"plan": plan}, format="json")
    assert response.status_code == 201, response.json()
    job = response.json()
    assert (job["status"], job["prompts_total"], job["samples_total"]) == ("queued", 3, 12)
    assert [step["name"] for step in job["plan"]] == [a.name, b.name]

    generation_job_execute(job_id=job["id"])
    detail = researcher.get(url(project, f"generation-jobs/{job['id']}/")).json()
    assert (detail["status"], detail["samples_done"], detail["failures"]) == ("succeeded", 12, [])
    assert detail["usage"][a.name]["samples"] == 6


def test_a_plan_must_name_generators_of_this_project(project, researcher):
    elsewhere = GeneratorFactory(project=ProjectFactory())
    plan = [{"generator": elsewhere.pk, "samples": 2}]
    response = researcher.post(url(project, "generation-jobs/"), {"plan": plan}, format="json")
    assert response.status_code == 400
    assert "plan" in response.json()["error"]["fields"]


@pytest.mark.parametrize("samples", [0, 17, "2"])
def test_a_plan_asks_for_1_to_16_samples(project, researcher, samples):
    generator = GeneratorFactory(project=project)
    plan = [{"generator": generator.pk, "samples": samples}]
    response = researcher.post(url(project, "generation-jobs/"), {"plan": plan}, format="json")
    assert response.status_code == 400
    assert "plan.0.samples" in response.json()["error"]["fields"]


def test_a_job_with_no_prompt_awaiting_completions_is_a_409(project, researcher):
    generator = GeneratorFactory(project=project)
    plan = [{"generator": generator.pk, "samples": 2}]
    response = researcher.post(url(project, "generation-jobs/"), {"plan": plan}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "nothing_to_generate"


def test_a_queued_job_is_cancelled_then_resumed(project, researcher):
    prompts_import(project, 1)
    generator = GeneratorFactory(project=project)
    plan = [{"generator": generator.pk, "samples": 2}]
    job = researcher.post(url(project, "generation-jobs/"), {"plan": plan}, format="json").json()
    cancelled = researcher.post(url(project, f"generation-jobs/{job['id']}/cancel/")).json()
    assert cancelled["status"] == "cancelled"
    again = researcher.post(url(project, f"generation-jobs/{job['id']}/cancel/"))
    assert again.json()["error"]["code"] == "job_finished"
    resumed = researcher.post(url(project, f"generation-jobs/{job['id']}/resume/")).json()
    assert resumed["status"] == "queued"
    busy = researcher.post(url(project, f"generation-jobs/{job['id']}/retry-failed/"))
    assert busy.json()["error"]["code"] == "job_running"


# --- prompts without completions --------------------------------------------------------


def test_prompts_without_completions_import_and_wait_outside_the_queue(
    project, researcher, client_for, member
):
    prompts_import(project, 2)
    assert Prompt.objects.filter(awaiting_completions=True).count() == 2
    items = researcher.get(url(project, "items/?status=awaiting_completions")).json()
    assert [i["awaiting_completions"] for i in items["results"]] == [True, True]
    annotator = client_for(member(Role.ANNOTATOR))
    assert annotator.post(url(project, "next/"), {}, format="json").status_code == 204


def test_generated_items_enter_the_queue_once_complete(project, client_for, member, echo_server):
    prompts_import(project, 1)
    generator = GeneratorFactory(project=project, base_url=echo_server.base_url)
    researcher = client_for(member(Role.RESEARCHER))
    plan = [{"generator": generator.pk, "samples": 2}]
    job = researcher.post(url(project, "generation-jobs/"), {"plan": plan}, format="json").json()
    generation_job_execute(job_id=job["id"])
    annotator = client_for(member(Role.ANNOTATOR))
    served = annotator.post(url(project, "next/"), {}, format="json")
    assert served.status_code == 200
    assert len(served.json()["completions"]) == 2


def test_reimporting_a_prompt_only_file_keeps_the_generated_completions(project, echo_server):
    prompts_import(project, 1)
    generator = GeneratorFactory(project=project, base_url=echo_server.base_url)
    from generation.services.jobs import generation_job_create

    job = generation_job_create(
        project=project, plan=[{"generator": generator.pk, "samples": 2}], created_by=None
    )
    generation_job_execute(job_id=job.pk)
    prompts_import(project, 1)
    prompt = Prompt.objects.get()
    assert prompt.completions.count() == 2
    assert not prompt.awaiting_completions
    assert GenerationJob.objects.get().prompts_released == 1


def test_one_completion_is_still_refused(project):
    line = json.dumps({"id": "x", "prompt": "Hi", "completions": [{"text": "a"}]})
    from annotation.services.imports import ImportInvalid

    with pytest.raises(ImportInvalid) as refused:
        items_import(project=project, file=io.BytesIO(line.encode()), file_name="x.jsonl")
    assert refused.value.errors == ["line 1 (id x): completions: Give at least 2 completions."]


def test_a_project_is_deleted_with_its_generators_jobs_and_samples(project, echo_server):
    prompts_import(project, 1)
    generator = GeneratorFactory(project=project, base_url=echo_server.base_url)
    from generation.services.jobs import generation_job_create

    job = generation_job_create(
        project=project, plan=[{"generator": generator.pk, "samples": 2}], created_by=None
    )
    generation_job_execute(job_id=job.pk)
    project.delete()
    assert not Generator.objects.exists()
    assert not GenerationJob.objects.exists()
