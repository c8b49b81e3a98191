"""Generation jobs run in-process against a real OpenAI-compatible server (`transformers
serve` on a tiny random causal LM), directly or through a server that injects faults."""

from __future__ import annotations

from collections import Counter

import pytest

from annotation.models import Completion, Prompt
from generation.models import GenerationJob, GenerationSample
from generation.services.execute import generation_job_execute
from generation.services.jobs import (
    NothingToGenerate,
    generation_job_cancel,
    generation_job_create,
    generation_job_resume,
    generation_job_retry_failed,
)
from tests.factories import GeneratorFactory
from tests.generation.conftest import prompts_import

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(300)]


def run(project, plan) -> GenerationJob:
    job = generation_job_create(project=project, plan=plan, created_by=None)
    assert generation_job_execute(job_id=job.pk) in ("succeeded", "cancelled", "failed")
    job.refresh_from_db()
    return job


def one_completion_per_sample(project) -> None:
    """Nothing duplicated: each written sample is one completion, each completion one sample."""
    samples = GenerationSample.objects.filter(prompt__project=project)
    keys = Counter(samples.values_list("prompt_id", "generator_id", "sample_index"))
    assert max(keys.values()) == 1
    linked = samples.exclude(completion=None).values_list("completion_id", flat=True)
    assert sorted(linked) == sorted(
        Completion.objects.filter(prompt__project=project).values_list("id", flat=True)
    )


def test_a_job_writes_k_completions_per_prompt_with_their_provenance(project, lm_server):
    prompts_import(project, 4)
    chat = GeneratorFactory(project=project, base_url=lm_server.base_url, model=lm_server.model)
    plain = GeneratorFactory(
        project=project, base_url=lm_server.base_url, model=lm_server.model, endpoint="completions"
    )
    job = run(
        project, [{"generator": chat.pk, "samples": 2}, {"generator": plain.pk, "samples": 2}]
    )

    assert (job.status, job.samples_total, job.samples_done, job.samples_failed) == (
        "succeeded", 16, 16, 0,
    )  # fmt: skip
    assert job.prompts_released == 4 == Prompt.objects.filter(awaiting_completions=False).count()
    for prompt in Prompt.objects.filter(project=project):
        models = Counter(prompt.completions.values_list("model_name", flat=True))
        assert sum(models.values()) + job.duplicates >= 4
        assert set(models) <= {chat.name, plain.name}
    sample = GenerationSample.objects.filter(generator=chat, status="done").first()
    assert sample.model == lm_server.model
    assert sample.finish_reason in ("length", "stop")
    assert sample.completion_tokens > 0
    assert sample.latency_ms > 0
    assert sample.attempts == 1
    assert sample.sampling["max_tokens"] == 8
    assert sample.completion.text == sample.text
    assert job.usage[chat.name]["samples"] == 8
    assert job.usage[chat.name]["completion_tokens"] > 0
    one_completion_per_sample(project)


def test_samples_without_n_are_separate_requests_with_distinct_seeds(project, faulty):
    prompts_import(project, 3)
    generator = GeneratorFactory(project=project, base_url=faulty.base_url, model=faulty.model)
    run(project, [{"generator": generator.pk, "samples": 3}])
    assert len(faulty.bodies) == 9
    assert not any("n" in body for body in faulty.bodies)
    assert len({body["seed"] for body in faulty.bodies}) == 9


def test_a_server_that_honours_n_gets_one_request_per_prompt(project, echo_server):
    prompts_import(project, 3)
    generator = GeneratorFactory(project=project, base_url=echo_server.base_url, send_n=True)
    job = run(project, [{"generator": generator.pk, "samples": 3}])
    assert [body["n"] for body in echo_server.bodies] == [3, 3, 3]
    assert (job.samples_done, job.prompts_released) == (9, 3)
    assert Completion.objects.filter(prompt__project=project).count() == 9


def test_drops_429s_500s_and_hangs_are_retried_and_nothing_is_lost_or_doubled(project, faulty):
    prompts_import(project, 5)
    faulty.faults.extend(["drop", "429", "500", "hang", "drop", "500", "ok", "429", "hang"])
    faulty.hang_seconds = 30
    # The timeout leaves the tiny model time to answer on a busy two-core machine.
    generator = GeneratorFactory(
        project=project,
        base_url=faulty.base_url,
        model=faulty.model,
        timeout_seconds=5,
        concurrency=2,
    )
    job = run(project, [{"generator": generator.pk, "samples": 2}])

    errors = list(GenerationSample.objects.values_list("error", "attempts"))
    assert (job.status, job.samples_done, job.samples_failed) == ("succeeded", 10, 0), errors
    assert len(faulty.bodies) == 10 + 8  # every fault cost one more request, no more
    assert GenerationSample.objects.filter(attempts__gt=1).exists()
    assert not Prompt.objects.filter(project=project, awaiting_completions=True).exists()
    one_completion_per_sample(project)


def test_samples_that_keep_failing_are_recorded_and_retried_later(project, faulty, settings):
    settings.GENERATION_ATTEMPTS = 2
    prompts_import(project, 3)
    faulty.always = "500"
    generator = GeneratorFactory(project=project, base_url=faulty.base_url, model=faulty.model)
    job = run(project, [{"generator": generator.pk, "samples": 2}])

    assert (job.status, job.samples_done, job.samples_failed) == ("succeeded", 0, 6)
    failed = GenerationSample.objects.filter(status="failed")
    assert {(s.attempts, s.error[:8]) for s in failed} == {(2, "HTTP 500")}
    assert Prompt.objects.filter(project=project, awaiting_completions=True).count() == 3

    faulty.always = "ok"
    assert generation_job_retry_failed(job=job) == 6
    generation_job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.samples_done, job.samples_failed, job.prompts_released) == (
        "succeeded", 6, 0, 3,
    )  # fmt: skip
    one_completion_per_sample(project)


def test_a_refused_request_is_not_retried(project, faulty):
    prompts_import(project, 1)
    generator = GeneratorFactory(project=project, base_url=faulty.base_url, model=faulty.model)
    faulty.always = "ok"
    faulty.faults.extend(["400"])  # not a scripted fault: answered as usual
    generator.base_url = faulty.base_url.replace("/v1", "/nowhere")
    generator.save()
    job = run(project, [{"generator": generator.pk, "samples": 2}])
    assert job.samples_failed == 2
    assert set(GenerationSample.objects.values_list("attempts", flat=True)) == {1}


def test_exact_duplicates_within_a_prompt_are_collapsed_and_counted(
    project, lm_server, echo_server
):
    prompts_import(project, 2)
    greedy = GeneratorFactory(
        project=project, base_url=lm_server.base_url, model=lm_server.model, temperature=0
    )
    echo = GeneratorFactory(project=project, base_url=echo_server.base_url)
    job = run(
        project, [{"generator": greedy.pk, "samples": 3}, {"generator": echo.pk, "samples": 1}]
    )

    # Greedy decoding writes the same text three times: one completion, two duplicates.
    assert (job.samples_done, job.duplicates, job.prompts_released) == (8, 4, 2)
    for prompt in Prompt.objects.filter(project=project):
        texts = list(prompt.completions.values_list("text", flat=True))
        assert len(texts) == len(set(texts)) == 2
    duplicate = GenerationSample.objects.filter(status="duplicate").first()
    assert duplicate.duplicate_of.text == duplicate.text


def test_a_prompt_left_with_one_distinct_text_stays_out_of_the_queue(project, lm_server):
    prompts_import(project, 1)
    greedy = GeneratorFactory(
        project=project, base_url=lm_server.base_url, model=lm_server.model, temperature=0
    )
    job = run(project, [{"generator": greedy.pk, "samples": 2}])
    assert (job.duplicates, job.prompts_released) == (1, 0)
    assert Prompt.objects.get(project=project).awaiting_completions


def test_a_second_plan_adds_only_the_samples_the_first_did_not_plan(project, echo_server):
    prompts_import(project, 2)
    generator = GeneratorFactory(project=project, base_url=echo_server.base_url)
    GenerationSample.objects.all().delete()
    first = generation_job_create(
        project=project, plan=[{"generator": generator.pk, "samples": 1}], created_by=None
    )
    with pytest.raises(NothingToGenerate):
        generation_job_create(
            project=project, plan=[{"generator": generator.pk, "samples": 1}], created_by=None
        )
    second = generation_job_create(
        project=project, plan=[{"generator": generator.pk, "samples": 2}], created_by=None
    )
    assert (first.samples_total, second.samples_total) == (2, 2)
    for job in (first, second):
        generation_job_execute(job_id=job.pk)
    assert Completion.objects.filter(prompt__project=project).count() == 4
    one_completion_per_sample(project)


def test_a_job_runs_once_however_often_its_task_is_delivered(project, echo_server):
    prompts_import(project, 2)
    generator = GeneratorFactory(project=project, base_url=echo_server.base_url)
    job = run(project, [{"generator": generator.pk, "samples": 2}])
    assert generation_job_execute(job_id=job.pk) == "not claimed"
    assert len(echo_server.bodies) == 4


def test_a_cancelled_job_resumes_where_it_stopped(project, echo_server):
    prompts_import(project, 2)
    generator = GeneratorFactory(project=project, base_url=echo_server.base_url)
    job = generation_job_create(
        project=project, plan=[{"generator": generator.pk, "samples": 2}], created_by=None
    )
    job = generation_job_cancel(job=job)
    assert job.status == "cancelled"
    assert generation_job_execute(job_id=job.pk) == "not claimed"
    generation_job_resume(job=job)
    assert generation_job_execute(job_id=job.pk) == "succeeded"
    assert Completion.objects.filter(prompt__project=project).count() == 4
