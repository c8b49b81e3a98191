"""items_import on PostgreSQL: what a file stores, refuses, skips and leaves alone."""

import gzip
import io
import json
import threading
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from annotation.models import Completion, Prompt, Ranking
from annotation.services.imports import ImportInvalid, items_import
from annotation.services.queue import assignment_next
from annotation.services.rankings import ranking_submit
from projects.models import Role
from tests.factories import ImportRecordFactory, PairRecordFactory, ProjectFactory
from tests.shared_data import HH_PAIRS

pytestmark = pytest.mark.django_db


def jsonl(records: list) -> bytes:
    return b"".join(
        (r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records
    )


def run(project, content: bytes, name: str = "items.jsonl", **options):
    return items_import(project=project, file=io.BytesIO(content), file_name=name, **options)


def refusal(project, content: bytes, name: str = "items.jsonl", **options) -> ImportInvalid:
    with pytest.raises(ImportInvalid) as caught:
        run(project, content, name, **options)
    return caught.value


def stored(project) -> dict:
    """external_id -> [(position, text, model_name)] for the project's prompts."""
    out: dict = {}
    for c in Completion.objects.filter(prompt__project=project).select_related("prompt"):
        out.setdefault(c.prompt.external_id, []).append((c.position, c.text, c.model_name))
    return {key: sorted(value) for key, value in out.items()}


def rank_it(project, member):
    """An annotator takes the project's next item and ranks it in display order."""
    annotator = member(Role.ANNOTATOR)
    assignment = assignment_next(project=project, annotator=annotator)
    ranking_submit(
        project=project,
        annotator=annotator,
        prompt_id=assignment.prompt_id,
        tiers=[[i] for i in assignment.display_order],
    )


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


# --- preference pairs -------------------------------------------------------------------


def test_a_pairs_file_stores_two_completions_and_the_recorded_preference(project):
    pairs = [PairRecordFactory(id="p1"), PairRecordFactory(id="p2")]
    report = run(project, jsonl(pairs), "hh_harmless.jsonl")
    assert (report.kind, report.created, report.rankings_created) == ("pairs", 2, 2)
    assert report.source == "hh_harmless"
    prompt = Prompt.objects.get(external_id="p1")
    chosen, rejected = prompt.completions.order_by("position")
    assert (chosen.text, rejected.text) == (pairs[0]["chosen"], pairs[0]["rejected"])
    ranking = Ranking.objects.get(prompt=prompt)
    assert ranking.annotator is None
    assert ranking.import_source == "hh_harmless"
    assert ranking.project == project
    assert ranking.kind == Ranking.Kind.RANKED
    assert ranking.tiers == [[chosen.pk], [rejected.pk]]


def test_imported_preferences_do_not_count_as_annotator_claims(project):
    run(project, jsonl([PairRecordFactory()]), "pairs.jsonl")
    prompt = Prompt.objects.get()
    assert (prompt.claim_count, prompt.ranking_count) == (0, 0)


def test_reimporting_a_pairs_file_records_each_preference_once(project):
    content = jsonl([PairRecordFactory() for _ in range(3)])
    run(project, content, "pairs.jsonl")
    report = run(project, content, "pairs.jsonl")
    assert (report.unchanged, report.rankings_created) == (3, 0)
    assert Ranking.objects.count() == 3


def test_the_same_pairs_under_another_source_add_that_sources_preferences(project):
    content = jsonl([PairRecordFactory() for _ in range(2)])
    run(project, content, "pairs.jsonl")
    report = run(project, content, "pairs.jsonl", source="second-opinion")
    assert (report.unchanged, report.rankings_created) == (2, 2)
    assert sorted(Ranking.objects.values_list("import_source", flat=True)) == [
        "pairs", "pairs", "second-opinion", "second-opinion",
    ]  # fmt: skip


def test_pairs_without_ids_are_idempotent_through_their_derived_ids(project):
    records = [PairRecordFactory() for _ in range(3)]
    for record in records:
        del record["id"]
    run(project, jsonl(records), "pairs.jsonl")
    report = run(project, jsonl(records), "pairs.jsonl")
    assert (report.created, report.unchanged) == (0, 3)
    assert all(p.startswith("pair-") for p in Prompt.objects.values_list("external_id", flat=True))


def test_flipping_an_imported_preference_is_refused(project):
    record = PairRecordFactory(id="p")
    run(project, jsonl([record]), "pairs.jsonl")
    flipped = {**record, "chosen": record["rejected"], "rejected": record["chosen"]}
    invalid = refusal(project, jsonl([flipped]), "pairs.jsonl")
    assert invalid.errors[0].startswith(
        "line 1 (id p): completions: item 'p' already has 1 ranking;"
    )


def test_conversational_pairs_store_the_chat_prompt(project):
    record = {
        "prompt": [{"role": "user", "content": "Capital of France?"}],
        "chosen": [{"role": "assistant", "content": "Paris."}],
        "rejected": [{"role": "assistant", "content": "Lyon."}],
    }
    run(project, jsonl([record]), "chat_pairs.jsonl")
    prompt = Prompt.objects.get()
    assert prompt.messages == record["prompt"]
    assert [c.text for c in prompt.completions.order_by("position")] == ["Paris.", "Lyon."]


def test_hh_rlhf_pairs_come_back_as_the_same_triples(project):
    with HH_PAIRS.open("rb") as stream:
        report = items_import(project=project, file=stream, file_name=HH_PAIRS.name)
    assert (report.created, report.rankings_created, report.skipped) == (1808, 1808, 0)
    with gzip.open(HH_PAIRS, "rt", encoding="utf-8") as lines:
        expected = sorted((r["prompt"], r["chosen"], r["rejected"]) for r in map(json.loads, lines))
    texts = dict(Completion.objects.filter(prompt__project=project).values_list("id", "text"))
    rankings = Ranking.objects.filter(project=project).select_related("prompt")
    triples = sorted((r.prompt.text, texts[r.tiers[0][0]], texts[r.tiers[1][0]]) for r in rankings)
    assert triples == expected


# --- other formats ----------------------------------------------------------------------


def test_a_gzipped_jsonl_file_imports_like_the_plain_one(project):
    records = [ImportRecordFactory() for _ in range(3)]
    report = run(project, gzip.compress(jsonl(records)), "items.jsonl.gz")
    assert report.created == 3
    assert set(stored(project)) == {r["id"] for r in records}


def test_a_csv_with_numbered_completion_columns_imports(project):
    content = (
        b"id,prompt,completion_1,model_1,completion_2,model_2,completion_3,model_3,topic\n"
        b'a,Hi?,Hello,m1,"Hey,\nthere",m2,Yo,m3,greeting\n'
        b"b,Bye?,Farewell,m1,Ciao,m2,,,parting\n"
    )
    report = run(project, content, "items.csv")
    assert report.created == 2
    assert stored(project) == {
        "a": [(0, "Hello", "m1"), (1, "Hey,\nthere", "m2"), (2, "Yo", "m3")],
        "b": [(0, "Farewell", "m1"), (1, "Ciao", "m2")],
    }
    assert Prompt.objects.get(external_id="a").metadata == {"topic": "greeting"}


def test_a_csv_with_a_completions_json_column_imports(project):
    completions = json.dumps([{"text": "x", "model": "m"}, {"text": "y"}]).replace('"', '""')
    content = f'id,prompt,completions,gold_ranking\na,Hi?,"{completions}","[[1],[0]]"\n'.encode()
    run(project, gzip.compress(content), "items.csv.gz")
    assert stored(project) == {"a": [(0, "x", "m"), (1, "y", "")]}
    assert Prompt.objects.get().gold_ranking == [[1], [0]]


def test_a_bad_csv_row_is_named_by_its_physical_line(project):
    content = b'id,prompt,completion_1,completion_2\na,"multi\nline",x,y\nb,Hi?,x,\n'
    invalid = refusal(project, content, "items.csv")
    assert invalid.errors == ["line 4 (id b): completions: Give at least 2 completions."]


def parquet(rows: list[dict]) -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), out, row_group_size=3)
    return out.getvalue()


def test_a_parquet_file_imports_with_nested_completions(project):
    records = [ImportRecordFactory(metadata={"topic": f"t{n}"}) for n in range(7)]
    report = run(project, parquet(records), "items.parquet", batch_size=3)
    assert report.created == 7
    assert stored(project)[records[6]["id"]][0] == (
        0,
        records[6]["completions"][0]["text"],
        "model-0",
    )
    assert Prompt.objects.get(external_id=records[2]["id"]).metadata == {"topic": "t2"}


def test_a_csv_row_whose_cells_cannot_be_read_is_named_by_its_id(project):
    content = b"id,prompt,completion_1,completion_2,metadata\nq-017,Hi?,x,y,{oops\n"
    invalid = refusal(project, content, "items.csv")
    assert invalid.errors == [
        "line 2 (id q-017): metadata: Invalid JSON: "
        "Expecting property name enclosed in double quotes (column 2)."
    ]


def test_a_long_id_is_cut_in_the_message_naming_its_record(project):
    long_id = "q" * 200
    invalid = refusal(project, jsonl([{"id": long_id, "prompt": "Hi?", "completions": "a"}]))
    assert invalid.errors == [
        f"line 1 (id {'q' * 40}…): completions: Expected a list, got a string."
    ]


def test_a_bad_parquet_row_is_named_by_its_row_number(project):
    records = [ImportRecordFactory() for _ in range(4)]
    records[2]["completions"] = records[2]["completions"][:1]
    invalid = refusal(project, parquet(records), "items.parquet")
    assert invalid.errors == [
        f"row 3 (id {records[2]['id']}): completions: Give at least 2 completions."
    ]


def test_a_parquet_pairs_file_records_the_preferences(project):
    report = run(project, parquet([PairRecordFactory() for _ in range(4)]), "prefs.parquet")
    assert (report.kind, report.created, report.rankings_created) == ("pairs", 4, 4)
    assert set(Ranking.objects.values_list("import_source", flat=True)) == {"prefs"}


# --- streaming --------------------------------------------------------------------------


def queries_for(project, records: list, batch_size: int, name: str = "items.jsonl") -> int:
    with CaptureQueriesContext(connection) as captured:
        run(project, jsonl(records), name, batch_size=batch_size)
    return len(captured)


def test_each_batch_of_new_items_costs_a_fixed_number_of_queries():
    one_batch = queries_for(ProjectFactory(), [ImportRecordFactory() for _ in range(10)], 10)
    five_batches = queries_for(ProjectFactory(), [ImportRecordFactory() for _ in range(50)], 10)
    # Per batch: find the stored ids; reserve prompt ids, COPY prompts; the same for completions.
    assert five_batches - one_batch == 4 * 5


def test_each_batch_of_a_reimport_costs_one_query():
    project = ProjectFactory()
    records = [ImportRecordFactory() for _ in range(50)]
    run(project, jsonl(records))
    assert queries_for(project, records, 10) - queries_for(project, records[:10], 10) == 4 * 1


def test_each_batch_of_pairs_costs_a_fixed_number_of_queries():
    project = ProjectFactory()
    one_batch = queries_for(project, [PairRecordFactory() for _ in range(10)], 10, "p.jsonl")
    five_batches = queries_for(project, [PairRecordFactory() for _ in range(50)], 10, "p.jsonl")
    # The items' five, then reserving ids for and copying the batch's preferences.
    assert five_batches - one_batch == 4 * 7


# --- concurrency ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_file_at_once_store_each_item_once():
    project = ProjectFactory()
    content = jsonl([ImportRecordFactory() for _ in range(3)])
    first_imported, reports, errors = threading.Event(), {}, []

    def first():
        with transaction.atomic():
            reports["first"] = run(project, content)
            first_imported.set()
            time.sleep(0.5)  # the second import is now waiting for this one to commit

    def second():
        first_imported.wait(timeout=10)
        reports["second"] = run(project, content)

    def in_thread(work):
        try:
            work()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=in_thread, args=(w,)) for w in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert (reports["first"].created, reports["second"].unchanged) == (3, 3)
    assert Prompt.objects.filter(project=project).count() == 3
