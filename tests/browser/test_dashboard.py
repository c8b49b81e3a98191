"""A researcher trains a reward model from the dashboard, watches it finish, promotes it
and scores candidates in the playground (a real Celery worker trains a tiny model)."""

import pytest
from playwright.sync_api import Page, expect

from annotation.services.imports import items_import
from dataset_versions.services.datasets import Rule, dataset_version_create
from projects.models import Project, Role
from tests.browser.workspace_fixtures import sign_in
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, pairs_file
from tests.workers import TrainingWorkers

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def worker(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    workers = TrainingWorkers(tmp_path)
    workers.start()
    yield
    workers.stop_all()


def test_a_researcher_trains_promotes_and_scores_from_the_dashboard(
    page: Page, tiny_backbone_allowed, worker
):
    project: Project = ProjectFactory.create(name="Harmless answers")
    MembershipFactory(project=project, role=Role.RESEARCHER, user=UserFactory(username="rita"))
    items_import(project=project, file=pairs_file(40), file_name="pairs.jsonl", source="seed")
    dataset_version_create(project=project, rule=Rule(include_imported=True))

    sign_in(page, "rita", f"/projects/{project.id}/training")
    expect(page.get_by_role("heading", name="Training", level=1)).to_be_visible()
    page.get_by_label("Backbone").select_option(tiny_backbone_allowed)
    page.get_by_label("Epochs").fill("2")
    page.get_by_label("Max length").fill("96")
    page.get_by_role("button", name="Start training run").click()

    expect(page.get_by_role("heading", name="Run 1", level=1)).to_be_visible()
    expect(page.get_by_text("Run 1: Succeeded")).to_be_attached(timeout=180_000)
    expect(page.get_by_role("img", name="Loss.", exact=False)).to_be_visible()
    expect(page.get_by_role("img", name="Accuracy.", exact=False)).to_be_visible()

    page.get_by_role("link", name="See the model on the Models page").click()
    page.get_by_role("button", name="Promote model version 1").click()
    expect(page.get_by_text("Model version 1 is active.")).to_be_attached()

    playground = page.get_by_role("region", name="Playground")
    playground.get_by_label("Prompt").fill("What is 2 plus 2?")
    playground.get_by_label("Candidate 1").fill("It is 4, since 2 + 2 = 4.")
    playground.get_by_label("Candidate 2").fill("No idea.")
    playground.get_by_role("button", name="Score candidates").click()
    ranked = page.get_by_role("list", name="Ranked candidates").get_by_role("listitem")
    # The first score loads the model into the web process: seconds on a busy machine.
    expect(ranked).to_have_count(2, timeout=60_000)
    expect(ranked.first).to_contain_text("Rank 1")
