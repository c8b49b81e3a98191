"""Hostile import files: deep nesting, absurd headers, over-long lines and fields, gzip bombs.

Each gives a clear error naming its line (or the whole file), stores nothing, and keeps the
reader's memory bounded.
"""

import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from annotation.formats import (
    FileProblem,
    RecordInvalid,
    RecordKind,
    file_type_of,
    record_parse,
    records_read,
)
from annotation.models import Prompt
from annotation.services.imports import ImportInvalid, items_import
from projects.models import Role
from tests.factories import ImportRecordFactory, PairRecordFactory

ROOT = Path(__file__).resolve().parents[2]
DEPTH_ERROR = "JSON is nested deeper than the limit of 64 levels."


def read(content: bytes, name: str) -> list:
    return list(records_read(io.BytesIO(content), file_type_of(name), rows=2))


def jsonl(records: list) -> bytes:
    return b"".join(
        (r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records
    )


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def problem(record: dict, kind: RecordKind = RecordKind.ITEMS) -> str:
    with pytest.raises(RecordInvalid) as caught:
        record_parse("line 1", record, kind)
    return str(caught.value)


@pytest.fixture
def small_records(settings):
    """A record limit of 2,000 bytes, so over-long records stay small in the tests."""
    settings.RANKWISE_MAX_RECORD_BYTES = 2000
    return 2000


# --- nesting (issue 16, point 6) ------------------------------------------------------


def test_a_jsonl_line_nested_100000_deep_is_an_error_of_its_line_and_reading_goes_on():
    line = f'{{"id": "deep", "metadata": {nested(100_000)}}}'.encode()
    records = read(jsonl([line, {"id": "next"}]), "x.jsonl")
    assert (records[0].where, records[0].error) == ("line 1", DEPTH_ERROR)
    assert records[1].data == {"id": "next"}


def test_a_csv_metadata_cell_nested_5000_deep_is_an_error_naming_the_column():
    content = f'id,prompt,completion_1,completion_2,metadata\na,Hi?,x,y,"{nested(5000)}"\n'
    [record] = read(content.encode(), "x.csv")
    assert (record.where, record.error) == ("line 2", f"metadata: {DEPTH_ERROR}")


# --- CSV headers (point 7) --------------------------------------------------------------


def test_a_csv_header_numbering_a_completion_with_5000_digits_is_a_file_problem_naming_it():
    header = "completion_" + "1" * 5000
    with pytest.raises(FileProblem) as caught:
        read(f"id,prompt,{header}\na,Hi?,x\n".encode(), "x.csv")
    assert str(caught.value) == (
        "line 1: the column 'completion_11111111111111111111111111111'… (5,011 characters) "
        "numbers no completion: completion_N and model_N take N from 1 to 16."
    )


def test_a_csv_header_numbering_a_17th_completion_is_a_file_problem():
    with pytest.raises(FileProblem, match="'model_17' numbers no completion"):
        read(b"id,prompt,completion_1,completion_2,model_17\na,Hi?,x,y,m\n", "x.csv")


# --- record length, while reading (point 8) ---------------------------------------------


def test_a_jsonl_line_over_the_record_limit_is_an_error_of_its_line_and_reading_goes_on(
    small_records,
):
    long = {"id": "long", "prompt": "x" * small_records}
    records = read(jsonl([{"id": "a"}, long, {"id": "c"}]), "x.jsonl")
    assert [r.where for r in records] == ["line 1", "line 2", "line 3"]
    assert records[1].error == "The record is longer than 2,000 bytes, the most an import reads."
    assert records[2].data == {"id": "c"}


def test_a_line_just_at_the_record_limit_is_read(small_records):
    line = json.dumps({"id": "a", "prompt": ""})
    line = line[:-2] + "x" * (small_records - len(line)) + '"}'
    [record] = read(line.encode() + b"\n", "x.jsonl")
    assert len(record.data["prompt"]) == small_records - len('{"id": "a", "prompt": ""}')


def test_a_gzipped_file_expanding_past_the_import_limit_is_a_file_problem(settings):
    settings.RANKWISE_MAX_IMPORT_BYTES = 10_000
    content = gzip.compress(jsonl([ImportRecordFactory() for _ in range(100)]))
    assert len(content) < 10_000
    with pytest.raises(FileProblem) as caught:
        read(content, "x.jsonl.gz")
    assert str(caught.value) == (
        "The file holds more than 10,000 bytes (uncompressed); imports are limited to 10,000 bytes."
    )


def test_a_single_line_gzip_bomb_stops_at_the_import_limit_while_it_is_skipped(settings):
    settings.RANKWISE_MAX_IMPORT_BYTES = 1_000_000
    with pytest.raises(FileProblem, match="more than 1,000,000 bytes"):
        read(gzip.compress(b'{"id": "' + b"a" * 5_000_000 + b'"}\n'), "x.jsonl.gz")


def test_a_csv_row_over_the_record_limit_refuses_the_file_naming_its_line(small_records):
    content = f'id,prompt\na,Hi?\nb,"{"x" * small_records}"\nc,Hi?\n'.encode()
    with pytest.raises(FileProblem) as caught:
        read(content, "x.csv")
    assert str(caught.value) == (
        "line 3: The record is longer than 2,000 bytes, the most an import reads."
    )


def test_a_csv_row_spread_over_many_short_lines_is_held_to_the_record_limit(small_records):
    cell = "short line\n" * 500
    with pytest.raises(FileProblem, match=r"^line 2: The record is longer than 2,000 bytes"):
        read(f'id,prompt\na,"{cell}"\n'.encode(), "x.csv")


def parquet_bytes(rows: list[dict], **options) -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), out, **options)
    return out.getvalue()


def test_a_parquet_row_over_the_record_limit_is_an_error_and_the_others_are_read(small_records):
    rows = [{"id": f"r{n}", "prompt": "Hi?"} for n in range(5)]
    rows[3]["prompt"] = "x" * small_records
    records = read(parquet_bytes(rows), "x.parquet")
    assert [r.where for r in records] == [f"row {n}" for n in range(1, 6)]
    assert records[3].error == "The record is longer than 2,000 bytes, the most an import reads."
    assert [r.data["id"] for r in records if r.data] == ["r0", "r1", "r2", "r4"]


def test_a_parquet_file_expanding_past_the_import_limit_is_refused_from_its_footer(settings):
    content = parquet_bytes([{"id": "a", "prompt": "x" * 50_000}], compression="gzip")
    settings.RANKWISE_MAX_IMPORT_BYTES = 20_000
    assert len(content) < 20_000
    with pytest.raises(FileProblem, match="bytes uncompressed; imports are limited to 20,000"):
        read(content, "x.parquet")


# --- field sizes --------------------------------------------------------------------------


@pytest.fixture
def small_fields(settings):
    settings.RANKWISE_MAX_TEXT_CHARS = 10
    settings.RANKWISE_MAX_METADATA_BYTES = 30


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"prompt": "x" * 11},
            "prompt: Ensure this field has no more than 10 characters (it has 11).",
        ),
        (
            {"completions": [{"text": "ok"}, {"text": "y" * 12}]},
            "completions.1.text: Ensure this field has no more than 10 characters (it has 12).",
        ),
        (
            {"prompt": None, "messages": [{"role": "user", "content": "x" * 6}] * 2},
            "messages: Ensure the messages hold no more than 10 characters (they hold 12).",
        ),
        (
            {"metadata": {"note": "z" * 30}},
            "metadata: Ensure this field holds no more than 30 bytes as JSON (it has 41).",
        ),
        (
            {"completions": [{"text": "ok"}, {"text": "ok", "metadata": {"n": "é" * 20}}]},
            "completions.1.metadata: Ensure this field holds no more than 30 bytes as JSON "
            "(it has 48).",
        ),
        (
            {"note": "z" * 30},
            "metadata: Ensure this field holds no more than 30 bytes as JSON (it has 41).",
        ),
    ],
)
def test_an_item_field_over_its_size_limit_names_the_field(small_fields, change, message):
    record = {"id": "a", "prompt": "Hi?", "completions": [{"text": "a"}, {"text": "b"}]}
    record = {k: v for k, v in (record | change).items() if v is not None}
    assert problem(record) == message


@pytest.mark.parametrize("side", ["chosen", "rejected"])
def test_a_pair_answer_over_the_text_limit_names_its_side(small_fields, side):
    record = {"prompt": "Hi?", "chosen": "yes", "rejected": "no", side: "w" * 11}
    assert problem(record, RecordKind.PAIRS) == (
        f"{side}: Ensure this field has no more than 10 characters (it has 11)."
    )


def test_texts_at_the_limit_are_accepted(small_fields):
    item = record_parse(
        "line 1",
        {"id": "a", "prompt": "x" * 10, "completions": [{"text": "y" * 10}, {"text": "b"}]},
        RecordKind.ITEMS,
    )
    assert (len(item.text), len(item.completions[0].text)) == (10, 10)


# --- through the import service and the API -------------------------------------------


@pytest.mark.django_db
def test_an_over_long_field_refuses_the_import_naming_its_line_and_field(project, small_fields):
    short = [{"text": "Yes."}, {"text": "No."}]
    records = [
        ImportRecordFactory(prompt="Short?", completions=short),
        ImportRecordFactory(id="long", prompt="Too long?!?", completions=short),
    ]
    with pytest.raises(ImportInvalid) as caught:
        items_import(project=project, file=io.BytesIO(jsonl(records)), file_name="x.jsonl")
    assert caught.value.errors == [
        "line 2 (id long): prompt: Ensure this field has no more than 10 characters (it has 11)."
    ]
    assert not Prompt.objects.exists()


@pytest.fixture
def admin_client(client_for, member):
    return client_for(member(Role.ADMIN))


def upload(client, project, content: bytes, name: str):
    url = f"/api/v1/projects/{project.id}/imports/"
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


@pytest.mark.django_db
def test_a_jsonl_line_nested_100000_deep_is_a_400_naming_its_line(admin_client, project):
    deep = f'{{"id": "a", "prompt": {nested(100_000)}}}'.encode()
    response = upload(admin_client, project, jsonl([PairRecordFactory(), deep]), "p.jsonl")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"file": [f"line 2: {DEPTH_ERROR}"]}
    assert not Prompt.objects.exists()


@pytest.mark.django_db
def test_a_csv_metadata_cell_nested_5000_deep_is_a_400_naming_its_line(admin_client, project):
    content = f'id,prompt,completion_1,completion_2,metadata\na,Hi?,x,y,"{nested(5000)}"\n'
    response = upload(admin_client, project, content.encode(), "x.csv")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == f"line 2 (id a): metadata: {DEPTH_ERROR}"


@pytest.mark.django_db
def test_a_csv_header_with_a_5000_digit_completion_number_is_a_400_naming_it(admin_client, project):
    content = f"id,prompt,completion_{'9' * 5000}\na,Hi?,x\n".encode()
    response = upload(admin_client, project, content, "x.csv")
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(
        "line 1: the column 'completion_99999999999999999999999999999'… (5,011 characters)"
    )


# --- memory: a real gzip bomb, imported in a process of its own ----------------------------

BOMB_IMPORT = """
import io, json, sys
from pathlib import Path
import django
django.setup()
from projects.models import Project
from annotation.services.imports import ImportInvalid, items_import

project = Project.objects.get(pk=int(sys.argv[1]))
def attempt(stream, name):
    try:
        items_import(project=project, file=stream, file_name=name)
    except ImportInvalid as invalid:
        return invalid.errors
def memory_kib(field):
    status = Path("/proc/self/status").read_text()
    return int(status.split(field + ":")[1].split()[0])
# Warm up on a small refused file: every module loaded and the connection open.
attempt(io.BytesIO(b'{"id": "w"}\\n'), "warm.jsonl")
Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
before = memory_kib("VmRSS")
with open(sys.argv[2], "rb") as stream:
    errors = attempt(stream, "bomb.jsonl.gz")
print(json.dumps({"growth_kib": memory_kib("VmHWM") - before, "errors": errors}))
"""


def gzip_bomb(path: Path, megabytes: int) -> None:
    """One JSONL line of ``megabytes`` MiB that gzips to a few hundred KB."""
    chunk = b"a" * 1024 * 1024
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(b'{"id": "bomb", "prompt": "')
        for _ in range(megabytes):
            out.write(chunk)
        out.write(b'", "completions": [{"text": "a"}, {"text": "b"}]}\n')


@pytest.mark.django_db(transaction=True)
def test_a_gzip_bomb_of_one_200_mb_line_is_refused_with_bounded_memory(project, tmp_path):
    bomb = tmp_path / "bomb.jsonl.gz"
    gzip_bomb(bomb, 200)
    assert bomb.stat().st_size < 300_000
    db = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    finished = subprocess.run(
        [sys.executable, "-c", BOMB_IMPORT, str(project.pk), str(bomb)],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-3000:]
    outcome = json.loads(finished.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == [
        "line 1: The record is longer than 16,777,216 bytes, the most an import reads."
    ]
    # The peak resident memory of the import over what the process held before: reading the
    # line whole took 420-550 MB; now one bounded record and a few buffers.
    assert outcome["growth_kib"] < 100 * 1024
    assert not Prompt.objects.exists()
