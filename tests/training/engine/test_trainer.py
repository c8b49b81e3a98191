import json

import pytest
import torch
from safetensors.torch import load_file
from transformers import BertConfig, BertForSequenceClassification

from tests.training.engine.helpers import PAIRS, RANKINGS, tiny_config
from training.engine import ConfigError, TrainConfig, evaluate, train
from training.engine.cli import main


def _weights(out):
    return load_file(str(out / "model.safetensors"))


def _same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].equal(b[key]), key


def test_training_is_deterministic_on_cpu(tiny_bert, tmp_path):
    config = tiny_config(tiny_bert, precision="fp32")
    train(config, PAIRS + RANKINGS, out_dir=tmp_path / "one")
    train(config, PAIRS + RANKINGS, out_dir=tmp_path / "two")
    _same(_weights(tmp_path / "one"), _weights(tmp_path / "two"))


# With dropout the RNG state must resume too; with a weight average, the average.
@pytest.mark.parametrize(("dropout", "ema_decay"), [(0.0, 0.0), (0.1, 0.0), (0.0, 0.9)])
def test_cancel_then_resume_ends_with_the_weights_of_an_uninterrupted_run(
    backbone, dropout, ema_decay, tmp_path
):
    config = tiny_config(
        backbone,
        precision="fp32",
        token_budget=128,
        grad_accum=2,
        dropout=dropout,
        ema_decay=ema_decay,
    )
    train(config, PAIRS + RANKINGS, out_dir=tmp_path / "straight")
    calls = {"n": 0}

    def stop_once():
        calls["n"] += 1
        return calls["n"] == 2

    first = train(config, PAIRS + RANKINGS, out_dir=tmp_path / "resumed", should_stop=stop_once)
    assert first.status == "cancelled"
    assert first.steps == 2
    events = []
    second = train(config, PAIRS + RANKINGS, out_dir=tmp_path / "resumed", on_event=events.append)
    assert second.status == "succeeded"
    assert any("resumed from step-000000002" in e.get("message", "") for e in events)
    _same(_weights(tmp_path / "straight"), _weights(tmp_path / "resumed"))


def test_events_report_steps_and_a_final_evaluation(tiny_bert, tmp_path):
    events = []
    result = train(tiny_config(tiny_bert), PAIRS, RANKINGS, tmp_path, on_event=events.append)
    steps = [e for e in events if e["event"] == "step"]
    assert steps[-1]["step"] == steps[-1]["total_steps"] == result.total_steps
    assert {"loss", "lr", "pairs_per_s", "eta_s"} <= steps[-1].keys()
    final = next(e for e in events if e.get("final"))
    assert final["pairs"] == 4 * 5  # each K=4 ranking with one tie gives 5 pairs
    assert final["kendall_tau"] is not None
    assert any(e.get("message") == "fp32 on cpu" for e in events)


def test_the_saved_folder_has_metadata_with_data_hash_config_and_metrics(tiny_bert, tmp_path):
    train(tiny_config(tiny_bert, epochs=1), PAIRS, out_dir=tmp_path)
    meta = json.loads((tmp_path / "rankwise.json").read_text())
    assert len(meta["data_sha256"]) == 64
    assert meta["config"]["backbone"] == tiny_bert
    assert {"accuracy", "log_loss", "ece", "reward_length_corr"} <= meta["metrics"].keys()
    assert meta["reward_std"] > 0
    assert meta["precision"] == "fp32"  # what the run's precision resolved to
    assert not (tmp_path / "checkpoints").exists()


def test_head_mode_changes_only_the_head(tiny_bert, tmp_path):
    train(tiny_config(tiny_bert, mode="head", head_epochs=3), PAIRS, out_dir=tmp_path / "head")
    train(
        tiny_config(tiny_bert, mode="head", head_epochs=3, learning_rate=1e-9),
        PAIRS,
        out_dir=tmp_path / "still",
    )
    moved, still = _weights(tmp_path / "head"), _weights(tmp_path / "still")
    changed = {k for k in moved if not moved[k].equal(still[k])}
    assert changed
    assert all(k.startswith(("classifier", "bert.pooler")) for k in changed)


def test_top_layers_mode_freezes_the_embeddings(tiny_bert, tmp_path):
    from safetensors.torch import load_file as raw

    train(tiny_config(tiny_bert, mode="top_layers", top_layers=1), PAIRS, out_dir=tmp_path)
    before = raw(f"{tiny_bert}/model.safetensors")
    after = _weights(tmp_path)
    assert after["bert.embeddings.word_embeddings.weight"].equal(
        before["bert.embeddings.word_embeddings.weight"]
    )
    assert not after["bert.encoder.layer.1.output.dense.weight"].equal(
        before["bert.encoder.layer.1.output.dense.weight"]
    )


def test_top_layers_mode_keeps_every_embedding_of_a_decoder_fixed(tiny_gpt2):
    from training.engine.model import load

    rm, _ = load(tiny_gpt2, seed=0)
    rm.set_trainable("top_layers", top_layers=1)
    frozen = {n for n, p in rm.model.transformer.named_parameters() if not p.requires_grad}
    assert {"wte.weight", "wpe.weight"} <= frozen
    assert rm.model.transformer.ln_f.weight.requires_grad  # the final norm trains


@pytest.mark.parametrize("freeze", [True, False])
def test_freeze_embeddings_keeps_the_token_embeddings_and_trains_the_rest(
    tiny_bert, tmp_path, freeze
):
    from safetensors.torch import load_file as raw

    train(tiny_config(tiny_bert, freeze_embeddings=freeze), PAIRS, out_dir=tmp_path)
    before, after = raw(f"{tiny_bert}/model.safetensors"), _weights(tmp_path)
    tokens = "bert.embeddings.word_embeddings.weight"
    assert after[tokens].equal(before[tokens]) == freeze
    for trained in (
        "bert.embeddings.position_embeddings.weight",
        "bert.encoder.layer.0.output.dense.weight",
    ):
        assert not after[trained].equal(before[trained]), trained


def test_layer_lr_decay_scales_each_block_below_the_top(tiny_bert):
    from training.engine.model import blocks, load
    from training.engine.trainer import _layer_scales

    rm, _ = load(tiny_bert, seed=0)
    layers = blocks(rm.model.base_model)
    scales = _layer_scales(rm, 0.5)
    assert {scales[id(p)] for p in layers[-1].parameters()} == {1.0}
    assert {scales[id(p)] for p in layers[0].parameters()} == {0.5 ** (len(layers) - 1)}
    embeddings = rm.model.base_model.embeddings
    assert {scales[id(p)] for p in embeddings.parameters()} == {0.5 ** len(layers)}
    assert all(id(p) not in scales for p in rm.head_parameters())
    assert _layer_scales(rm, 1.0) == {}


def test_a_budget_too_small_for_one_prompt_is_a_clear_error(tiny_bert, tmp_path):
    with pytest.raises(ConfigError, match="token_budget=48 cannot hold"):
        train(tiny_config(tiny_bert, token_budget=48), RANKINGS, out_dir=tmp_path)


def test_a_backbone_without_a_tokenizer_is_a_clear_error(tmp_path):
    config = BertConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=1)
    BertForSequenceClassification(config).save_pretrained(tmp_path)
    with pytest.raises(ConfigError, match="no usable tokenizer"):
        train(TrainConfig(backbone=str(tmp_path)), PAIRS, out_dir=tmp_path / "out")


def test_config_rejects_unknown_keys_and_bad_values():
    with pytest.raises(ConfigError, match="unknown config key"):
        TrainConfig.from_dict({"learning_rat": 1e-4})
    with pytest.raises(ConfigError, match="mode='fast'"):
        TrainConfig.from_dict({"mode": "fast"})
    with pytest.raises(ConfigError, match=r"dropout=1\.0"):
        TrainConfig.from_dict({"dropout": 1.0})
    assert TrainConfig.from_dict({"dropout": None}).dropout is None
    with pytest.raises(ConfigError, match=r"ema_decay=1\.0: must be in \[0, 1\)"):
        TrainConfig.from_dict({"ema_decay": 1.0})
    with pytest.raises(ConfigError, match="freeze_embeddings='no': must be true or false"):
        TrainConfig.from_dict({"freeze_embeddings": "no"})
    with pytest.raises(ConfigError, match=r"seed=1\.5: must be an integer"):
        TrainConfig.from_dict({"seed": 1.5})
    assert TrainConfig.from_dict({"epochs": 3}).epochs == 3  # an integer is a number
    with pytest.raises(ConfigError, match="max_prompt_tokens=256"):
        TrainConfig.from_dict({"max_prompt_tokens": 256, "max_length": 256})
    assert TrainConfig.from_dict(TrainConfig().to_dict()) == TrainConfig()


def test_evaluate_reports_ranking_agreement_and_the_human_ceiling(tiny_bert, tmp_path):
    train(tiny_config(tiny_bert, epochs=1), PAIRS, out_dir=tmp_path)
    two_raters = [RANKINGS[0], RANKINGS[0] | {"ranking": [[0], [2], [1, 3]]}]
    metrics = evaluate(tmp_path, two_raters, device="cpu")
    assert metrics["ranking_prompts"] == 1
    assert metrics["overlapping_pairs"] > 0
    assert 0.5 <= metrics["human_ceiling"] <= 1.0
    assert metrics["length_baseline_accuracy"] is not None


def test_cli_trains_and_evaluates_with_json_lines(tiny_bert, tmp_path, capsys):
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(p) + "\n" for p in PAIRS))
    out = tmp_path / "model"
    args = ["train", "--data", str(data), "--out", str(out), "--backbone", tiny_bert]
    assert (
        main([*args, "--epochs", "1", "--max-length", "48", "--min-prompt-tokens", "8", "--quiet"])
        == 0
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[-1]["event"] == "done"
    assert main(["eval", "--model", str(out), "--data", str(data)]) == 0
    assert "accuracy" in json.loads(capsys.readouterr().out)


def test_cli_options_parse_to_the_config_and_none_where_allowed():
    from training.engine.cli import _config, _parser

    args = _parser().parse_args(
        ["train", "--data", "d", "--out", "o", "--dropout", "none", "--max-prompt-tokens", "96"]
    )
    config = _config(args)
    assert (config.dropout, config.max_prompt_tokens) == (None, 96)


def test_cli_reports_a_bad_option_as_a_json_error(tmp_path, capsys):
    code = main(["train", "--data", "x.jsonl", "--out", str(tmp_path), "--epochs", "many"])
    assert code == 2
    assert "--epochs='many'" in json.loads(capsys.readouterr().out)["message"]


def test_a_checkpoint_from_other_data_is_not_resumed_silently(tiny_bert, tmp_path):
    config = tiny_config(tiny_bert, precision="fp32", token_budget=128)
    train(config, PAIRS, out_dir=tmp_path, should_stop=lambda: True)
    with pytest.raises(ConfigError, match="written for other data or settings"):
        train(config, PAIRS[:5], out_dir=tmp_path)


def test_a_checkpoint_with_other_trainable_weights_is_a_clear_error(tiny_bert, tmp_path):
    config = tiny_config(tiny_bert, token_budget=128, freeze_embeddings=False)
    train(config, PAIRS, out_dir=tmp_path, should_stop=lambda: True)
    # other trainable weights mean another optimizer layout: refused before loading it
    with pytest.raises(ConfigError, match="written for other data or settings"):
        train(tiny_config(tiny_bert, token_budget=128, layer_lr_decay=0.5), PAIRS, out_dir=tmp_path)


def test_fractional_epochs_end_on_a_partial_epoch(tiny_bert, tmp_path):
    result = train(tiny_config(tiny_bert, epochs=1.5, token_budget=128), PAIRS, out_dir=tmp_path)
    whole = train(tiny_config(tiny_bert, epochs=1, token_budget=128), PAIRS, out_dir=tmp_path)
    assert whole.total_steps < result.total_steps < 2 * whole.total_steps + 1


def test_the_weight_average_follows_its_ramped_decay_and_swaps_back():
    from training.engine.trainer import _Average

    class One(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(2))

    model = One()
    average = _Average(model, 0.5)
    expected = torch.zeros(2)
    for step, value in enumerate([4.0, 8.0, 2.0], start=1):
        with torch.no_grad():
            model.w.fill_(value)
        average.update(step)
        decay = min(0.5, (1 + step) / (10 + step))  # 2/11, 3/12, then 0.5
        expected = decay * expected + (1 - decay) * value
    assert torch.allclose(average.shadow[0], expected)
    with average.swapped():
        assert torch.allclose(model.w, expected)
    assert model.w.eq(2.0).all()  # the live weights are back after an evaluation
    average.copy_to_model()
    assert torch.allclose(model.w, expected)


def test_a_weight_average_changes_the_saved_model(tiny_bert, tmp_path):
    train(tiny_config(tiny_bert), PAIRS, out_dir=tmp_path / "plain")
    train(tiny_config(tiny_bert, ema_decay=0.9), PAIRS, out_dir=tmp_path / "ema")
    plain, ema = _weights(tmp_path / "plain"), _weights(tmp_path / "ema")
    assert not all(plain[k].equal(ema[k]) for k in plain)
