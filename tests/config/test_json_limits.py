import json
import random
import time

import pytest

from config.json_limits import JsonTooDeep, json_depth_check, loads_bounded


def _nested(depth: int, opener: str = "[", closer: str = "]") -> str:
    return opener * depth + closer * depth


def test_it_accepts_nesting_at_the_limit():
    assert loads_bounded(_nested(5), max_depth=5) == [[[[[]]]]]


def test_it_refuses_nesting_one_past_the_limit_naming_the_limit():
    with pytest.raises(JsonTooDeep, match="limit of 5 levels"):
        loads_bounded(_nested(6), max_depth=5)


def test_it_counts_objects_and_arrays_together():
    text = '{"a": [{"b": [1]}]}'
    json_depth_check(text, max_depth=4)
    with pytest.raises(JsonTooDeep):
        json_depth_check(text, max_depth=3)


def test_it_refuses_a_thousand_levels_before_the_parser_recurses():
    with pytest.raises(JsonTooDeep):
        loads_bounded(_nested(100_000))


def test_the_default_limit_comes_from_the_setting(settings):
    settings.RANKWISE_MAX_JSON_DEPTH = 3
    json_depth_check(_nested(3))
    with pytest.raises(JsonTooDeep, match="limit of 3 levels"):
        json_depth_check(_nested(4))


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"prompt": "[[[[[[[[{{{{{{{{", "list": ["]]]]"]})
    assert loads_bounded(text, max_depth=2)["prompt"] == "[[[[[[[[{{{{{{{{"


def test_an_escaped_quote_does_not_end_a_string():
    text = json.dumps(['a " [[[[[[[[ \\', "[[[[[[[["])
    json_depth_check(text, max_depth=1)


def test_an_escaped_quote_cannot_hide_real_nesting():
    text = '["\\\\", ' + _nested(10) + "]"
    with pytest.raises(JsonTooDeep):
        json_depth_check(text, max_depth=5)


def test_a_unicode_escape_of_a_backslash_does_not_escape_the_next_quote():
    text = '["\\u005c", "[[[["]'
    assert json.loads(text) == ["\\", "[[[["]
    json_depth_check(text, max_depth=1)


def _random_value(rng: random.Random, depth: int) -> object:
    if depth == 0 or rng.random() < 0.3:
        return "".join(rng.choice('ab"\\[]{}/\n\té字') for _ in range(rng.randrange(6)))
    children = [_random_value(rng, depth - 1) for _ in range(rng.randrange(1, 4))]
    if rng.random() < 0.5:
        return children
    return {f"k{i}[{{": child for i, child in enumerate(children)}


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_the_limit_is_exact_on_random_documents_with_hostile_strings(ensure_ascii):
    rng = random.Random(16)
    for _ in range(300):
        value = _random_value(rng, rng.randrange(1, 9))
        text = json.dumps(value, ensure_ascii=ensure_ascii)
        depth = _depth(value)
        json_depth_check(text, max_depth=max(depth, 1))
        if depth > 1:
            with pytest.raises(JsonTooDeep):
                json_depth_check(text, max_depth=depth - 1)


def test_many_siblings_are_not_depth():
    text = json.dumps([[i] for i in range(10_000)])
    assert len(loads_bounded(text, max_depth=2)) == 10_000


def test_stray_closers_cannot_smuggle_depth_past_the_parser():
    # The count may drop below zero, but the parser stops at the first stray closer.
    text = "]]" + _nested(4)
    json_depth_check(text, max_depth=3)
    with pytest.raises(ValueError, match="Expecting value"):
        loads_bounded(text, max_depth=3)


def test_bytes_are_checked_like_text():
    with pytest.raises(JsonTooDeep):
        loads_bounded(_nested(10).encode(), max_depth=5)
    assert loads_bounded('{"é": [1]}'.encode(), max_depth=5) == {"é": [1]}


def test_utf16_bytes_are_checked_like_text():
    with pytest.raises(JsonTooDeep):
        loads_bounded(_nested(10).encode("utf-16"), max_depth=5)
    assert loads_bounded('["[[[["]'.encode("utf-16"), max_depth=1) == ["[[[["]


def test_an_unterminated_string_is_left_to_the_parser():
    with pytest.raises(ValueError, match="Unterminated string") as raised:
        loads_bounded('["abc' + "[" * 100, max_depth=5)
    assert not isinstance(raised.value, JsonTooDeep)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_it_refuses_non_finite_constants(constant):
    with pytest.raises(ValueError, match="not valid JSON"):
        loads_bounded(f'{{"lr": {constant}}}')


def test_it_refuses_a_float_that_overflows_to_infinity():
    with pytest.raises(ValueError, match="finite"):
        loads_bounded('{"lr": 1e999}')


def test_it_parses_ordinary_numbers():
    assert loads_bounded('{"lr": 2e-5, "epochs": 3, "w": -1.5}') == {
        "lr": 2e-5,
        "epochs": 3,
        "w": -1.5,
    }


def test_it_refuses_malformed_json_with_a_value_error():
    with pytest.raises(ValueError, match="Expecting property name"):
        loads_bounded("{not json")


def _best_of(runs: int, work) -> float:
    timings = []
    for _ in range(runs):
        start = time.thread_time()
        work()
        timings.append(time.thread_time() - start)
    return min(timings)


@pytest.mark.parametrize(
    "document",
    [
        # Records with text: what imports and most bodies look like.
        [
            {
                "prompt": f'Question {i}:\n« Say "hi" » [{i}]\t' * 8,
                "completions": [f"Answer {j}: C:\\path {{x}}\n" * 10 for j in range(3)],
                "metadata": {"source": "web", "scores": [0.5, i]},
            }
            for i in range(1_000)
        ],
        # Structure only: the worst case for a bracket scan.
        [[[i], {"a": [i]}] for i in range(60_000)],
    ],
    ids=["text", "brackets"],
)
def test_the_depth_check_of_a_megabyte_costs_no_more_than_parsing_it(document):
    text = json.dumps(document)
    assert len(text) > 1_000_000
    check = _best_of(5, lambda: json_depth_check(text, max_depth=64))
    parse = _best_of(5, lambda: json.loads(text))
    assert check <= parse
