import gzip
import json

import pytest

from training.engine.batching import encode_groups
from training.engine.data import DataError, load
from training.engine.model import load_tokenizer
from training.engine.tokenize import Specials, join


def test_pairs_sharing_a_prompt_are_one_group_with_shared_completions():
    dataset = load(
        [
            {"prompt": "p", "chosen": "a", "rejected": "b"},
            {"prompt": "p", "chosen": "a", "rejected": "c", "id": "extra keys are ignored"},
        ]
    )
    (group,) = dataset.groups
    assert group.completions == ["a", "b", "c"]
    assert [(p.chosen, p.rejected) for p in group.pairs] == [(0, 1), (0, 2)]


def test_a_ranking_yields_every_untied_pair_weighted_one_over_k_choose_2():
    dataset = load([{"prompt": "p", "completions": ["a", "b", "c"], "ranking": [[1], [0, 2]]}])
    (group,) = dataset.groups
    assert {(p.chosen, p.rejected) for p in group.pairs} == {(1, 0), (1, 2)}
    assert all(p.weight == pytest.approx(1 / 3) for p in group.pairs)
    assert group.tied == 1


def test_ranking_entries_are_completion_ids_when_completions_carry_ids():
    record = {
        "prompt": "p",
        "completions": [{"id": 7, "text": "a"}, {"id": 9, "text": "b"}],
        "tiers": [[9], [7]],
    }
    (pair,) = load([record]).groups[0].pairs
    assert (pair.chosen, pair.rejected) == (1, 0)


def test_a_gzipped_file_with_a_bad_line_names_the_line(tmp_path):
    path = tmp_path / "pairs.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(json.dumps({"prompt": "p", "chosen": "a", "rejected": "b"}) + "\n")
        fh.write("\n")
        fh.write(json.dumps({"prompt": "p", "chosen": "a"}) + "\n")
    with pytest.raises(DataError, match=r"pairs\.jsonl\.gz line 3"):
        load(path)


def test_a_line_that_is_not_json_is_named(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"prompt": "p", "chosen": "a", "rejected": "b"}\n{oops\n')
    with pytest.raises(DataError, match="line 2: not JSON"):
        load(path)


def test_an_empty_reply_is_a_real_completion_not_an_error():
    (group,) = load([{"prompt": "p", "chosen": "", "rejected": "b"}]).groups
    assert group.completions == ["", "b"]


def test_a_missing_side_is_an_error_naming_the_record():
    with pytest.raises(DataError, match="record 1: rejected must be a string"):
        load([{"prompt": "p", "chosen": "a", "rejected": "b"}, {"chosen": "a", "rejected": None}])


def test_a_ranking_that_leaves_out_a_completion_is_rejected():
    with pytest.raises(DataError, match=r"record 0: ranking leaves out completion\(s\) \[2\]"):
        load([{"prompt": "p", "completions": ["a", "b", "c"], "ranking": [[0], [1]]}])


def test_an_empty_dataset_is_rejected():
    with pytest.raises(DataError, match="empty"):
        load([])


def test_the_content_hash_ignores_key_order_and_extra_keys():
    one = load([{"prompt": "p", "chosen": "a", "rejected": "b"}])
    two = load([{"rejected": "b", "chosen": "a", "prompt": "p", "note": 1}])
    assert one.sha256 == two.sha256


SPECIALS = Specials(prefix=(101,), suffix=(102,))


def test_a_fitting_sequence_is_left_whole():
    ids, cut = join([1, 2], [3, 4], SPECIALS, max_length=10, min_prompt_tokens=1)
    assert (ids, cut) == ([101, 1, 2, 3, 4, 102], False)


def test_truncation_cuts_the_prompt_from_the_left_and_keeps_the_completion():
    ids, cut = join(list(range(1, 11)), [50, 51, 52], SPECIALS, max_length=8, min_prompt_tokens=2)
    assert cut
    assert ids == [101, 8, 9, 10, 50, 51, 52, 102]


def test_an_overlong_completion_keeps_its_head_and_end_and_some_prompt():
    completion = list(range(50, 70))
    ids, _ = join([1, 2, 3, 4], completion, SPECIALS, max_length=10, min_prompt_tokens=2)
    assert ids == [101, 3, 4, 50, 51, 52, 67, 68, 69, 102]


def test_a_prompt_cap_keeps_the_end_of_the_prompt_and_counts_as_truncation():
    ids, cut = join(list(range(1, 11)), [50], SPECIALS, 40, 2, max_prompt_tokens=3)
    assert (ids, cut) == ([101, 8, 9, 10, 50, 102], True)
    ids, cut = join([1, 2], [50], SPECIALS, 40, 2, max_prompt_tokens=3)
    assert (ids, cut) == ([101, 1, 2, 50, 102], False)


def test_long_pairs_are_kept_and_counted_not_dropped(tiny_bert):
    long_prompt = "word " * 200
    records = [
        {"prompt": long_prompt, "chosen": "yes", "rejected": "no"},
        {"prompt": "short", "chosen": "yes", "rejected": "no"},
    ]
    encoded, counts = encode_groups(load(records).groups, load_tokenizer(tiny_bert), 32, 8)
    assert len(encoded) == 2
    assert max(len(s) for e in encoded for s in e.sequences) == 32
    assert (counts.pairs, counts.pairs_with_truncation, counts.truncated_sequences) == (2, 1, 2)
