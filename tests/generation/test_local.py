"""The local Hugging Face path: a tiny random causal LM, batched ``generate``."""

from __future__ import annotations

import pytest

from annotation.models import Completion
from generation.engine.local import LocalModel
from generation.engine.types import Endpoint, PromptWork, SampleRequest, Sampling
from generation.services.execute import generation_job_execute
from generation.services.jobs import _queue, generation_job_create
from tests.factories import GeneratorFactory
from tests.generation.conftest import prompts_import


def endpoint(path, **sampling) -> Endpoint:
    return Endpoint(
        key=1, model="tiny", sampling=Sampling(max_tokens=6, **sampling), local_path=str(path),
        concurrency=4,
    )  # fmt: skip


def work(text, k, first_id, messages=None) -> PromptWork:
    samples = tuple(SampleRequest(first_id + i, seed=7 + i) for i in range(k))
    return PromptWork(1, text, messages, samples)


def test_a_batch_returns_every_sample_of_every_prompt_in_order(tiny_lm):
    model = LocalModel(endpoint(tiny_lm))
    chat = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}]
    works = [
        work("A short prompt", 2, 0),
        work("", 2, 10, messages=chat),
        work("Longer " * 9, 2, 20),
    ]
    results = model.generate(works)
    assert [r.sample_id for r in results] == [0, 1, 10, 11, 20, 21]
    assert all(r.ok and r.finish_reason in ("stop", "length") for r in results)
    assert all(0 < r.completion_tokens <= 6 for r in results)
    assert results[0].prompt_tokens > 0
    assert results[1].prompt_tokens == 0  # the prompt is counted once, on its first sample


def test_prompts_are_padded_on_the_left_and_chat_items_use_the_template(tiny_lm):
    model = LocalModel(endpoint(tiny_lm))
    assert model.tokenizer.padding_side == "left"
    text, templated = model.prompt_text(work("", 1, 0, [{"role": "user", "content": "Hi?"}]))
    assert templated
    assert text == "user: Hi?\nassistant:"


def test_a_batched_row_continues_its_own_prompt_as_it_would_alone(tiny_lm):
    # Greedy: the short prompt's continuation is the same padded in a batch and alone.
    model = LocalModel(endpoint(tiny_lm, temperature=0))
    alone = model.generate([work("A short prompt", 1, 0)])
    batched = model.generate([work("A short prompt", 1, 0), work("Much longer " * 12, 1, 1)])
    assert batched[0].text == alone[0].text


@pytest.mark.django_db
def test_a_job_with_a_local_generator_runs_on_the_generation_queue(project, tiny_lm, settings):
    settings.GENERATION_LOCAL_MODELS = {"tiny": tiny_lm}
    prompts_import(project, 3)
    generator = GeneratorFactory(project=project, kind="local", model="tiny", concurrency=2)
    job = generation_job_create(
        project=project, plan=[{"generator": generator.pk, "samples": 2}], created_by=None
    )
    assert _queue(job) == "generation"
    assert generation_job_execute(job_id=job.pk) == "succeeded"
    job.refresh_from_db()
    assert job.samples_done == 6
    assert Completion.objects.filter(prompt__project=project).count() + job.duplicates == 6
