"""Generators: define, change, delete, turn into the engine's plain Endpoint, and try."""

from __future__ import annotations

import asyncio
import functools
import os
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction

from config.errors import Conflict
from generation.engine.hosts import HostPolicy
from generation.engine.orchestrate import works_run
from generation.engine.types import (
    Endpoint,
    PromptWork,
    RetryPolicy,
    SampleRequest,
    SampleResult,
    Sampling,
)
from generation.models import Generator
from generation.services.secrets import KeyUnreadable, api_key_decrypt, api_key_encrypt
from projects.models import Project

SETTABLE = {
    "name", "kind", "base_url", "model", "endpoint", "api_key_env", "temperature", "top_p",
    "max_tokens", "stop", "seed", "send_n", "concurrency", "timeout_seconds",
}  # fmt: skip


class GeneratorInUse(Conflict):
    code = "generator_in_use"
    message = "This generator has written completions: its provenance needs it. Keep it."


class GeneratorNameTaken(Conflict):
    code = "generator_name_taken"
    message = "Another generator of this project has that name."


def host_policy() -> HostPolicy:
    """The hosts generators may reach (RANKWISE_GENERATOR_HOSTS; see engine.hosts)."""
    return _host_policy(tuple(settings.GENERATION_HOSTS))


@functools.cache
def _host_policy(entries: tuple[str, ...]) -> HostPolicy:
    try:
        return HostPolicy.parse(entries)
    except ValueError as exc:
        raise ImproperlyConfigured(f"RANKWISE_GENERATOR_HOSTS: {exc}.") from exc


def _check(generator: Generator) -> None:
    """What a field alone cannot say: the fields a kind needs, the hosts it may reach."""
    if generator.kind == Generator.Kind.OPENAI and not generator.base_url:
        raise ValidationError({"base_url": ["An OpenAI-compatible generator needs a base URL."]})
    refused = generator.kind == Generator.Kind.OPENAI and host_policy().url_refusal(
        generator.base_url
    )
    if refused:
        raise ValidationError({"base_url": [f"Refused: {refused}."]})
    if generator.kind == Generator.Kind.LOCAL:
        if generator.model not in settings.GENERATION_LOCAL_MODELS:
            known = ", ".join(sorted(settings.GENERATION_LOCAL_MODELS)) or "none configured"
            raise ValidationError(
                {"model": [f"Name a model of RANKWISE_GENERATOR_MODELS ({known})."]}
            )
        if generator.send_n:
            raise ValidationError({"send_n": ["A local model produces all samples at once."]})


def _name_free(generator: Generator) -> None:
    taken = Generator.objects.filter(project=generator.project, name=generator.name)
    if taken.exclude(pk=generator.pk).exists():
        raise GeneratorNameTaken()


@transaction.atomic
def generator_create(
    *, project: Project, created_by: User | None, api_key: str = "", **fields: Any
) -> Generator:
    unknown = set(fields) - SETTABLE
    if unknown:
        raise TypeError(f"unknown generator fields: {sorted(unknown)}")
    generator = Generator(project=project, created_by=created_by, **fields)
    generator.api_key_encrypted = api_key_encrypt(api_key)
    _check(generator)
    _name_free(generator)
    generator.save()
    return generator


@transaction.atomic
def generator_update(
    *, generator: Generator, api_key: str | None = None, **fields: Any
) -> Generator:
    """``api_key``: None keeps the stored one, "" removes it."""
    unknown = set(fields) - SETTABLE
    if unknown:
        raise TypeError(f"unknown generator fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(generator, name, value)
    if api_key is not None:
        generator.api_key_encrypted = api_key_encrypt(api_key)
    _check(generator)
    _name_free(generator)
    generator.save()
    return generator


@transaction.atomic
def generator_delete(*, generator: Generator) -> None:
    # Locked: a job planned meanwhile would otherwise lose its samples with the generator.
    generator = Generator.objects.select_for_update().get(pk=generator.pk)
    if generator.samples.exists():
        raise GeneratorInUse()
    generator.delete()


def generator_api_key(generator: Generator) -> str:
    """The key to send: the named environment variable's, else the stored one."""
    if generator.api_key_env:
        return os.environ.get(generator.api_key_env, "")
    return api_key_decrypt(generator.api_key_encrypted)


def generator_endpoint(generator: Generator) -> Endpoint:
    local = generator.kind == Generator.Kind.LOCAL
    return Endpoint(
        key=generator.pk,
        model=generator.model,
        sampling=Sampling(
            temperature=generator.temperature,
            top_p=generator.top_p,
            max_tokens=generator.max_tokens,
            stop=tuple(generator.stop),
        ),
        base_url=generator.base_url,
        api_key="" if local else generator_api_key(generator),
        chat=generator.endpoint == Generator.Endpoint.CHAT,
        send_n=generator.send_n,
        concurrency=generator.concurrency,
        timeout=generator.timeout_seconds,
        local_path=str(settings.GENERATION_LOCAL_MODELS[generator.model]) if local else "",
    )


def local_factory(endpoint: Endpoint) -> Any:
    # Imported here: torch and transformers only where a local model runs.
    from generation.engine.local import LocalModel

    return LocalModel(endpoint)


@dataclass(frozen=True)
class TrialResult:
    ok: bool
    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: int
    model: str
    error: str


def generator_try(
    *, generator: Generator, prompt: str, messages: list[dict[str, str]] | None = None
) -> TrialResult:
    """One completion of ``prompt``, asked once (no retries): what the server answers."""
    try:
        endpoint = generator_endpoint(generator)
    except KeyUnreadable as exc:
        return TrialResult(False, "", "", 0, 0, 0, "", str(exc))
    work = PromptWork(generator.pk, prompt, messages, (SampleRequest(0, generator.seed or 0),))
    results: list[SampleResult] = []
    asyncio.run(
        works_run(
            [work],
            {generator.pk: endpoint},
            results.append,
            policy=RetryPolicy(attempts=1),
            local=local_factory,
            hosts=host_policy(),
        )
    )
    r = results[0]
    return TrialResult(
        r.ok, r.text, r.finish_reason, r.prompt_tokens, r.completion_tokens, r.latency_ms,
        r.model, r.error,
    )  # fmt: skip
