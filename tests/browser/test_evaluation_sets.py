"""Evaluation sets in the browser (issue 20 point 4): a researcher uploads a RewardBench
file of real HH pairs on the Models page; once a worker has evaluated the model version on
it, the page shows the version's metrics on the whole set and per subset."""

import json

import pytest
from playwright.sync_api import Page, expect

from config.celery import app as celery_app
from projects.models import Project, Role
from tests.browser.workspace_fixtures import sign_in
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.training.evaluation.helpers import rewardbench_records, tiny_model_create
from training.evaluation.runs import evaluation_execute
from training.models import Evaluation

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def media(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def no_worker_messages_left():
    """The upload sends its evaluation to the broker on commit; no worker here takes it
    (the test evaluates in its own process), so the message is cleared after."""
    yield
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge("training")


def test_a_researcher_uploads_a_set_and_sees_a_model_versions_metrics_on_it(
    page: Page, tmp_path, media, tiny_backbone, no_worker_messages_left
):
    project: Project = ProjectFactory.create(name="Harmless answers")
    MembershipFactory(project=project, role=Role.RESEARCHER, user=UserFactory(username="rita"))
    model = tiny_model_create(project, media, tiny_backbone, is_active=True)
    upload = tmp_path / "rewardbench-harmless.jsonl"
    upload.write_text("".join(json.dumps(r) + "\n" for r in rewardbench_records(24)))

    sign_in(page, "rita", f"/projects/{project.id}/models")
    sets = page.get_by_role("region", name="Evaluation sets")
    expect(sets.get_by_text("No evaluation sets yet.")).to_be_visible()
    sets.get_by_text("Upload an evaluation set").click()
    form = sets.get_by_role("form", name="Upload an evaluation set")
    form.get_by_label("Name").fill("harmless held-out")
    form.get_by_label("File").set_input_files(str(upload))
    form.get_by_role("button", name="Upload set").click()

    panel = sets.get_by_role("article", name="Evaluation set harmless held-out")
    expect(
        panel.get_by_text("24 pairs from rewardbench-harmless.jsonl, 2 categories.")
    ).to_be_visible()
    whole = panel.get_by_role("table", name="Evaluation results: Whole set")
    expect(whole.get_by_role("row", name="Model version 1")).to_contain_text("Queued")

    # What the training worker does with the message the upload sent.
    evaluation = Evaluation.objects.get(model_version=model)
    assert evaluation_execute(evaluation_id=evaluation.pk) == "succeeded"
    evaluation.refresh_from_db()
    accuracy = evaluation.metrics["overall"]["accuracy"]

    row = whole.get_by_role("row", name="Model version 1")
    expect(row).to_contain_text("Succeeded")  # the panel polls while an evaluation is pending
    expect(row).to_contain_text(f"{accuracy * 100:.1f}%")
    panel.get_by_text("harmless-odd (12 items)").click()
    odd = panel.get_by_role("table", name="Evaluation results: harmless-odd")
    odd_accuracy = evaluation.metrics["categories"]["harmless-odd"]["accuracy"]
    expect(odd.get_by_role("row", name="Model version 1")).to_contain_text(
        f"{odd_accuracy * 100:.1f}%"
    )
