"""The scoring playground on the Models page (issue 17 point 17): with no model it says so
and links to Training; it scores with the newest model until one is promoted, then with the
active one, and renders the scored texts as markdown with normalization explained."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from projects.models import Project, Role
from tests.browser.workspace_fixtures import sign_in
from tests.factories import MembershipFactory, ProjectFactory, TrainingRunFactory, UserFactory
from tests.training.engine.helpers import PAIRS, RANKINGS, tiny_config
from training.engine import train
from training.models import TrainingRun
from training.services.registry import model_version_register

pytestmark = pytest.mark.timeout(300)

BOLD_CANDIDATE = "**Yes**: it returns a new sorted list."
CODE_CANDIDATE = "```python\nprint(sorted([3, 1, 2]))\n```"


@pytest.fixture
def trained_folder(tiny_backbone, tmp_path) -> Path:
    """A real (tiny) reward model folder, as a finished run leaves it."""
    folder = tmp_path / "trained"
    train(tiny_config(tiny_backbone, epochs=1), PAIRS, RANKINGS, out_dir=folder)
    return folder


@pytest.fixture
def storage(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"


def _register(project: Project, folder: Path) -> None:
    run: TrainingRun = TrainingRunFactory.create(
        project=project, status=TrainingRun.Status.SUCCEEDED
    )
    model_version_register(run=run, folder=folder, metrics={})


def test_the_playground_offers_no_model_before_one_then_follows_a_promote_and_renders_markdown(
    page: Page, trained_folder, storage
):
    project: Project = ProjectFactory.create(name="Harmless answers")
    MembershipFactory(project=project, role=Role.RESEARCHER, user=UserFactory(username="rita"))
    sign_in(page, "rita", f"/projects/{project.id}/models")
    playground = page.get_by_role("region", name="Playground")
    expect(playground.get_by_text("No model yet")).to_be_visible()
    expect(playground.get_by_role("link", name="Start a run")).to_have_attribute(
        "href", f"/projects/{project.id}/training"
    )
    expect(playground.get_by_label("Model", exact=True)).to_have_count(0)
    expect(playground.get_by_role("button", name="Score candidates")).to_be_disabled()

    # Two registered versions, neither active: the newest is the one offered.
    _register(project, trained_folder)
    _register(project, trained_folder)
    page.reload()
    model = playground.get_by_label("Model", exact=True)
    expect(model.locator("option:checked")).to_have_text("Model version 2")
    expect(playground.get_by_text("No model yet")).to_have_count(0)

    page.get_by_role("button", name="Promote model version 1").click()
    expect(page.get_by_text("Model version 1 is active.")).to_be_attached()
    expect(model.locator("option:checked")).to_have_text("Model version 1 (active)")

    playground.get_by_label("Prompt").fill("Does `sorted` change **the list** in place?")
    playground.get_by_label("Candidate 1").fill(BOLD_CANDIDATE)
    playground.get_by_label("Candidate 2").fill(CODE_CANDIDATE)
    playground.get_by_role("button", name="Score candidates").click()

    expect(playground.get_by_role("heading", name="Ranked by model version 1")).to_be_visible()
    prompt = playground.get_by_role("region", name="Scored prompt")
    expect(prompt.locator("strong")).to_have_text("the list")
    expect(prompt.locator("code")).to_have_text("sorted")
    ranked = playground.get_by_role("list", name="Ranked candidates")
    expect(ranked.get_by_role("listitem")).to_have_count(2)
    expect(ranked.locator(".scored__text strong")).to_have_text("Yes")
    expect(ranked.locator(".scored__text pre")).to_contain_text("print(sorted([3, 1, 2]))")
    expect(ranked).not_to_contain_text("**")
    expect(ranked).not_to_contain_text("```")
    expect(playground.get_by_text("Normalized: the reward as a z-score")).to_be_visible()
    expect(ranked.locator("[aria-describedby]").first).to_have_accessible_description(
        re.compile(r"^Normalized: the reward as a z-score")
    )
    expect(page.get_by_text("No active model")).to_have_count(0)
