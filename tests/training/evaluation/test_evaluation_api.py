"""The evaluation-set API: upload, list, per-set results across model versions with
regressions flagged, the promotion gate, and evaluating again."""

import pytest
from django.utils import timezone

from projects.models import Role
from tests.factories import ModelVersionFactory
from tests.training.evaluation.helpers import jsonl, parquet, rewardbench_records
from training.evaluation.metrics import ScoredItem, report
from training.models import Evaluation, EvaluationSet, ModelVersion

pytestmark = pytest.mark.django_db


def _url(project, tail: str = "") -> str:
    return f"/api/v1/projects/{project.id}/evaluation-sets/{tail}"


def _upload(client, project, file, name="held-out", file_name="set.jsonl", **fields):
    file.name = file_name
    body = {"file": file, "name": name, **fields}
    return client.post(_url(project), body, format="multipart")


def test_a_researcher_uploads_a_rewardbench_parquet_file_of_real_pairs(
    project, researcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = _upload(
            researcher, project, parquet(rewardbench_records(12)), file_name="rb.parquet"
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "pairs"
    assert body["counts"]["categories"] == {"harmless-even": 6, "harmless-odd": 6}
    assert len(body["sha256"]) == 64
    listed = researcher.get(_url(project)).json()
    assert [s["name"] for s in listed] == ["held-out"]


def test_a_bad_record_is_a_400_naming_its_line(project, researcher):
    records = [{"prompt": "p", "chosen": "a", "rejected": "b"}, {"prompt": "p", "chosen": "a"}]
    response = _upload(researcher, project, jsonl(records))
    assert response.status_code == 400
    (message,) = response.json()["error"]["fields"]["file"]
    assert message == "line 2: rejected: This field is required."
    assert not EvaluationSet.objects.exists()


def test_the_same_items_again_are_a_409_naming_the_set_that_has_them(project, researcher):
    records = rewardbench_records(3)
    assert _upload(researcher, project, jsonl(records)).status_code == 201
    again = _upload(researcher, project, parquet(records), name="copy", file_name="x.parquet")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "evaluation_set_exists"
    assert "'held-out'" in again.json()["error"]["message"]


def test_a_name_already_taken_is_a_400_on_the_name(project, researcher):
    assert _upload(researcher, project, jsonl(rewardbench_records(3))).status_code == 201
    again = _upload(researcher, project, jsonl(rewardbench_records(4)))
    assert again.status_code == 400
    assert "name" in again.json()["error"]["fields"]


def test_an_annotator_cannot_upload_a_set(project, member, client_for):
    annotator = client_for(member(Role.ANNOTATOR))
    assert _upload(annotator, project, jsonl(rewardbench_records(3))).status_code == 403


def test_only_the_gate_flag_of_a_set_changes_and_a_set_can_be_deleted(project, researcher):
    set_id = _upload(researcher, project, jsonl(rewardbench_records(3))).json()["id"]
    changed = researcher.patch(
        _url(project, f"{set_id}/"), {"gates_promotion": True}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["gates_promotion"] is True
    refused = researcher.patch(_url(project, f"{set_id}/"), {"gates_promotion": "y"}, format="json")
    assert refused.status_code == 400
    assert researcher.delete(_url(project, f"{set_id}/")).status_code == 204
    assert not EvaluationSet.objects.exists()


# --- results, regressions and the gate: evaluations with known rewards ------------------


def _pairs_set(project, n: int = 60, **fields) -> EvaluationSet:
    from training.evaluation.sets import evaluation_set_create

    records = [
        {"prompt": f"q{i}", "chosen": "good", "rejected": "bad", "subset": "ab"[i % 2]}
        for i in range(n)
    ]
    name = fields.pop("name", "gate")
    return evaluation_set_create(
        project=project, file=jsonl(records), file_name="s.jsonl", name=name, **fields
    )


def _evaluated(model: ModelVersion, evaluation_set: EvaluationSet, right: int) -> Evaluation:
    """``model``'s succeeded evaluation on the pairs set: the first ``right`` pairs right."""
    n = evaluation_set.items.count()
    rewards = [[1.0, 0.0] if i < right else [0.0, 1.0] for i in range(n)]
    items = evaluation_set.items.order_by("position")
    scored = [
        ScoredItem(r, i.tiers, [1, 1], i.category) for r, i in zip(rewards, items, strict=True)
    ]
    evaluation, _ = Evaluation.objects.update_or_create(
        model_version=model,
        evaluation_set=evaluation_set,
        defaults={
            "status": Evaluation.Status.SUCCEEDED,
            "rewards": rewards,
            "metrics": report(scored),
            "finished_at": timezone.now(),
            "attempts": 1,
        },
    )
    return evaluation


@pytest.fixture
def versions(project, django_capture_on_commit_callbacks):
    """An active model 1 right on 57 of 60 pairs, a model 2 right on 30 of them."""
    with django_capture_on_commit_callbacks(execute=False):
        gate = _pairs_set(project, gates_promotion=True)
    active = ModelVersionFactory(project=project, is_active=True)
    worse = ModelVersionFactory(project=project)
    _evaluated(active, gate, right=57)
    _evaluated(worse, gate, right=30)
    return gate, active, worse


def test_the_set_page_compares_every_version_with_the_active_one(project, researcher, versions):
    gate, _active, _worse = versions
    body = researcher.get(_url(project, f"{gate.pk}/")).json()
    by_number = {row["number"]: row for row in body["results"]}
    assert by_number[2]["baseline"] == 1
    assert by_number[2]["evaluation"]["metrics"]["overall"]["accuracy"] == 0.5
    (overall,) = [r for r in by_number[2]["regressions"] if r["scope"] == "overall"]
    assert overall["metric"] == "accuracy"
    assert overall["baseline"] == 0.95
    assert overall["high"] < 0
    assert by_number[1]["baseline"] is None  # nothing earlier to compare with
    assert by_number[1]["regressions"] == []


def _promote(client, project, model, **body):
    url = f"/api/v1/projects/{project.id}/models/{model.pk}/promote/"
    return client.post(url, body, format="json")


def test_promoting_a_model_that_regresses_on_a_gating_set_is_a_409_naming_it(
    project, researcher, versions
):
    _gate, active, worse = versions
    response = _promote(researcher, project, worse)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "promotion_blocked"
    (reason, *_) = error["fields"]["gate"]
    assert reason.startswith("overall accuracy: 0.5000 against 0.9500 of model 1")
    active.refresh_from_db()
    assert active.is_active


def test_a_regression_on_a_set_that_does_not_gate_does_not_block(project, researcher, versions):
    gate, _active, worse = versions
    EvaluationSet.objects.filter(pk=gate.pk).update(gates_promotion=False)
    assert _promote(researcher, project, worse).status_code == 200
    worse.refresh_from_db()
    assert worse.is_active


def test_a_model_not_yet_evaluated_on_a_gating_set_is_not_promoted(project, researcher, versions):
    _gate, _active, _worse = versions
    newest = ModelVersionFactory(project=project)
    response = _promote(researcher, project, newest)
    assert response.status_code == 409
    assert response.json()["error"]["fields"]["gate"] == [
        "Not evaluated on this set yet (not scheduled)."
    ]


def test_an_admin_may_override_the_gate_and_the_decision_says_so(
    project, member, client_for, versions
):
    _gate, _active, worse = versions
    admin = client_for(member(Role.ADMIN, username="boss"))
    response = _promote(admin, project, worse, override=True)
    assert response.status_code == 200
    assert response.json()["is_active"] is True
    assert response.json()["decision"].startswith(
        "Promoted by boss, overriding the evaluation gate (gate: overall accuracy"
    )


def test_a_researcher_may_not_override_the_gate(project, researcher, versions):
    _gate, _active, worse = versions
    assert _promote(researcher, project, worse, override=True).status_code == 403
    worse.refresh_from_db()
    assert not worse.is_active


def test_a_failed_evaluation_is_evaluated_again_on_request(
    project, researcher, versions, django_capture_on_commit_callbacks
):
    _gate, active, worse = versions
    evaluation = Evaluation.objects.get(model_version=worse)
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.FAILED)
    url = f"/api/v1/projects/{project.id}/evaluations/{evaluation.pk}/rerun/"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = researcher.post(url)
    assert response.status_code == 200
    assert response.json()["status"] == "queued"
    assert len(callbacks) == 1
    done = Evaluation.objects.get(model_version=active)
    again = researcher.post(f"/api/v1/projects/{project.id}/evaluations/{done.pk}/rerun/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "evaluation_succeeded"


def test_periodic_retraining_leaves_promotion_past_a_gate_to_a_person(project, versions):
    from training.services.retrain import model_version_decide

    _gate, active, worse = versions
    decided = model_version_decide(model=worse, eval_data=[{"prompt": "p"}])
    assert not decided.is_active
    assert decided.decision == "Not promoted: promotion is gated on evaluation sets (gate)."
    active.refresh_from_db()
    assert active.is_active


def test_the_set_page_reads_in_as_many_queries_however_many_versions(
    project, researcher, versions, django_assert_max_num_queries
):
    gate, _active, _worse = versions
    url = _url(project, f"{gate.pk}/")
    assert researcher.get(url).status_code == 200
    for right in (40, 50, 55):
        _evaluated(ModelVersionFactory(project=project), gate, right=right)
    with django_assert_max_num_queries(9):  # access, set, models, evaluations, items, rewards
        response = researcher.get(url)
    assert len(response.json()["results"]) == 5
