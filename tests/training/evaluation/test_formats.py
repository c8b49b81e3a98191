"""Reading evaluation-set files: the three formats, and every bad record named by its line."""

import io

import pytest

from tests.training.evaluation.helpers import RANKING, jsonl, parquet, rewardbench_records
from training.evaluation.formats import SetInvalid, set_file_read


def _read(file: io.BytesIO, name: str = "set.jsonl", category_key: str = "subset"):
    return set_file_read(file=file, file_name=name, category_key=category_key)


def _errors(file: io.BytesIO, name: str = "set.jsonl") -> list[str]:
    with pytest.raises(SetInvalid) as refused:
        _read(file, name)
    return refused.value.errors


def test_trl_pairs_are_items_with_the_chosen_completion_ranked_first():
    found = _read(jsonl([{"prompt": "Hi", "chosen": "Hello!", "rejected": "Go away."}]))
    assert found.kind == "pairs"
    (item,) = found.items
    assert item.completions == ["Hello!", "Go away."]
    assert item.tiers == [[0], [1]]
    assert item.category == ""


def test_conversational_trl_pairs_read_their_messages_as_the_prompt():
    record = {
        "prompt": [{"role": "user", "content": "Hi"}],
        "chosen": [{"role": "assistant", "content": "Hello!"}],
        "rejected": [{"role": "assistant", "content": "No."}],
    }
    (item,) = _read(jsonl([record])).items
    assert item.prompt == "user: Hi"
    assert item.completions == ["Hello!", "No."]


def test_rewardbench_parquet_takes_its_category_from_subset():
    found = _read(parquet(rewardbench_records(4)), "rewardbench.parquet")
    assert found.kind == "pairs"
    assert [i.category for i in found.items] == ["harmless-even", "harmless-odd"] * 2
    assert found.items[0].external_id == "0"


def test_a_ranking_keeps_its_human_ties_as_one_tier():
    found = _read(jsonl([RANKING]), category_key="topic")
    assert found.kind == "rankings"
    (item,) = found.items
    assert item.completions == ["Blue.", "A colour.", "Red."]
    assert item.tiers == [[0, 2], [1]]
    assert item.category == "colours"


def test_the_engines_spelling_of_rankings_is_read_too():
    record = {"prompt": "P", "completions": ["a", "b", "c"], "ranking": [[2], [0], [1]]}
    (item,) = _read(jsonl([record])).items
    assert item.tiers == [[2], [0], [1]]
    assert item.external_id == "line-1"


def test_the_same_items_hash_alike_whatever_the_file_format():
    records = rewardbench_records(3)
    assert _read(jsonl(records)).sha256 == _read(parquet(records), "x.parquet").sha256
    assert _read(jsonl(records)).sha256 != _read(jsonl(records[:2])).sha256


def test_every_bad_record_is_named_by_its_line():
    records = [
        {"prompt": "ok", "chosen": "a", "rejected": "b"},
        {"prompt": "same", "chosen": "a", "rejected": "a"},
        {"prompt": "ok", "chosen": "a", "rejected": "b", "subset": ["not", "a", "string"]},
    ]
    file = io.BytesIO(jsonl(records).getvalue() + b"{\n")
    errors = _errors(file)
    assert errors[0].startswith("line 2: rejected: Is the same as chosen")
    assert errors[1] == "line 3: subset: The category must be a string."
    assert errors[2].startswith("line 4: Invalid JSON")


def test_a_ranking_without_its_human_ranking_is_refused():
    record = {key: value for key, value in RANKING.items() if key != "gold_ranking"}
    (error,) = _errors(jsonl([record]))
    assert error == "line 1 (id r-1): gold_ranking: This field is required: the human ranking."


def test_pairs_and_rankings_cannot_be_mixed_in_one_set():
    (error,) = _errors(jsonl([{"prompt": "p", "chosen": "a", "rejected": "b"}, RANKING]))
    assert error == "line 2 (id r-1): Every record must be of one kind: the first are pairs."


def test_an_empty_file_is_refused():
    assert _errors(io.BytesIO(b"\n")) == ["The file holds no records."]


def test_an_unknown_file_type_is_refused_by_name():
    (error,) = _errors(jsonl([RANKING]), "set.txt")
    assert error.startswith("Unknown file type 'set.txt'")


def test_a_set_larger_than_the_item_limit_is_refused(settings):
    settings.EVALUATION_MAX_ITEMS = 2
    records = [{"prompt": f"p{i}", "chosen": "a", "rejected": "b"} for i in range(3)]
    (error,) = _errors(jsonl(records))
    assert error == (
        "line 3: an evaluation set holds at most 2 items (RANKWISE_MAX_EVALUATION_ITEMS)."
    )


def test_a_record_over_the_import_record_limit_is_named(settings):
    settings.RANKWISE_MAX_RECORD_BYTES = 1024
    records = [{"prompt": "p", "chosen": "a" * 2000, "rejected": "b"}]
    (error,) = _errors(jsonl(records))
    assert error.startswith("line 1: The record is longer than 1,024 bytes")
