"""The format examples the import page shows are files that import as shown."""

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from annotation.formats import ITEM_KEYS, PAIR_KEYS
from annotation.models import Prompt, Ranking
from annotation.services.imports import items_import

pytestmark = pytest.mark.django_db

EXAMPLES = (
    Path(__file__).parents[2] / "frontend" / "src" / "dashboard" / "items" / "importFormats.json"
)
FORMATS = {f["key"]: f for f in json.loads(EXAMPLES.read_text())["formats"]}


def imported(project, content: bytes, file_name: str):
    return items_import(project=project, file=io.BytesIO(content), file_name=file_name)


@pytest.mark.parametrize("key", ["jsonl-items", "csv"])
def test_the_items_examples_import_every_record(project, key):
    example = FORMATS[key]
    report = imported(project, example["example"].encode(), example["file"])
    assert (report.kind, report.created, report.skipped) == ("items", 2, 0)
    assert set(Prompt.objects.values_list("external_id", flat=True)) == {"q-001", "q-002"}


def test_the_jsonl_items_example_keeps_its_gold_ranking_and_messages(project):
    imported(project, FORMATS["jsonl-items"]["example"].encode(), "items.jsonl")
    prompt = Prompt.objects.get(external_id="q-002")
    assert prompt.gold_ranking == [[2], [0], [1]]
    assert prompt.messages[1] == {"role": "user", "content": "Is 17 prime?"}


def test_the_csv_example_keeps_its_metadata_cell(project):
    imported(project, FORMATS["csv"]["example"].encode(), "items.csv")
    assert Prompt.objects.get(external_id="q-001").metadata == {"topic": "geography"}


def test_the_pairs_example_imports_each_pair_as_a_ranking(project):
    report = imported(project, FORMATS["jsonl-pairs"]["example"].encode(), "pairs.jsonl")
    assert (report.kind, report.created, report.skipped) == ("pairs", 2, 0)
    assert Ranking.objects.count() == 2


def test_the_jsonl_items_written_as_parquet_import(project):
    records = [json.loads(line) for line in FORMATS["jsonl-items"]["example"].splitlines()]
    # Every row gets every column (null where a record lacks it), as a DataFrame would write.
    columns = {key: None for record in records for key in record}
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist([columns | record for record in records]), out)
    report = imported(project, out.getvalue(), "items.parquet")
    assert (report.created, report.skipped) == (2, 0)


def test_the_parquet_columns_listed_are_the_columns_an_import_reads():
    listed = {
        name.strip()
        for column in FORMATS["parquet"]["columns"]
        for name in column["name"].split(",")
    }
    assert listed <= ITEM_KEYS | PAIR_KEYS
