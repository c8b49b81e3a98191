import io
import json
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from annotation.models import Ranking
from dataset_versions.models import DatasetPair, DatasetRanking, DatasetVersion
from dataset_versions.services import export_writers, exports
from dataset_versions.services.export_writers import rater_pseudonym
from dataset_versions.services.exports import export_run, export_write
from dataset_versions.tasks import export_job_run
from tests.factories import ExportJobFactory, ProjectFactory, UserFactory, item_with_completions

pytestmark = pytest.mark.django_db

SPLITS = ["train", "train", "validation", "test"]


def version_with_pairs(project, *, items=4, margin=None, chat=False, number=1):
    """A ready version with one pair (completion 0 over 1) per item, splits as SPLITS."""
    version = DatasetVersion.objects.create(
        project=project,
        number=number,
        rule={},
        split={"train": 0.5, "validation": 0.25, "test": 0.25},
        status=DatasetVersion.Status.READY,
    )
    for index in range(items):
        fields = (
            {"messages": [{"role": "user", "content": f"Hi {index}"}], "text": ""} if chat else {}
        )
        prompt = item_with_completions(project, k=2, **fields)
        first, second = prompt.completions.order_by("position")
        DatasetPair.objects.create(
            version=version,
            prompt=prompt,
            chosen=first,
            rejected=second,
            weight=0.5 + index,
            margin=margin,
            split=SPLITS[index % len(SPLITS)],
        )
    return version


def _jsonl(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode().splitlines()]


def _export(version, export_format, split=None) -> bytes:
    out = io.BytesIO()
    export_write(version=version, export_format=export_format, out=out, split=split)
    return out.getvalue()


def _split_files(data: bytes) -> dict[str, bytes]:
    """An all-splits export's files by split, in the order they were written."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {Path(name).stem: archive.read(name) for name in archive.namelist()}


def _all_rows(version, export_format) -> list[dict]:
    """The rows of every split of a JSONL export, each given its file's split."""
    files = _split_files(_export(version, export_format))
    return [row | {"split": split} for split, data in files.items() for row in _jsonl(data)]


def _expected(version):
    pairs = version.pairs.select_related("prompt", "chosen", "rejected").order_by("id")
    return [(p.prompt.text, p.chosen.text, p.rejected.text, p.weight, p.split) for p in pairs]


def test_trl_jsonl_has_explicit_prompt_chosen_rejected_and_weight(project):
    version = version_with_pairs(project)
    rows = _all_rows(version, "trl_jsonl")
    got = [(r["prompt"], r["chosen"], r["rejected"], r["weight"], r["split"]) for r in rows]
    assert got == _expected(version)
    assert all("margin" not in r for r in rows)


def test_trl_jsonl_carries_margin_when_every_pair_has_one(project):
    version = version_with_pairs(project, margin=0.75)
    rows = _all_rows(version, "trl_jsonl")
    assert [r["margin"] for r in rows] == [0.75] * 4


def test_trl_jsonl_leaves_margin_out_when_some_pairs_lack_it(project):
    version = version_with_pairs(project, margin=0.75)
    version.pairs.filter(pk=version.pairs.filter(split="train").first().pk).update(margin=None)
    assert all("margin" not in r for r in _jsonl(_export(version, "trl_jsonl", split="train")))


def test_trl_jsonl_filters_by_split(project):
    version = version_with_pairs(project)
    rows = _jsonl(_export(version, "trl_jsonl", split="train"))
    assert [r["split"] for r in rows] == ["train", "train"]


def test_trl_chat_jsonl_uses_messages_and_assistant_turns(project):
    version = version_with_pairs(project, chat=True, items=1)
    pair = version.pairs.select_related("chosen", "rejected").get()
    (row,) = _jsonl(_export(version, "trl_chat_jsonl", split="train"))
    assert row["prompt"] == [{"role": "user", "content": "Hi 0"}]
    assert row["chosen"] == [{"role": "assistant", "content": pair.chosen.text}]
    assert row["rejected"] == [{"role": "assistant", "content": pair.rejected.text}]


def test_trl_chat_jsonl_wraps_a_plain_prompt_as_a_user_turn(project):
    version = version_with_pairs(project, items=1)
    (row,) = _jsonl(_export(version, "trl_chat_jsonl", split="train"))
    assert row["prompt"] == [{"role": "user", "content": version.pairs.get().prompt.text}]


def test_parquet_holds_every_pair_with_its_columns(project):
    version = version_with_pairs(project, margin=1.5)
    table = pa.concat_tables(
        pq.read_table(io.BytesIO(_export(version, "parquet", split=split)))
        for split in ("train", "validation", "test")
    )
    assert table.column_names == [
        "prompt_id", "external_id", "prompt", "chosen", "rejected", "weight", "margin", "split",
    ]  # fmt: skip
    columns = [
        table.column(c).to_pylist() for c in ["prompt", "chosen", "rejected", "weight", "split"]
    ]
    got = list(zip(*columns, strict=True))
    assert got == _expected(version)
    assert table.column("margin").to_pylist() == [1.5] * 4


def test_parquet_is_written_in_chunks(project, monkeypatch):
    monkeypatch.setattr(export_writers, "CHUNK_SIZE", 3)
    version = version_with_pairs(project, items=7)
    parquet = pq.ParquetFile(io.BytesIO(_split_files(_export(version, "parquet"))["train"]))
    assert (parquet.metadata.num_rows, parquet.metadata.num_row_groups) == (4, 2)


def _with_rankings(project):
    version = version_with_pairs(project, items=2)
    rater = UserFactory(username="alice-the-rater")
    prompts = [p.prompt for p in version.pairs.select_related("prompt").order_by("id")]
    ids = [list(p.completions.order_by("position").values_list("id", flat=True)) for p in prompts]
    by_user = Ranking.objects.create(
        project=project, prompt=prompts[0], annotator=rater, tiers=[[ids[0][1]], [ids[0][0]]],
        display_order=ids[0][::-1], time_spent_ms=4200,
    )  # fmt: skip
    imported = Ranking.objects.create(
        project=project,
        prompt=prompts[1],
        import_source="hh.jsonl",
        tiers=[[ids[1][0]], [ids[1][1]]],
    )
    for ranking in (by_user, imported):
        DatasetRanking.objects.create(version=version, ranking=ranking, revision=1)
    return version, rater, ids


def test_raw_rankings_list_each_ranking_with_its_completions(project):
    version, _, ids = _with_rankings(project)
    first, second = _jsonl(_export(version, "raw_rankings"))
    assert [c["id"] for c in first["completions"]] == ids[0]
    assert first["tiers"] == [[ids[0][1]], [ids[0][0]]]
    assert first["display_order"] == ids[0][::-1]
    assert first["time_spent_ms"] == 4200
    assert second["rater"] == "import:hh.jsonl"


def test_raw_rankings_rater_is_a_stable_pseudonym_not_the_username(project):
    version, rater, _ = _with_rankings(project)
    first, _ = _jsonl(_export(version, "raw_rankings"))
    again, _ = _jsonl(_export(version, "raw_rankings"))
    assert (
        first["rater"] == again["rater"] == rater_pseudonym(project_id=project.pk, user_id=rater.pk)
    )
    assert len(first["rater"]) == 12
    assert "alice" not in json.dumps(first)


def test_pseudonyms_differ_between_projects():
    one, two = ProjectFactory(), ProjectFactory()
    assert rater_pseudonym(project_id=one.pk, user_id=1) != rater_pseudonym(
        project_id=two.pk, user_id=1
    )


def test_hf_dataset_zip_has_a_parquet_file_per_split_and_a_card(project):
    version = version_with_pairs(project)
    archive = zipfile.ZipFile(io.BytesIO(_export(version, "hf_dataset")))
    assert sorted(archive.namelist()) == [
        "README.md",
        "data/test-00000-of-00001.parquet",
        "data/train-00000-of-00001.parquet",
        "data/validation-00000-of-00001.parquet",
    ]
    card = archive.read("README.md").decode()
    assert "  - split: train\n    path: data/train-00000-of-00001.parquet" in card
    train = pq.read_table(io.BytesIO(archive.read("data/train-00000-of-00001.parquet")))
    assert train.num_rows == 2


def test_hf_dataset_folder_loads_with_datasets(project, tmp_path):
    datasets = pytest.importorskip("datasets")
    version = version_with_pairs(project)
    zipfile.ZipFile(io.BytesIO(_export(version, "hf_dataset"))).extractall(tmp_path)
    loaded = datasets.load_dataset(str(tmp_path))
    assert {name: len(split) for name, split in loaded.items()} == {
        "train": 2, "validation": 1, "test": 1,
    }  # fmt: skip


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_export_run_stores_the_file_and_marks_the_job_succeeded(project, media):
    version = version_with_pairs(project)
    job = ExportJobFactory(version=version, queued=True)
    export_run(job=job)
    job.refresh_from_db()
    assert (job.status, job.rows_total, job.rows_done) == ("succeeded", 4, 4)
    assert job.finished_at is not None
    assert job.file.name == f"exports/{project.slug}-v1-trl_jsonl.zip"
    files = _split_files(default_storage.open(job.file.name).read())
    assert sum(len(_jsonl(data)) for data in files.values()) == 4


def test_export_run_reports_progress_after_every_chunk(project, media, monkeypatch):
    monkeypatch.setattr(export_writers, "CHUNK_SIZE", 2)
    seen = []
    update = exports._job_update
    monkeypatch.setattr(
        exports, "_job_update", lambda job, **f: (seen.append(f.get("rows_done")), update(job, **f))
    )
    job = ExportJobFactory(
        version=version_with_pairs(project, items=5), format="parquet", queued=True
    )
    export_run(job=job)
    # A file per split: train's 3 pairs in chunks of 2, then validation's and test's one each.
    assert [n for n in seen if n] == [2, 3, 4, 5, 5]


def test_export_run_marks_a_failed_export_failed_without_a_file(project, media, monkeypatch):
    def broken(**kwargs):
        kwargs["out"].write(b"half a file")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(exports, "export_write", broken)
    job = ExportJobFactory(version=version_with_pairs(project), queued=True)
    export_run(job=job)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == "RuntimeError: disk on fire"
    assert not job.file
    assert not list(Path(media).rglob("*.jsonl"))


def test_the_command_writes_the_export_to_a_file(project, tmp_path):
    version = version_with_pairs(project)
    out = tmp_path / "train.jsonl"
    stdout = io.StringIO()
    call_command(
        "export_dataset", project.slug, str(version.number), "--out", str(out), "--split", "train",
        stdout=stdout,
    )  # fmt: skip
    assert len(_jsonl(out.read_bytes())) == 2
    assert "Wrote 2 rows" in stdout.getvalue()


def test_the_command_refuses_an_unknown_version(project, tmp_path):
    with pytest.raises(CommandError, match="No dataset version 9"):
        call_command("export_dataset", project.slug, "9", "--out", str(tmp_path / "x.jsonl"))


def test_the_task_runs_the_job_for_the_split_it_was_given(project, media):
    job = ExportJobFactory(version=version_with_pairs(project), queued=True)
    assert export_job_run(job.pk, split="validation") == "succeeded"
    job.refresh_from_db()
    assert job.file.name.endswith("-trl_jsonl-validation.jsonl")
    assert job.rows_done == 1


def test_the_task_skips_a_job_that_already_succeeded(project, media):
    job = ExportJobFactory(version=version_with_pairs(project))
    assert export_job_run(job.pk) == "skipped"
