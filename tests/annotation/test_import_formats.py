"""Reading import files: formats, lines and rows, broken files; no database involved.
(Validating the records read: test_import_records.py.)"""

import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from annotation.formats import FileFormat, FileProblem, file_type_of, records_read
from tests.factories import ImportRecordFactory


def read(content: bytes, name: str) -> list:
    return list(records_read(io.BytesIO(content), file_type_of(name), rows=2))


# --- file types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "file_format", "gzipped", "stem"),
    [
        ("items.jsonl", FileFormat.JSONL, False, "items"),
        ("/tmp/x/Items.JSONL.GZ", FileFormat.JSONL, True, "Items"),
        ("chat.ndjson", FileFormat.JSONL, False, "chat"),
        ("sheet.v2.csv", FileFormat.CSV, False, "sheet.v2"),
        ("sheet.csv.gz", FileFormat.CSV, True, "sheet"),
        ("train-00000.parquet", FileFormat.PARQUET, False, "train-00000"),
    ],
)
def test_the_file_name_suffix_picks_the_format(name, file_format, gzipped, stem):
    file_type = file_type_of(name)
    assert (file_type.format, file_type.gzipped, file_type.stem) == (file_format, gzipped, stem)


@pytest.mark.parametrize("name", ["items.json", "items.txt", "items", "items.gz", "items.tar.gz"])
def test_an_unknown_suffix_is_refused_with_the_formats_that_work(name):
    with pytest.raises(FileProblem, match=r"Unknown file type .*use \.jsonl, \.csv or \.parquet"):
        file_type_of(name)


def test_a_gzipped_parquet_file_is_refused():
    with pytest.raises(FileProblem, match="Parquet file cannot be gzipped"):
        file_type_of("items.parquet.gz")


# --- JSONL ------------------------------------------------------------------------------


def test_jsonl_records_are_named_by_their_line_and_blank_lines_are_skipped():
    content = b'{"id": "a"}\n\n   \n{"id": "b"}\n'
    records = read(content, "x.jsonl")
    assert [(r.where, r.data) for r in records] == [
        ("line 1", {"id": "a"}),
        ("line 4", {"id": "b"}),
    ]


def test_bad_json_is_an_error_of_its_line_and_reading_goes_on():
    records = read(b'{"id": "a"}\n{"id": \n{"id": "c"}\n', "x.jsonl")
    assert records[1].where == "line 2"
    assert records[1].error.startswith("Invalid JSON: Expecting value")
    assert records[2].data == {"id": "c"}


def test_a_line_that_is_not_an_object_is_an_error():
    [record] = read(b"[1, 2]\n", "x.jsonl")
    assert record.error == "Each line must be a JSON object, not a list."


def test_nan_is_refused_because_the_database_cannot_store_it():
    [record] = read(b'{"id": "a", "metadata": {"score": NaN}}\n', "x.jsonl")
    assert record.error == "Invalid JSON: NaN is not valid JSON: numbers must be finite."


def test_a_line_that_is_not_utf8_is_an_error_of_its_line():
    [record] = read(b'{"id": "\xff\xfe"}\n', "x.jsonl")
    assert record.where == "line 1"
    assert record.error.startswith("Invalid JSON")


def test_null_fields_count_as_absent():
    [record] = read(b'{"id": "a", "metadata": null, "gold_ranking": null}\n', "x.jsonl")
    assert record.data == {"id": "a"}


def test_gzipped_jsonl_is_read_through():
    [record] = read(gzip.compress(b'{"id": "a"}\n'), "x.jsonl.gz")
    assert record.data == {"id": "a"}


def test_a_broken_gzip_file_is_a_file_problem():
    with pytest.raises(FileProblem, match="not valid gzip"):
        read(b'{"id": "a"}\n', "x.jsonl.gz")


def test_a_truncated_gzip_file_is_a_file_problem():
    with pytest.raises(FileProblem, match="not valid gzip"):
        read(gzip.compress(b'{"id": "a"}\n' * 100)[:-20], "x.jsonl.gz")


# --- CSV --------------------------------------------------------------------------------


def test_csv_with_numbered_completion_columns_becomes_an_item():
    content = b"id,prompt,completion_1,model_1,completion_2,model_2\na,Hi?,Hello,m1,Hey,m2\n"
    [record] = read(content, "x.csv")
    assert record.where == "line 2"
    assert record.data == {
        "id": "a",
        "prompt": "Hi?",
        "completions": [{"text": "Hello", "model": "m1"}, {"text": "Hey", "model": "m2"}],
    }


def test_csv_with_a_completions_json_column_becomes_an_item():
    completions = json.dumps([{"text": "x"}, {"text": "y", "metadata": {"t": 1}}])
    meta = json.dumps({"topic": "greeting"})
    row = f'a,Hi?,"{_q(completions)}","{_q(meta)}","[[1],[0]]"'
    content = f"id,prompt,completions,metadata,gold_ranking\n{row}\n"
    [record] = read(content.encode(), "x.csv")
    assert record.data["completions"][1] == {"text": "y", "metadata": {"t": 1}}
    assert record.data["metadata"] == {"topic": "greeting"}
    assert record.data["gold_ranking"] == [[1], [0]]


def _q(text: str) -> str:
    return text.replace('"', '""')


def test_csv_rows_are_named_by_the_physical_line_they_start_on():
    content = b'id,prompt,completion_1,completion_2\na,"two\nlines",x,y\nb,,x,y\n'
    records = read(content, "x.csv")
    assert [r.where for r in records] == ["line 2", "line 4"]
    assert records[0].data["prompt"] == "two\nlines"


def test_a_csv_cell_may_hold_a_long_completion():
    long = "word " * 100_000
    [record] = read(f'id,prompt,completion_1,completion_2\na,Hi?,"{long}",y\n'.encode(), "x.csv")
    assert record.data["completions"][0]["text"] == long


def test_trailing_empty_completion_cells_mean_fewer_completions():
    content = b"id,prompt,completion_1,completion_2,completion_3\na,Hi?,x,y,\n"
    [record] = read(content, "x.csv")
    assert [c["text"] for c in record.data["completions"]] == ["x", "y"]


def test_a_gap_in_the_completion_cells_names_the_empty_column():
    [record] = read(b"id,prompt,completion_1,completion_2,completion_3\na,Hi?,x,,z\n", "x.csv")
    assert record.error == "completion_2: This field may not be blank."


def test_a_model_without_its_completion_is_an_error():
    [record] = read(b"id,prompt,completion_1,completion_2,model_3\na,Hi?,x,y,m\n", "x.csv")
    assert record.error == "model_3: There is no completion_3."


def test_both_completion_layouts_in_one_row_are_an_error():
    [record] = read(b'id,prompt,completions,completion_1\na,Hi?,"[]",x\n', "x.csv")
    assert record.error.startswith("completions: Give a completions cell or completion_N cells")


def test_bad_json_in_a_csv_cell_names_the_column():
    [record] = read(b"id,prompt,metadata\na,Hi?,{oops\n", "x.csv")
    assert record.where == "line 2"
    assert record.error.startswith("metadata: Invalid JSON")


def test_a_row_with_the_wrong_number_of_cells_is_an_error():
    [record] = read(b"id,prompt\na,Hi?,extra\n", "x.csv")
    assert record.error == "Expected 2 cells, found 3."


def test_a_csv_header_naming_a_column_twice_is_a_file_problem():
    with pytest.raises(FileProblem, match="'id' appears more than once"):
        read(b"id,id\na,b\n", "x.csv")


def test_gzipped_csv_with_a_bom_is_read_through():
    [record] = read(gzip.compress("\ufeffid,prompt\na,Hi?\n".encode()), "x.csv.gz")
    assert record.data == {"id": "a", "prompt": "Hi?"}


def test_csv_that_is_not_utf8_is_a_file_problem():
    with pytest.raises(FileProblem, match="not UTF-8"):
        read(b"id,prompt\na,caf\xe9\n", "x.csv")


# --- Parquet ----------------------------------------------------------------------------


def parquet_bytes(rows: list[dict]) -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), out)
    return out.getvalue()


def test_parquet_rows_keep_nested_types_and_are_read_in_batches():
    rows = [ImportRecordFactory(metadata={"topic": "t"}) for _ in range(5)]
    records = read(parquet_bytes(rows), "x.parquet")
    assert [r.where for r in records] == [f"row {n}" for n in range(1, 6)]
    assert records[4].data["completions"] == rows[4]["completions"]
    assert records[0].data["metadata"] == {"topic": "t"}


def test_a_file_that_is_not_parquet_is_a_file_problem():
    with pytest.raises(FileProblem, match="not valid Parquet"):
        read(b'{"id": "a"}\n', "x.parquet")
