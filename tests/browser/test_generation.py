"""An admin imports prompts only, defines a generator pointing at a local OpenAI-compatible
server, tries it and runs a job on a real Celery worker; an annotator then ranks the
generated completions. An admin edits a generator and deletes one."""

import json

import pytest
from playwright.sync_api import Browser, Page, expect

from annotation.models import Prompt, Ranking
from generation.models import GenerationJob, GenerationSample, Generator
from projects.models import Project, Role
from tests.browser.workspace_fixtures import completion_ids_on_screen, sign_in, wait_for_item
from tests.factories import (
    GenerationJobFactory,
    GeneratorFactory,
    MembershipFactory,
    ProjectFactory,
    PromptFactory,
    UserFactory,
)
from tests.generation.servers import FaultyServer
from tests.workers import TrainingWorkers

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def worker(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    workers = TrainingWorkers(tmp_path, queue="default")
    workers.start()
    yield
    workers.stop_all()


@pytest.fixture
def server():
    server = FaultyServer(None).start()
    yield server
    server.stop()


def test_an_admin_generates_completions_that_an_annotator_ranks(
    page: Page, browser: Browser, live_server, worker, server, tmp_path
):
    project: Project = ProjectFactory.create(name="Generated answers", raters_per_item=1)
    MembershipFactory(project=project, role=Role.ADMIN, user=UserFactory(username="ada"))
    MembershipFactory(project=project, role=Role.ANNOTATOR, user=UserFactory(username="ann"))
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(json.dumps({"id": "q1", "prompt": "Name a prime number."}) + "\n")

    sign_in(page, "ada", f"/projects/{project.id}/import")
    page.get_by_label("File", exact=True).set_input_files(str(prompts))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Read items from")).to_be_visible()

    page.get_by_role("link", name="Generation").click()
    form = page.get_by_role("form", name="New generator")
    form.get_by_label("Name").fill("local-echo")
    form.get_by_label("Base URL").fill(server.base_url)
    form.get_by_label("Model").fill("echo")
    form.get_by_text("More settings").click()
    form.get_by_label("Stop strings").fill("###\\n")
    form.get_by_label("Seed").fill("7")
    form.get_by_role("button", name="Add generator").click()
    page.get_by_role("button", name="Try local-echo").click()
    expect(page.get_by_role("status").filter(has_text="Answer with seed")).to_be_visible()
    assert server.bodies[-1]["stop"] == ["###\n"]  # the typed \n is a line break
    assert project.generators.get().seed == 7

    page.get_by_label("Samples from local-echo").fill("2")
    page.get_by_role("button", name="Start generating").click()
    jobs = page.get_by_role("table", name="Generation jobs")
    expect(jobs.get_by_role("cell", name="succeeded")).to_be_visible(timeout=60_000)
    expect(jobs.get_by_role("cell", name="1 / 1")).to_be_visible()

    annotator = browser.new_context(base_url=live_server.url).new_page()
    sign_in(annotator, "ann", f"/projects/{project.id}/rank")
    prompt_id = wait_for_item(annotator)
    shown = completion_ids_on_screen(annotator)
    assert len(shown) == 2
    for key in "21":  # A second, B first; focus moves on after each
        annotator.keyboard.press(key)
    annotator.keyboard.press("Enter")
    expect(annotator.get_by_text("Nothing left for you to rank here.")).to_be_visible()
    ranking = Ranking.objects.get(prompt_id=prompt_id)
    generated = set(GenerationSample.objects.values_list("completion_id", flat=True))
    assert {c for tier in ranking.tiers or [] for c in tier} == generated == set(shown)


def test_an_admin_edits_a_generator_and_deletes_only_an_unused_one(page: Page):
    project: Project = ProjectFactory.create(name="Generators")
    MembershipFactory(project=project, role=Role.ADMIN, user=UserFactory(username="ada"))
    used: Generator = GeneratorFactory.create(project=project, name="used", temperature=1.0)
    GeneratorFactory(project=project, name="spare")
    job: GenerationJob = GenerationJobFactory.create(project=project, generator=used)
    prompt: Prompt = PromptFactory.create(project=project)
    GenerationSample.objects.create(job=job, prompt=prompt, generator=used, sample_index=0, seed=1)

    sign_in(page, "ada", f"/projects/{project.id}/generation")
    generators = page.get_by_role("list", name="Generators")
    page.get_by_role("button", name="Edit used").click()
    form = page.get_by_role("form", name="Edit used")
    form.get_by_label("Temperature").fill("0.25")
    form.get_by_role("button", name="Save changes").click()
    expect(generators.get_by_text("temperature 0.25")).to_be_visible()
    used.refresh_from_db()
    assert used.temperature == 0.25

    page.get_by_role("button", name="Delete used").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete generator").click()
    expect(generators.get_by_role("alert")).to_contain_text("has written completions")

    page.get_by_role("button", name="Delete spare").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete generator").click()
    expect(page.get_by_role("button", name="Try spare")).to_have_count(0)
    expect(page.get_by_role("button", name="Try used")).to_be_visible()
    assert list(project.generators.values_list("name", flat=True)) == ["used"]
