"""The model a run keeps is its best evaluation's, early stopping ends a run that stopped
improving, and both survive a cancel and resume exactly."""

import itertools
import json

import pytest
from safetensors.torch import load_file

from tests.training.engine.helpers import PAIRS, tiny_config
from training.engine import TrainConfig, evaluate, train
from training.engine.trainer import AUTO_EVALS

# Validation pairs that disagree with every training pair: the better the model learns the
# training data, the worse its validation log-loss, so the first evaluation is the best.
AGAINST = [{**p, "chosen": p["rejected"], "rejected": p["chosen"]} for p in PAIRS]


def _evals(events):
    return [e for e in events if e["event"] == "eval" and not e.get("final")]


def _same_weights(a, b):
    left, right = load_file(str(a / "model.safetensors")), load_file(str(b / "model.safetensors"))
    assert left.keys() == right.keys()
    for key in left:
        assert left[key].equal(right[key]), key


def test_early_stopping_is_on_by_default():
    assert TrainConfig().early_stopping_patience == 3


def test_the_saved_model_is_the_best_evaluation_not_the_last(tiny_bert, tmp_path):
    events = []
    config = tiny_config(tiny_bert, epochs=3, eval_every=1, early_stopping_patience=0)
    result = train(config, PAIRS, AGAINST, tmp_path, on_event=events.append)
    evals = _evals(events)
    best = min(evals, key=lambda e: e["log_loss"])
    assert evals[-1]["log_loss"] > best["log_loss"] + 1e-3  # the run did get worse
    assert result.status == "succeeded"
    assert result.steps == result.total_steps  # patience 0: trained to the end
    assert (result.best_step, result.best_log_loss) == (best["step"], best["log_loss"])
    meta = json.loads((tmp_path / "rankwise.json").read_text())
    assert meta["best_step"] == best["step"]
    assert not meta["stopped_early"]
    assert evaluate(tmp_path, AGAINST, device="cpu")["log_loss"] == pytest.approx(
        best["log_loss"], abs=1e-5
    )


def test_early_stopping_ends_the_run_after_patience_evaluations_without_gain(tiny_bert, tmp_path):
    events = []
    config = tiny_config(tiny_bert, epochs=3, eval_every=1, early_stopping_patience=2)
    result = train(config, PAIRS, AGAINST, tmp_path, on_event=events.append)
    assert result.status == "early_stopped"
    assert result.best_step == 1
    assert result.steps == 3 < result.total_steps  # steps 2 and 3 did not improve
    assert [e["step"] for e in _evals(events)] == [1, 2, 3]
    assert json.loads((tmp_path / "rankwise.json").read_text())["stopped_early"]


def test_a_resumed_run_keeps_its_best_weights_and_patience_count(tiny_bert, tmp_path):
    config = tiny_config(tiny_bert, epochs=3, eval_every=1, early_stopping_patience=3)
    straight = train(config, PAIRS, AGAINST, tmp_path / "straight")
    calls = {"n": 0}

    def stop_at_step_two():  # after the best (step 1) and one evaluation without gain
        calls["n"] += 1
        return calls["n"] == 2

    first = train(config, PAIRS, AGAINST, tmp_path / "resumed", should_stop=stop_at_step_two)
    assert (first.status, first.steps) == ("cancelled", 2)
    events = []
    second = train(config, PAIRS, AGAINST, tmp_path / "resumed", on_event=events.append)
    assert {"event": "start", "step": 2, "total_steps": second.total_steps} in events
    assert (
        (second.status, second.steps, second.best_step)
        == (
            straight.status,
            straight.steps,
            straight.best_step,
        )
        == ("early_stopped", 4, 1)
    )
    _same_weights(tmp_path / "straight", tmp_path / "resumed")


def test_a_run_evaluates_about_ten_times_and_at_its_last_step(tiny_bert, tmp_path):
    events = []
    config = tiny_config(tiny_bert, epochs=4, token_budget=96, early_stopping_patience=0)
    result = train(config, PAIRS, PAIRS[:4], tmp_path, on_event=events.append)
    steps = [e["step"] for e in _evals(events)]
    assert result.total_steps > AUTO_EVALS
    assert AUTO_EVALS - 1 <= len(steps) <= AUTO_EVALS + 1
    assert steps[-1] == result.total_steps
    assert all(b > a for a, b in itertools.pairwise(steps))


def test_head_mode_keeps_its_best_evaluation_and_stops_early(tiny_bert, tmp_path):
    config = tiny_config(tiny_bert, mode="head", head_epochs=20, early_stopping_patience=2)
    result = train(config, PAIRS, AGAINST, tmp_path)
    assert result.status == "early_stopped"
    assert result.best_step is not None
    assert result.steps == result.best_step + 2
    assert evaluate(tmp_path, AGAINST, device="cpu")["log_loss"] == pytest.approx(
        result.best_log_loss, abs=1e-5
    )
