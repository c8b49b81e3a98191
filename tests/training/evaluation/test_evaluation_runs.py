"""Every model version is evaluated on every set of its project, by a training worker,
once per (model, set), through the scoring engine's fast path."""

import psycopg
import pytest
from django.db import connection

from tests.training.evaluation.helpers import jsonl, rewardbench_records
from training.evaluation import runs
from training.evaluation.runs import evaluation_execute, evaluation_rerun
from training.evaluation.sets import evaluation_set_create
from training.models import Evaluation, TrainingRun
from training.services import execute
from training.services.scoring import completions_score

pytestmark = pytest.mark.django_db


def _only(model) -> Evaluation:
    return Evaluation.objects.get(model_version=model)


def test_an_uploaded_set_is_scheduled_for_every_model_once_committed(
    project, tiny_model, django_capture_on_commit_callbacks
):
    tiny_model(), tiny_model()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        found = evaluation_set_create(
            project=project, file=jsonl(rewardbench_records(4)), file_name="s.jsonl", name="s"
        )
    assert Evaluation.objects.filter(evaluation_set=found).count() == 2
    assert {e.status for e in Evaluation.objects.all()} == {Evaluation.Status.QUEUED}
    assert len(callbacks) == 2  # a task per model, sent once the upload commits


def test_scheduling_again_adds_no_second_evaluation(tiny_model, rewardbench_set):
    model, evaluation_set = tiny_model(), rewardbench_set(4)
    runs.evaluations_schedule(model_versions=[model], evaluation_sets=[evaluation_set])
    assert Evaluation.objects.filter(model_version=model).count() == 1


def test_a_model_is_scored_on_real_pairs_per_rewardbench_subset(tiny_model, rewardbench_set):
    model = tiny_model()
    evaluation_set = rewardbench_set(20)
    assert evaluation_execute(evaluation_id=_only(model).pk) == "succeeded"
    evaluation = _only(model)
    assert evaluation.status == Evaluation.Status.SUCCEEDED
    assert evaluation.attempts == 1
    assert evaluation.items_scored == 20
    overall = evaluation.metrics["overall"]
    assert overall["pairs"] == 20
    assert 0 <= overall["accuracy"] <= 1
    assert overall["best_of_n_items"] == 0
    assert set(evaluation.metrics["categories"]) == {"harmless-even", "harmless-odd"}
    assert evaluation.metrics["categories"]["harmless-odd"]["items"] == 10
    assert evaluation_set.counts == {
        "items": 20,
        "pairs": 20,
        "categories": {"harmless-even": 10, "harmless-odd": 10},
    }


def test_the_rewards_are_those_the_scoring_api_gives_one_item_at_a_time(
    tiny_model, rewardbench_set, settings
):
    settings.EVALUATION_CHUNK_ITEMS = 3  # several chunks, each length-sorted apart
    model = tiny_model()
    evaluation_set = rewardbench_set(7)
    evaluation_execute(evaluation_id=_only(model).pk)
    rewards = _only(model).rewards
    for item, item_rewards in zip(evaluation_set.items.order_by("position"), rewards, strict=True):
        alone = completions_score(model=model, prompt=item.prompt, completions=item.completions)
        assert item_rewards == pytest.approx([s.reward for s in alone], abs=1e-5)


def test_evaluating_again_changes_nothing(tiny_model, rewardbench_set):
    model = tiny_model()
    rewardbench_set(4)
    evaluation_execute(evaluation_id=_only(model).pk)
    finished = _only(model).finished_at
    assert evaluation_execute(evaluation_id=_only(model).pk) == "done"
    assert _only(model).attempts == 1
    assert _only(model).finished_at == finished


def test_an_evaluation_another_worker_holds_is_left_to_it(tiny_model, rewardbench_set):
    model = tiny_model()
    rewardbench_set(4)
    evaluation = _only(model)
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [runs.LOCK_NAMESPACE, evaluation.pk])
        assert evaluation_execute(evaluation_id=evaluation.pk) == "busy"
        with pytest.raises(runs.EvaluationRunning):
            evaluation_rerun(evaluation=evaluation)
    assert _only(model).status == Evaluation.Status.QUEUED
    assert _only(model).attempts == 0


def test_a_failed_evaluation_keeps_no_numbers_and_runs_again_once_fixed(
    tiny_model, rewardbench_set, media, django_capture_on_commit_callbacks
):
    model = tiny_model()
    rewardbench_set(4)
    weights = media / model.artifact / "model.safetensors"
    kept = weights.read_bytes()
    weights.unlink()
    assert evaluation_execute(evaluation_id=_only(model).pk) == "failed"
    failed = _only(model)
    assert failed.error
    assert failed.metrics == {}
    assert failed.rewards == []

    weights.write_bytes(kept)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert evaluation_rerun(evaluation=failed).status == Evaluation.Status.QUEUED
    assert len(callbacks) == 1
    assert evaluation_execute(evaluation_id=failed.pk) == "succeeded"
    assert _only(model).attempts == 2
    assert _only(model).error == ""


def test_a_succeeded_evaluation_is_not_run_again_on_request(tiny_model, rewardbench_set):
    model = tiny_model()
    rewardbench_set(4)
    evaluation_execute(evaluation_id=_only(model).pk)
    with pytest.raises(runs.EvaluationDone):
        evaluation_rerun(evaluation=_only(model))


def test_a_newly_trained_model_is_evaluated_on_every_set_of_its_project(
    project, version, tiny_config, rewardbench_set, media, django_capture_on_commit_callbacks
):
    first, second = rewardbench_set(4, name="a"), rewardbench_set(6, name="b")
    run = TrainingRun.objects.create(
        project=project, number=1, dataset_version=version, config=tiny_config | {"epochs": 1}
    )
    with django_capture_on_commit_callbacks(execute=False):
        execute.training_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    queued = Evaluation.objects.filter(model_version=run.model_version)
    assert {e.evaluation_set_id for e in queued} == {first.pk, second.pk}
    assert all(e.status == Evaluation.Status.QUEUED for e in queued)


def test_the_evaluation_task_goes_to_the_training_workers_that_have_the_model():
    from config.celery import app

    route = app.amqp.router.route({}, "training.tasks.evaluation_execute")
    assert route["queue"].name == "training"
