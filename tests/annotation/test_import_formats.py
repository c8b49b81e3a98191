"""Reading import files and validating their records; no database involved."""

import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from annotation.formats import (
    CompletionIn,
    FileFormat,
    FileProblem,
    RecordInvalid,
    RecordKind,
    completions_hash,
    file_type_of,
    record_kind,
    record_parse,
    records_read,
)
from tests.factories import ImportRecordFactory, PairRecordFactory


def read(content: bytes, name: str) -> list:
    return list(records_read(io.BytesIO(content), file_type_of(name), rows=2))


def parse(record: dict, kind: RecordKind = RecordKind.ITEMS):
    return record_parse("line 1", record, kind)


def problem(record: dict, kind: RecordKind = RecordKind.ITEMS) -> str:
    with pytest.raises(RecordInvalid) as caught:
        parse(record, kind)
    return str(caught.value)


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


# --- items ------------------------------------------------------------------------------


def test_a_valid_item_keeps_its_fields():
    record = ImportRecordFactory(
        id="x-1", metadata={"topic": "math"}, gold_ranking=[[2], [0, 1], [3]]
    )
    item = parse(record)
    assert item.external_id == "x-1"
    assert item.text == record["prompt"]
    assert item.messages is None
    assert item.metadata == {"topic": "math"}
    assert item.gold_ranking == [[2], [0, 1], [3]]
    assert [c.model for c in item.completions] == ["model-0", "model-1", "model-2", "model-3"]
    assert not item.is_pair


def test_keys_outside_the_schema_are_kept_in_metadata():
    item = parse(ImportRecordFactory(source="helpful_base", metadata={"source": "mine", "k": 1}))
    assert item.metadata == {"source": "mine", "k": 1}
    assert parse(ImportRecordFactory(source="helpful_base")).metadata == {"source": "helpful_base"}


def test_a_completion_keeps_its_extra_keys_in_its_metadata():
    completions = [{"text": "a", "score": 0.5}, {"text": "b", "metadata": {"n": 1}}]
    item = parse(ImportRecordFactory(completions=completions))
    assert [c.metadata for c in item.completions] == [{"score": 0.5}, {"n": 1}]


def test_a_chat_prompt_is_stored_as_messages():
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}]
    record = ImportRecordFactory(messages=messages)
    del record["prompt"]
    item = parse(record)
    assert (item.text, item.messages) == ("", messages)


def test_a_numeric_id_is_read_as_text():
    assert parse(ImportRecordFactory(id=17)).external_id == "17"


A, B = {"text": "a"}, {"text": "b"}
NOT_BOTH = "prompt: Give either prompt or messages, not both."
NUL = "Contains a NUL character, which the database cannot store."


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": None}, "id: This field is required."),
        ({"id": "  "}, "id: This field may not be blank."),
        ({"id": "x" * 256}, "id: Ensure this field has no more than 255 characters."),
        ({"id": ["a"]}, "id: Expected a string, got a list."),
        ({"id": True}, "id: Expected a string, got a boolean."),
        ({"prompt": None}, "prompt: This field is required (or give messages)."),
        ({"prompt": " \n"}, "prompt: This field may not be blank."),
        ({"prompt": 3}, "prompt: Expected a string, got a number."),
        ({"messages": [{"role": "user", "content": "x"}]}, NOT_BOTH),
        ({"completions": "a, b"}, "completions: Expected a list, got a string."),
        ({"completions": [A]}, "completions: Give at least 2 completions."),
        ({"completions": [A] * 17}, "completions: Give at most 16 completions."),
        ({"completions": [A, {"text": ""}]}, "completions.1.text: This field may not be blank."),
        ({"completions": [A, {"model": "m"}]}, "completions.1.text: This field is required."),
        ({"completions": [A, "b"]}, "completions.1: Expected an object, got a string."),
        (
            {"completions": [A, {**B, "model": 7}]},
            "completions.1.model: Expected a string, got a number.",
        ),
        (
            {"completions": [A, {**B, "metadata": []}]},
            "completions.1.metadata: Expected an object, got a list.",
        ),
        ({"metadata": "tags"}, "metadata: Expected an object, got a string."),
        ({"prompt": "nul \x00 inside"}, f"prompt: {NUL}"),
        ({"prompt": "half \ud800 a pair"}, "prompt: Contains invalid Unicode (a lone surrogate)."),
    ],
)
def test_a_malformed_item_names_the_field_and_the_problem(change, message):
    record = ImportRecordFactory()
    record.update(change)
    record = {k: v for k, v in record.items() if v is not None}
    assert problem(record) == message


NOT_A_TIER = "A tier must be a non-empty list of completion positions."


@pytest.mark.parametrize(
    ("gold_ranking", "message"),
    [
        ("0,1,2,3", "gold_ranking: Expected a list, got a string."),
        ([], "gold_ranking: Give at least one tier."),
        ([[0, 1], [], [2, 3]], f"gold_ranking.1: {NOT_A_TIER}"),
        ([[0, 1, 2], 3], f"gold_ranking.1: {NOT_A_TIER}"),
        ([[0, 1], [2, 4]], "gold_ranking.1: Position 4 is out of range: positions are 0 to 3."),
        ([[0, 1], [1, 2, 3]], "gold_ranking.1: Position 1 is ranked more than once."),
        ([[0], ["1"], [2, 3]], "gold_ranking.1: '1' is not a completion position."),
        ([[0], [1]], "gold_ranking: Every completion must be ranked; missing: 2, 3."),
    ],
)
def test_a_bad_gold_ranking_says_what_is_wrong(gold_ranking, message):
    assert problem(ImportRecordFactory(gold_ranking=gold_ranking)) == message


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        ([], "messages: Give at least one message."),
        (
            [{"role": "bot", "content": "x"}],
            "messages.0.role: Must be one of system, user, assistant.",
        ),
        ([{"role": "user"}], "messages.0.content: This field is required."),
        (
            [{"role": "user", "content": ["x"]}],
            "messages.0.content: Expected a string, got a list.",
        ),
    ],
)
def test_a_bad_chat_prompt_names_the_message(messages, message):
    record = ImportRecordFactory(messages=messages)
    del record["prompt"]
    assert problem(record) == message


def test_the_completions_hash_follows_text_model_metadata_and_order():
    a, b = CompletionIn("a", "m", {}), CompletionIn("b", "m", {})
    base = completions_hash([a, b])
    assert completions_hash([CompletionIn("a", "m", {}), CompletionIn("b", "m", {})]) == base
    assert completions_hash([b, a]) != base
    assert completions_hash([a, CompletionIn("b", "other", {})]) != base
    assert completions_hash([a, CompletionIn("b", "m", {"t": 1})]) != base
    assert completions_hash([a, CompletionIn("b ", "m", {})]) != base


# --- preference pairs -------------------------------------------------------------------


def test_a_record_with_chosen_and_rejected_makes_a_pairs_file():
    assert record_kind(PairRecordFactory()) is RecordKind.PAIRS
    assert record_kind(ImportRecordFactory()) is RecordKind.ITEMS


def test_a_pair_becomes_two_completions_chosen_first():
    record = PairRecordFactory()
    item = parse(record, RecordKind.PAIRS)
    assert item.is_pair
    assert item.text == record["prompt"]
    assert [c.text for c in item.completions] == [record["chosen"], record["rejected"]]


def test_a_pair_without_an_id_gets_one_derived_from_its_content():
    record = PairRecordFactory()
    del record["id"]
    first = parse(record, RecordKind.PAIRS).external_id
    assert first.startswith("pair-")
    assert len(first) == len("pair-") + 16
    assert parse(dict(record), RecordKind.PAIRS).external_id == first
    assert parse({**record, "chosen": "Other."}, RecordKind.PAIRS).external_id != first


def test_an_empty_answer_is_kept_because_silence_can_be_the_preferred_reply():
    item = parse(PairRecordFactory(chosen=""), RecordKind.PAIRS)
    assert item.completions[0].text == ""


def test_a_conversational_pair_keeps_the_chat_and_the_answers():
    prompt = [{"role": "user", "content": "What colour is the sky?"}]
    record = {
        "prompt": prompt,
        "chosen": [{"role": "assistant", "content": "Blue."}],
        "rejected": [{"role": "assistant", "content": "Green."}],
    }
    item = parse(record, RecordKind.PAIRS)
    assert item.messages == prompt
    assert [c.text for c in item.completions] == ["Blue.", "Green."]


SAME = "rejected: Is the same as chosen: the pair states no preference."
ONE_ASSISTANT = "chosen: A conversational answer must be one assistant message."


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"chosen": None}, "chosen: This field is required."),
        ({"rejected": 5}, "rejected: Expected a string, got a number."),
        ({"prompt": None}, "prompt: This field is required."),
        ({"prompt": " "}, "prompt: This field may not be blank."),
        ({"chosen": "Same.", "rejected": "Same."}, SAME),
        ({"chosen": [{"role": "user", "content": "x"}]}, ONE_ASSISTANT),
        ({"rejected": [{"role": "assistant"}]}, "rejected.0.content: This field is required."),
    ],
)
def test_a_malformed_pair_names_the_field(change, message):
    record = PairRecordFactory()
    record.update(change)
    record = {k: v for k, v in record.items() if v is not None}
    assert problem(record, RecordKind.PAIRS) == message
