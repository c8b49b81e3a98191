"""Validating import records (items, preference pairs) as read from a file; no database
involved. (Reading the files: test_import_formats.py.)"""

import pytest

from annotation.formats import (
    CompletionIn,
    RecordInvalid,
    RecordKind,
    completions_hash,
    record_kind,
    record_parse,
)
from tests.factories import ImportRecordFactory, PairRecordFactory


def parse(record: dict, kind: RecordKind = RecordKind.ITEMS):
    return record_parse("line 1", record, kind)


def problem(record: dict, kind: RecordKind = RecordKind.ITEMS) -> str:
    with pytest.raises(RecordInvalid) as caught:
        parse(record, kind)
    return str(caught.value)


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
