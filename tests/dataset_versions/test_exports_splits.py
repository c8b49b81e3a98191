"""An all-splits TRL or Parquet export: a file per split that ``datasets`` loads as splits."""

import io
import json
import zipfile

import datasets  # type: ignore[import-untyped]  # no type hints shipped
import pyarrow.parquet as pq
import pytest

from dataset_versions.models import ExportJob
from dataset_versions.services.exports import export_file_name, export_write
from tests.dataset_versions.test_exports import version_with_pairs

pytestmark = pytest.mark.django_db

# version_with_pairs(items=4) puts two pairs in train, one in validation, one in test.
COUNTS = {"train": 2, "validation": 1, "test": 1}


def exported(version, export_format, split=None) -> bytes:
    out = io.BytesIO()
    export_write(version=version, export_format=export_format, out=out, split=split)
    return out.getvalue()


def unzipped(content: bytes, folder):
    zipfile.ZipFile(io.BytesIO(content)).extractall(folder)
    return datasets.load_dataset(str(folder))


@pytest.mark.parametrize(
    ("export_format", "extension"),
    [("trl_jsonl", "jsonl"), ("trl_chat_jsonl", "jsonl"), ("parquet", "parquet")],
)
def test_an_all_splits_export_is_a_zip_of_a_file_per_split(project, export_format, extension):
    archive = zipfile.ZipFile(io.BytesIO(exported(version_with_pairs(project), export_format)))
    assert sorted(archive.namelist()) == [
        f"{s}.{extension}" for s in ("test", "train", "validation")
    ]


@pytest.mark.parametrize("export_format", ["trl_jsonl", "trl_chat_jsonl", "parquet"])
def test_the_unzipped_folder_loads_as_a_dataset_dict_of_its_splits(
    project, tmp_path, export_format
):
    loaded = unzipped(exported(version_with_pairs(project), export_format), tmp_path)
    assert isinstance(loaded, datasets.DatasetDict)
    assert {name: len(rows) for name, rows in loaded.items()} == COUNTS
    assert all("split" not in rows.column_names for rows in loaded.values())


def test_each_split_file_holds_that_splits_pairs(project, tmp_path):
    version = version_with_pairs(project)
    loaded = unzipped(exported(version, "trl_jsonl"), tmp_path)
    validation = version.pairs.select_related("chosen").get(split="validation")
    assert loaded["validation"]["chosen"] == [validation.chosen.text]
    assert sorted(loaded["train"]["weight"]) == [0.5, 1.5]


def test_a_split_without_pairs_has_no_file(project):
    version = version_with_pairs(project, items=2)  # train only
    archive = zipfile.ZipFile(io.BytesIO(exported(version, "parquet")))
    assert archive.namelist() == ["train.parquet"]
    assert pq.read_table(io.BytesIO(archive.read("train.parquet"))).num_rows == 2


def test_a_one_split_export_stays_one_file(project):
    rows = exported(version_with_pairs(project), "trl_jsonl", split="validation").splitlines()
    assert [json.loads(row)["split"] for row in rows] == ["validation"]


def test_the_hf_dataset_folder_has_no_split_column(project, tmp_path):
    loaded = unzipped(exported(version_with_pairs(project), "hf_dataset"), tmp_path)
    assert all("split" not in rows.column_names for rows in loaded.values())


@pytest.mark.parametrize(
    ("split", "name"),
    [(None, "trl_jsonl.zip"), ("train", "trl_jsonl-train.jsonl")],
)
def test_the_file_name_says_zip_only_for_all_splits(project, split, name):
    job = ExportJob(version=version_with_pairs(project, items=1), format="trl_jsonl")
    assert export_file_name(job=job, split=split) == f"{project.slug}-v1-{name}"
