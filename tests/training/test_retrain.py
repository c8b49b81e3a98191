"""Periodic retraining and the model back in the loop."""

import pytest
from django.db import DataError

from annotation.models import Prompt
from annotation.services.imports import items_import
from annotation.services.queue import assignment_next
from annotation.services.rankings import ranking_submit
from dataset_versions.models import DatasetVersion
from dataset_versions.services.datasets import Rule, dataset_version_create
from preferences.models import PromptConsensus
from projects.models import Role
from tests.factories import (
    MembershipFactory,
    ModelVersionFactory,
    ProjectFactory,
    TrainingRunFactory,
    TrainingSettingsFactory,
    item_with_completions,
    pairs_file,
)
from training.models import Dispute, ModelVersion, TrainingRun
from training.services import execute, retrain
from training.services.feedback import model_feedback_refresh
from training.services.registry import model_version_promote

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained_model(
    project, version, tiny_config, settings, tmp_path, django_capture_on_commit_callbacks
):
    from training.services.runs import training_run_create

    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=False):
        run = training_run_create(project=project, config=tiny_config)
    execute.training_run_execute(run_id=run.pk)
    return model_version_promote(model=ModelVersion.objects.get(training_run=run))


def test_nothing_retrains_below_the_projects_threshold(project, version):
    TrainingSettingsFactory(project=project, retrain_min_rankings=5)
    assert retrain.retrain_due() == []


def test_imported_rankings_never_trigger_a_retrain(project, version):
    TrainingSettingsFactory(
        project=project, retrain_min_rankings=1, rule={"include_imported": True}
    )
    items_import(project=project, file=pairs_file(50), file_name="more.jsonl", source="more")
    assert retrain.new_rankings(project_id=project.pk) == 0
    assert retrain.retrain_due() == []


def test_enough_new_rankings_start_a_periodic_run(
    project, version, member, django_capture_on_commit_callbacks
):
    TrainingSettingsFactory(
        project=project, retrain_min_rankings=2, rule={"include_imported": True}
    )
    annotator = member(Role.ANNOTATOR)
    for _ in range(2):
        item_with_completions(project, k=2)
    for _ in range(2):
        lease = assignment_next(project=project, annotator=annotator)
        tiers = [[i] for i in lease.display_order]
        ranking_submit(project=project, annotator=annotator, prompt_id=lease.prompt_id, tiers=tiers)
    with django_capture_on_commit_callbacks(execute=False) as sent:
        (run,) = retrain.retrain_due()
    assert run.trigger == TrainingRun.Trigger.PERIODIC
    assert run.dataset_version.number == version.number + 1
    assert len(sent) == 1
    assert retrain.retrain_due() == []  # a run is active: no second one


def test_a_periodic_model_is_promoted_only_when_it_beats_the_active_one(trained_model, version):
    from training.services.execute import dataset_records

    eval_data = list(dataset_records(version_id=version.pk, split="validation"))
    challenger = ModelVersionFactory(
        project=trained_model.project,
        training_run=TrainingRunFactory(
            project=trained_model.project, dataset_version=version, config={}
        ),
        dataset_version=version,
        artifact=trained_model.artifact,
        files=trained_model.files,
        metrics={"accuracy": -1.0, "log_loss": 99.0},
    )
    decided = retrain.model_version_decide(model=challenger, eval_data=eval_data)
    assert not decided.is_active
    assert decided.decision.startswith("Not promoted: accuracy -1.0000 vs")
    challenger.metrics = {"accuracy": 2.0, "log_loss": 0.0}
    decided = retrain.model_version_decide(model=challenger, eval_data=eval_data)
    assert decided.is_active
    assert decided.decision.startswith("Promoted: accuracy 2.0000 vs")
    assert not ModelVersion.objects.get(pk=trained_model.pk).is_active


def test_the_active_model_lists_disputes_and_reprioritises_open_items(trained_model, project):
    prompt = Prompt.objects.filter(project=project).first()
    low, high = prompt.completions.order_by("position")
    # The humans unanimously prefer one completion; whichever the model prefers, flip the
    # consensus so that the model confidently disagrees with it.
    from training.services.scoring import scorer_for

    rewards = scorer_for(trained_model).score(prompt.text, [low.text, high.text])
    winner, loser = (low, high) if rewards[0] < rewards[1] else (high, low)
    PromptConsensus.objects.create(
        prompt=prompt, project=project, method="bradley_terry", tiers=[[winner.pk], [loser.pk]],
        strengths={}, pairs=[[winner.pk, loser.pk, 1.0, 1.0]], raters=3, fingerprint="x",
    )  # fmt: skip
    found = model_feedback_refresh(model=trained_model, confidence=0.5 + 1e-9)
    assert found.disputes == (1 if abs(rewards[0] - rewards[1]) > 1e-6 else 0)
    assert Dispute.objects.filter(model_version=trained_model).count() == found.disputes
    assert found.prioritised == Prompt.objects.filter(project=project).count()
    assert Prompt.objects.filter(project=project, priority__gt=0).exists()


# Annotator names where the rule wants their ids: the build's statement fails on them.
BROKEN_RULE = {"rater_ids": ["alice"]}


def _rankings(project, n):
    """``n`` prompts of ``project`` ranked by an annotator, the way annotators do."""
    annotator = MembershipFactory(project=project, role=Role.ANNOTATOR).user
    for _ in range(n):
        item_with_completions(project, k=2)
        lease = assignment_next(project=project, annotator=annotator)
        tiers = [[i] for i in lease.display_order]
        ranking_submit(project=project, annotator=annotator, prompt_id=lease.prompt_id, tiers=tiers)


def _due(project, rule, n=2):
    _rankings(project, n)
    return TrainingSettingsFactory(project=project, retrain_min_rankings=n, rule=rule)


def test_a_project_whose_build_fails_does_not_stop_the_next_one(
    project, caplog, django_capture_on_commit_callbacks
):
    _due(project, BROKEN_RULE)
    healthy = ProjectFactory()
    items_import(project=healthy, file=pairs_file(40), file_name="pairs.jsonl", source="seed")
    _due(healthy, {"include_imported": True})
    with django_capture_on_commit_callbacks(execute=False) as sent:
        (run,) = retrain.retrain_due()
    assert run.project == healthy
    assert len(sent) == 1
    failed = DatasetVersion.objects.get(project=project)
    assert failed.status == DatasetVersion.Status.FAILED
    assert 'invalid input syntax for type bigint: "alice"' in failed.error
    assert f"periodic retraining failed for project {project.pk}" in caplog.text
    assert "periodic retraining: 1 projects done, 1 failed" in caplog.text


def test_a_failed_version_does_not_reset_the_count_of_new_rankings(project):
    _rankings(project, 3)
    with pytest.raises(DataError):
        dataset_version_create(project=project, rule=Rule(**BROKEN_RULE))
    assert retrain.new_rankings(project_id=project.pk) == 3
    dataset_version_create(project=project, rule=Rule())
    assert retrain.new_rankings(project_id=project.pk) == 0


def test_a_project_retrains_once_its_broken_rule_is_fixed(
    project, version, django_capture_on_commit_callbacks
):
    rule = _due(project, {"include_imported": True, **BROKEN_RULE})
    assert retrain.retrain_due() == []
    rule.rule = {"include_imported": True}
    rule.save()
    with django_capture_on_commit_callbacks(execute=False):
        (run,) = retrain.retrain_due()
    assert run.project == project
    assert run.dataset_version.status == DatasetVersion.Status.READY


def test_a_failed_periodic_build_is_tried_again_only_after_a_ranking_changes(project):
    _due(project, BROKEN_RULE)
    assert retrain.retrain_due() == []
    assert retrain.retrain_due() == []
    assert DatasetVersion.objects.filter(project=project).count() == 1
    _rankings(project, 1)
    assert retrain.retrain_due() == []
    assert DatasetVersion.objects.filter(project=project).count() == 2
