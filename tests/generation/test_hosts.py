"""The hosts a generator may reach (RANKWISE_GENERATOR_HOSTS): checked when a generator is
saved and again on every connection, after DNS; link-local (cloud metadata) addresses refused
unless named; no redirects followed."""

from __future__ import annotations

import asyncio
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured

from generation.engine.hosts import HostPolicy
from generation.engine.orchestrate import works_run
from generation.engine.types import Endpoint, PromptWork, RetryPolicy, SampleRequest, Sampling
from generation.models import GenerationSample
from generation.services.execute import generation_job_execute
from generation.services.generators import host_policy
from generation.services.jobs import generation_job_create
from projects.models import Role
from tests.factories import GeneratorFactory
from tests.generation.conftest import prompts_import

METADATA = "169.254.169.254"


@pytest.mark.parametrize(
    ("entries", "host", "address", "allowed"),
    [
        ([], "vllm", "10.0.0.7", True),  # no entries: any host
        ([], "metadata.google.internal", METADATA, False),  # but never link-local
        ([], "fe80::1", "fe80::1%eth0", False),
        (["vllm"], "vllm", "10.0.0.7", True),
        (["vllm"], "VLLM.", "10.0.0.7", True),  # names compare as DNS does
        (["vllm"], "other", "10.0.0.7", False),
        (["*.models.example.com"], "a.models.example.com", "10.0.0.7", True),
        (["*.models.example.com"], "models.example.com.evil.org", "10.0.0.7", False),
        (["10.0.0.0/8"], "anything", "10.9.9.9", True),
        (["10.0.0.0/8"], "anything", "192.168.1.1", False),
        (["vllm"], "vllm", METADATA, False),  # a matching name does not open link-local
        (["169.254.169.254"], "metadata", METADATA, True),  # naming the address does
    ],
)
def test_the_rule(entries, host, address, allowed):
    assert (HostPolicy.parse(entries).refusal(host, address) is None) is allowed


@pytest.mark.parametrize("entry", ["http://vllm", "vllm:8000", "*.", "a b", "user@vllm"])
def test_a_malformed_entry_names_itself(entry):
    with pytest.raises(ValueError, match="neither a host name"):
        HostPolicy.parse(["vllm", entry])


def test_a_malformed_setting_stops_the_process(settings):
    settings.GENERATION_HOSTS = ["vllm", "http://x"]
    with pytest.raises(ImproperlyConfigured, match="RANKWISE_GENERATOR_HOSTS"):
        host_policy()


def test_saving_checks_literal_addresses_and_resolves_names_only_against_networks():
    networks = HostPolicy.parse(["127.0.0.0/8"])
    assert networks.url_refusal("http://localhost:8000/v1") is None  # resolves into it
    assert "not in" in (HostPolicy.parse(["10.0.0.0/8"]).url_refusal("http://localhost/v1") or "")
    assert "does not resolve" in (networks.url_refusal("http://no-such-host.invalid/v1") or "")
    assert HostPolicy().url_refusal("http://not-up-yet:8000/v1") is None  # checked on connect
    assert "link-local" in (HostPolicy().url_refusal(f"http://{METADATA}/v1") or "")


# --- the API --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("entries", "base_url", "status"),
    [
        ([], f"http://{METADATA}/latest/v1", 400),
        ([], "http://[fe80::1]:8000/v1", 400),
        ([], "http://10.1.2.3:8000/v1", 201),
        (["vllm"], "http://10.1.2.3:8000/v1", 400),
        (["vllm"], "http://vllm:8000/v1", 201),
    ],
)
def test_a_generator_pointing_where_the_rule_forbids_is_a_400(
    project, client_for, member, settings, entries, base_url, status
):
    settings.GENERATION_HOSTS = entries
    body = {"name": "g", "model": "m", "base_url": base_url}
    url = f"/api/v1/projects/{project.pk}/generators/"
    response = client_for(member(Role.RESEARCHER)).post(url, body, format="json")
    assert response.status_code == status, response.json()
    if status == 400:
        assert "Refused" in response.json()["error"]["fields"]["base_url"][0]


@pytest.mark.django_db
def test_changing_a_saved_generator_is_checked_too(project, client_for, member, settings):
    generator = GeneratorFactory(project=project, base_url="http://vllm:8000/v1")
    url = f"/api/v1/projects/{project.pk}/generators/{generator.pk}/"
    body = {"base_url": f"http://{METADATA}/v1"}
    response = client_for(member(Role.RESEARCHER)).patch(url, body, format="json")
    assert response.status_code == 400
    generator.refresh_from_db()
    assert generator.base_url == "http://vllm:8000/v1"


# --- on the connection ----------------------------------------------------------------


def _ask(base_url: str, hosts: HostPolicy, attempts: int = 3) -> list:
    endpoint = Endpoint(
        key=1, base_url=base_url, model="echo", chat=True, api_key="", sampling=Sampling(),
        send_n=False, concurrency=2, timeout=10,
    )  # fmt: skip
    work = PromptWork(1, "Hi", None, (SampleRequest(7, 0),))
    results: list = []
    policy = RetryPolicy(attempts=attempts, backoff=0)
    run = works_run([work], {1: endpoint}, results.append, policy=policy, hosts=hosts)
    # On a thread of its own: Playwright keeps an event loop running in the main thread
    # once the browser tests have started.
    thread = threading.Thread(target=asyncio.run, args=(run,))
    thread.start()
    thread.join(timeout=60)
    return results


def test_a_name_that_resolves_outside_the_rule_is_refused_before_any_request(echo_server):
    url = f"http://localhost:{echo_server.port}/v1"
    (refused,) = _ask(url, HostPolicy.parse(["vllm"]))
    assert not refused.ok
    assert "localhost (127.0.0.1) is not in RANKWISE_GENERATOR_HOSTS" in refused.error
    assert refused.attempts == 1  # not retried: asking again cannot help
    assert echo_server.bodies == []
    (answered,) = _ask(url, HostPolicy.parse(["127.0.0.0/8"]))
    assert answered.ok
    assert len(echo_server.bodies) == 1


def test_a_literal_address_outside_the_rule_is_refused_before_any_request(echo_server):
    (refused,) = _ask(echo_server.base_url, HostPolicy.parse(["vllm"]))
    assert not refused.ok
    assert "127.0.0.1 (127.0.0.1) is not in" in refused.error
    assert echo_server.bodies == []


def test_a_redirect_is_not_followed(echo_server):
    echo_server.faults.extend(["redirect"])
    (result,) = _ask(echo_server.base_url, HostPolicy(), attempts=1)
    assert not result.ok
    assert result.error.startswith("HTTP 307")
    assert len(echo_server.bodies) == 1  # the one request; nothing went where it pointed


@pytest.mark.django_db
def test_a_job_whose_server_the_rule_now_refuses_records_why(project, echo_server, settings):
    # Saved while allowed; the setting changed before the job ran.
    generator = GeneratorFactory(
        project=project, base_url=f"http://localhost:{echo_server.port}/v1", model="echo"
    )
    prompts_import(project, 2)
    plan = [{"generator": generator.pk, "samples": 2}]
    job = generation_job_create(project=project, plan=plan, created_by=None)
    settings.GENERATION_HOSTS = ["vllm"]
    generation_job_execute(job_id=job.pk)
    failed = GenerationSample.objects.filter(job=job, status=GenerationSample.Status.FAILED)
    assert failed.count() == 4
    assert all("not in RANKWISE_GENERATOR_HOSTS" in s.error for s in failed)
    assert echo_server.bodies == []
