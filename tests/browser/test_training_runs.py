"""What a researcher reads on a training run's page: curves without a false first point or
repeated steps, whole-number step axes, every attempt of a resumed run, Resume only where it
can help, and which step's weights became the model (issue 17 points 11-15 and 22)."""

import re
from datetime import timedelta
from typing import Any, cast

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from annotation.services.imports import items_import
from dataset_versions.services.datasets import Rule, dataset_version_create
from projects.models import Project, Role
from tests.browser.workspace_fixtures import sign_in
from tests.factories import (
    MembershipFactory,
    ProjectFactory,
    TrainingRunFactory,
    UserFactory,
    pairs_file,
)
from training import tasks
from training.models import TrainingAttempt, TrainingPoint, TrainingRun
from training.services import execute, runs

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def project() -> Project:
    project = ProjectFactory.create(name="Harmless answers")
    MembershipFactory(project=project, role=Role.RESEARCHER, user=UserFactory(username="rita"))
    return project


def _run(**fields: Any) -> TrainingRun:
    # factory_boy's classes are untyped: say what they make.
    return cast(TrainingRun, TrainingRunFactory(**fields))


def _run_page(page: Page, run: TrainingRun) -> None:
    sign_in(page, "rita", f"/projects/{run.project_id}/training/{run.pk}")
    expect(page.get_by_role("heading", name=f"Run {run.number}", level=1)).to_be_visible()


def _dots(page: Page, chart: str, series: str) -> list[int]:
    """The steps of a series' points, from the dots' titles ("Training loss, 3: 0.61")."""
    titles = page.get_by_role("img", name=re.compile(f"^{chart}\\.")).locator("circle > title")
    steps = [re.match(rf"{series}, (\d+):", t) for t in titles.all_text_contents()]
    return [int(match[1]) for match in steps if match]


def test_a_resumed_run_charts_each_step_once_from_step_one_and_names_the_kept_step(
    page: Page, project, tiny_backbone_allowed, settings, tmp_path, monkeypatch
):
    """A real run on the tiny backbone, trained here: its worker dies after step 3 (past the
    step-2 checkpoint), Resume continues it, and it ends with the best evaluation's weights."""
    settings.DATA_DIR, settings.MEDIA_ROOT = tmp_path, tmp_path / "media"
    monkeypatch.setattr(tasks.training_run_execute, "delay", lambda run_id: None)  # no broker
    items_import(project=project, file=pairs_file(40), file_name="pairs.jsonl", source="seed")
    split = {"train": 0.7, "validation": 0.3, "test": 0.0}
    dataset_version_create(project=project, rule=Rule(include_imported=True), split=split)
    config = {
        "backbone": tiny_backbone_allowed, "epochs": 1, "max_length": 96,
        "min_prompt_tokens": 16, "token_budget": 192, "learning_rate": 1e-3, "log_every": 1,
        "eval_every": 1, "early_stopping_patience": 0, "checkpoint_every": 2,
    }  # fmt: skip
    run = runs.training_run_create(project=project, config=config)
    polls = {"n": 0}

    def worker_dies_at_step_four(beat):
        polls["n"] += 1
        if polls["n"] == 4:
            raise RuntimeError("worker lost")
        return False

    with monkeypatch.context() as patched:
        patched.setattr(execute._Heartbeat, "should_stop", worker_dies_at_step_four)
        assert execute.training_run_execute(run_id=run.pk) == "failed"
    runs.training_run_resume(run=run)
    assert execute.training_run_execute(run_id=run.pk) == "succeeded"
    run.refresh_from_db()
    steps = list(range(1, run.total_steps + 1))

    _run_page(page, run)
    expect(page.get_by_text("Run 1: Succeeded")).to_be_attached()
    assert _dots(page, "Loss", "Validation log loss") == steps  # none at 0, none twice
    assert _dots(page, "Loss", "Training loss") == steps
    notice = page.get_by_text(re.compile("^Training finished"))
    expect(notice).to_contain_text(re.compile(f"The model is step {run.best_step}.s weights"))
    expect(page.get_by_role("img", name=re.compile(r"^Loss\."))).to_have_accessible_name(
        re.compile(f"Marked: model: step {run.best_step}\\.$")
    )
    attempts = page.get_by_role("table", name="Attempts").get_by_role("row")
    expect(attempts).to_have_count(3)  # a header and two attempts
    expect(attempts.nth(1)).to_contain_text("Failed · RuntimeError: worker lost")
    expect(attempts.nth(1)).to_contain_text("0 → 3")
    expect(attempts.nth(2)).to_contain_text(f"2 → {run.total_steps}")
    expect(attempts.nth(2)).to_contain_text("Succeeded")
    started = page.locator(".run-progress dt", has_text="Started").locator("xpath=../dd")
    expect(started).to_have_text(attempts.nth(1).locator("td").first.inner_text())


def test_a_two_step_run_reads_its_step_axis_once_per_step(page: Page, project):
    run = _run(project=project, status="succeeded", step=2, total_steps=2)
    for step in (1, 2):
        TrainingPoint.objects.create(run=run, kind="train", step=step, values={"loss": 0.7 / step})
        TrainingPoint.objects.create(
            run=run, kind="eval", step=step, values={"accuracy": 0.5, "log_loss": 0.69}
        )
    _run_page(page, run)
    for chart in ("Loss", "Accuracy"):
        axis = page.get_by_role("img", name=re.compile(f"^{chart}\\.")).locator(
            ".chart__grid > text:not(.chart__axis-label)"
        )
        assert axis.all_text_contents() == ["1", "2"]


def test_a_stalled_run_keeps_its_first_start_and_shows_no_finish(page: Page, project):
    first = timezone.now() - timedelta(hours=3)
    heard = timezone.now() - timedelta(minutes=30)
    run = _run(
        project=project, status="stalled", started_at=first, heartbeat_at=heard, attempt=2,
        step=63, total_steps=100, worker="gpu-b:7", error="The worker gpu-b:7 stopped reporting.",
    )  # fmt: skip
    TrainingAttempt.objects.create(
        run=run, number=1, worker="gpu-a:12", started_at=first, ended_at=first + timedelta(hours=1),
        outcome="failed", start_step=0, end_step=20, error="OutOfMemoryError: CUDA out of memory",
    )  # fmt: skip
    TrainingAttempt.objects.create(
        run=run, number=2, worker="gpu-b:7", started_at=heard - timedelta(minutes=40),
        ended_at=heard, outcome="stalled", start_step=20, end_step=63,
    )  # fmt: skip
    _run_page(page, run)
    progress = page.locator(".run-progress")
    expect(progress).to_contain_text("Last heard from")
    expect(progress.locator("dt", has_text="Finished")).to_have_count(0)
    attempts = page.get_by_role("table", name="Attempts").get_by_role("row")
    expect(attempts).to_have_count(3)
    expect(attempts.nth(2)).to_contain_text("last heard")
    expect(attempts.nth(2)).to_contain_text("20 → 63")
    started = progress.locator("dt", has_text="Started").locator("xpath=../dd")
    expect(started).to_have_text(attempts.nth(1).locator("td").first.inner_text())
    expect(page.get_by_role("button", name="Resume run")).to_be_visible()


@pytest.mark.parametrize(
    ("failure", "title", "resumable"),
    [
        ("configuration", "The run failed on its settings.", False),
        ("data", "The run failed on its data.", False),
        ("out_of_memory", "The run ran out of memory.", True),
    ],
)
def test_resume_is_offered_only_where_it_can_help(page: Page, project, failure, title, resumable):
    run = _run(project=project, status="failed", failure=failure, error=f"{failure} went wrong")
    _run_page(page, run)
    expect(page.get_by_role("alert")).to_contain_text(title)
    expect(page.get_by_role("button", name="Resume run")).to_have_count(1 if resumable else 0)


def test_the_run_form_shows_early_stopping_on_by_default(page: Page, project):
    sign_in(page, "rita", f"/projects/{project.id}/training")
    patience = page.get_by_label("Early stopping")
    expect(patience).to_have_attribute("placeholder", "3 (default)")
    expect(patience).to_have_accessible_description(re.compile("best evaluation.s weights"))
