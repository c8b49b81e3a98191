"""items_import on PostgreSQL: what a file stores, refuses, skips and leaves alone."""

import gzip

import pytest

from annotation.models import Completion, Prompt, Ranking
from annotation.services.queue import assignment_next
from projects.models import Role
from tests.annotation.import_helpers import jsonl, rank_it, refusal, run, stored
from tests.factories import ImportRecordFactory, ProjectFactory

pytestmark = pytest.mark.django_db

# --- what a valid file stores -----------------------------------------------------------


def test_an_items_file_stores_prompts_with_their_completions(project):
    records = [
        ImportRecordFactory(id="a", metadata={"topic": "t"}),
        ImportRecordFactory(
            id="b", completions=[{"text": "x", "metadata": {"n": 1}}, {"text": "y"}]
        ),
    ]
    report = run(project, jsonl(records))
    assert (report.created, report.updated, report.unchanged, report.skipped) == (2, 0, 0, 0)
    assert (report.kind, report.file_format) == ("items", "jsonl")
    a = Prompt.objects.get(project=project, external_id="a")
    assert (a.text, a.metadata, a.is_gold, a.gold_ranking) == (
        records[0]["prompt"],
        {"topic": "t"},
        False,
        None,
    )
    assert len(a.completions_hash) == 64
    b = Completion.objects.filter(prompt__external_id="b").order_by("position")
    assert [(c.position, c.text, c.model_name, c.metadata) for c in b] == [
        (0, "x", "", {"n": 1}),
        (1, "y", "", {}),
    ]
    assert stored(project)["a"] == [
        (k, c["text"], c["model"]) for k, c in enumerate(records[0]["completions"])
    ]


def test_a_gold_ranking_makes_a_gold_item(project):
    run(project, jsonl([ImportRecordFactory(id="g", gold_ranking=[[1], [0, 2], [3]])]))
    prompt = Prompt.objects.get(external_id="g")
    assert prompt.is_gold
    assert prompt.gold_ranking == [[1], [0, 2], [3]]


def test_a_chat_item_stores_its_messages(project):
    record = ImportRecordFactory(id="chat", messages=[{"role": "user", "content": "Hi?"}])
    del record["prompt"]
    run(project, jsonl([record]))
    prompt = Prompt.objects.get(external_id="chat")
    assert (prompt.text, prompt.messages) == ("", [{"role": "user", "content": "Hi?"}])


def test_the_same_ids_in_another_project_are_other_items(project):
    content = jsonl([ImportRecordFactory(id="shared")])
    run(project, content)
    other = ProjectFactory()
    assert run(other, content).created == 1
    assert Prompt.objects.filter(external_id="shared").count() == 2


def test_the_report_says_how_long_it_took(project):
    assert run(project, jsonl([ImportRecordFactory()])).elapsed_seconds >= 0


# --- a bad record means nothing is stored ----------------------------------------------


TWO = [{"text": "a"}, {"text": "b"}]


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        (b'{"id": "x", "prompt": ', "line 3: Invalid JSON: Expecting value (column 23)."),
        (b'"just a string"', "line 3: Each line must be a JSON object, not a string."),
        ({"prompt": "Hi?", "completions": TWO}, "line 3: id: This field is required."),
        (
            {"id": "x", "completions": TWO},
            "line 3 (id x): prompt: This field is required (or give messages).",
        ),
        (
            {"id": "x", "prompt": ["Hi?"], "completions": TWO},
            "line 3 (id x): prompt: Expected a string, got a list.",
        ),
        (
            {"id": "x", "prompt": "Hi?", "completions": {}},
            "line 3 (id x): completions: Expected a list, got an object.",
        ),
        (
            {"id": "x", "prompt": "Hi?", "completions": TWO[:1]},
            "line 3 (id x): completions: Give at least 2 completions.",
        ),
        (
            {"id": "x", "prompt": "Hi?", "completions": TWO * 9},
            "line 3 (id x): completions: Give at most 16 completions.",
        ),
        (
            {"id": "x", "prompt": "Hi?", "completions": [{"text": "a"}, {"text": ""}]},
            "line 3 (id x): completions.1.text: This field may not be blank.",
        ),
        (
            {"id": "x", "prompt": "Hi?", "completions": TWO, "gold_ranking": [[0]]},
            "line 3 (id x): gold_ranking: Every completion must be ranked; missing: 1.",
        ),
        (
            {"id": "x", "prompt": "Hi?", "completions": TWO, "gold_ranking": [[0], [2]]},
            "line 3 (id x): gold_ranking.1: Position 2 is out of range: positions are 0 to 1.",
        ),
    ],
)
def test_a_file_with_one_bad_record_stores_nothing_and_names_its_line(project, bad_line, message):
    content = jsonl([ImportRecordFactory(), ImportRecordFactory(), bad_line, ImportRecordFactory()])
    invalid = refusal(project, content)
    assert invalid.errors == [message]
    assert invalid.total == 1
    assert not Prompt.objects.filter(project=project).exists()
    assert not Completion.objects.exists()


def test_a_bad_record_in_a_later_batch_rolls_back_the_earlier_batches(project):
    records = [ImportRecordFactory() for _ in range(25)] + [{"id": "bad"}]
    invalid = refusal(project, jsonl(records), batch_size=10)
    assert invalid.errors == [
        "line 26 (id bad): prompt: This field is required (or give messages)."
    ]
    assert not Prompt.objects.exists()


def test_an_id_used_twice_in_one_file_is_an_error_on_the_later_line(project):
    records = [ImportRecordFactory(id="x"), ImportRecordFactory(), ImportRecordFactory(id="x")]
    invalid = refusal(project, jsonl(records))
    assert invalid.errors == ["line 3 (id x): id: 'x' was already used on line 1."]
    assert not Prompt.objects.exists()


def test_every_bad_record_is_counted_but_only_the_first_hundred_are_listed(project):
    records = [ImportRecordFactory()] + [{"id": f"bad-{n}"} for n in range(150)]
    invalid = refusal(project, jsonl(records))
    assert invalid.total == 150
    assert len(invalid.errors) == 100
    assert invalid.errors[0].startswith("line 2 (id bad-0): ")
    assert invalid.errors[99].startswith("line 101 (id bad-99): ")


def test_an_empty_file_is_refused(project):
    assert refusal(project, b"").errors == ["The file holds no records."]
    assert refusal(project, b"\n \n").errors == ["The file holds no records."]
    assert refusal(project, b"id,prompt\n", "items.csv").errors == ["The file holds no records."]


def test_an_unknown_file_type_is_refused(project):
    invalid = refusal(project, jsonl([ImportRecordFactory()]), "items.json")
    assert invalid.errors[0].startswith("Unknown file type 'items.json'")


def test_a_broken_gzip_file_is_refused_and_stores_nothing(project):
    content = gzip.compress(jsonl([ImportRecordFactory() for _ in range(50)]))[:-30]
    invalid = refusal(project, content, "items.jsonl.gz", batch_size=10)
    assert invalid.errors[0].startswith("The file is not valid gzip")
    assert not Prompt.objects.exists()


# --- skip_invalid -----------------------------------------------------------------------


def test_skip_invalid_imports_the_valid_records_and_reports_the_others(project):
    records = [ImportRecordFactory(id="a"), {"id": "b"}, b"{oops", ImportRecordFactory(id="c")]
    report = run(project, jsonl(records), skip_invalid=True)
    assert (report.created, report.skipped) == (2, 2)
    assert report.errors == [
        "line 2 (id b): prompt: This field is required (or give messages).",
        "line 3: Invalid JSON: Expecting property name enclosed in double quotes (column 2).",
    ]
    assert set(stored(project)) == {"a", "c"}


def test_skip_invalid_skips_the_later_copy_of_a_duplicated_id(project):
    first, second = ImportRecordFactory(id="x"), ImportRecordFactory(id="x")
    report = run(project, jsonl([first, second]), skip_invalid=True)
    assert (report.created, report.skipped) == (1, 1)
    assert Prompt.objects.get(external_id="x").text == first["prompt"]


def test_skip_invalid_with_nothing_valid_stores_nothing_and_reports_it(project):
    report = run(project, jsonl([{"id": "a"}, {"id": "b"}]), skip_invalid=True)
    assert (report.created, report.skipped) == (0, 2)
    assert not Prompt.objects.exists()


# --- re-imports -------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(project):
    content = jsonl(
        [ImportRecordFactory(metadata={"k": 1}, gold_ranking=[[0, 1, 2, 3]]) for _ in range(3)]
    )
    run(project, content)
    before = list(Completion.objects.order_by("id").values_list("id", "text"))
    report = run(project, content)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert list(Completion.objects.order_by("id").values_list("id", "text")) == before


def test_reimporting_updates_metadata_gold_ranking_and_prompt_text_in_place(project):
    record = ImportRecordFactory(id="x")
    run(project, jsonl([record]))
    prompt_id = Prompt.objects.get().pk
    completion_ids = set(Completion.objects.values_list("id", flat=True))
    changed = {
        **record,
        "prompt": "Reworded?",
        "metadata": {"v": 2},
        "gold_ranking": [[3], [0, 1, 2]],
    }
    report = run(project, jsonl([changed]))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    prompt = Prompt.objects.get()
    assert prompt.pk == prompt_id
    assert (prompt.text, prompt.metadata, prompt.gold_ranking, prompt.is_gold) == (
        "Reworded?", {"v": 2}, [[3], [0, 1, 2]], True,
    )  # fmt: skip
    assert set(Completion.objects.values_list("id", flat=True)) == completion_ids


def test_reimporting_new_completions_of_an_unranked_item_replaces_them(project):
    record = ImportRecordFactory(id="x")
    run(project, jsonl([record]))
    new = {**record, "completions": [{"text": "One."}, {"text": "Two."}, {"text": "Three."}]}
    report = run(project, jsonl([new]))
    assert report.updated == 1
    assert stored(project) == {"x": [(0, "One.", ""), (1, "Two.", ""), (2, "Three.", "")]}


def test_the_completions_of_a_ranked_item_cannot_change(project, member):
    records = [ImportRecordFactory(id=f"r{n}") for n in range(3)]
    run(project, jsonl(records))
    rank_it(project, member)
    rank_it(project, member)
    ranked = Ranking.objects.values_list("prompt__external_id", flat=True).first()
    before = stored(project)
    changed = [
        {**r, "completions": r["completions"][:2]} if r["id"] == ranked else r for r in records
    ]
    invalid = refusal(project, jsonl(changed))
    line = [r["id"] for r in records].index(ranked) + 1
    assert invalid.errors == [
        f"line {line} (id {ranked}): completions: item '{ranked}' already has 2 rankings; "
        "its completions cannot change. Import it under a new id."
    ]
    assert stored(project) == before


def test_a_ranked_item_keeps_its_completions_when_skip_invalid_imports_the_rest(project, member):
    record = ImportRecordFactory(id="x")
    run(project, jsonl([record]))
    rank_it(project, member)
    changed = {**record, "completions": record["completions"][:2]}
    report = run(project, jsonl([changed, ImportRecordFactory(id="y")]), skip_invalid=True)
    assert (report.created, report.skipped) == (1, 1)
    assert "already has 1 ranking;" in report.errors[0]
    assert len(stored(project)["x"]) == 4


def test_a_ranked_item_may_still_get_new_metadata(project, member):
    record = ImportRecordFactory(id="x")
    run(project, jsonl([record]))
    rank_it(project, member)
    report = run(project, jsonl([{**record, "metadata": {"reviewed": True}}]))
    assert report.updated == 1
    assert Prompt.objects.get().metadata == {"reviewed": True}


def test_the_completions_of_an_item_an_annotator_holds_cannot_change(project, member):
    record = ImportRecordFactory(id="x")
    run(project, jsonl([record]))
    assignment_next(project=project, annotator=member(Role.ANNOTATOR))
    invalid = refusal(project, jsonl([{**record, "completions": record["completions"][:2]}]))
    assert invalid.errors == [
        "line 1 (id x): completions: item 'x' is being ranked right now; "
        "its completions cannot change while an annotator holds it."
    ]
