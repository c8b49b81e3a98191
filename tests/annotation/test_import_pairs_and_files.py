"""items_import on PostgreSQL: pairs files, CSV and Parquet, query costs and concurrent imports."""

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
from annotation.services.imports import items_import
from tests.annotation.import_helpers import jsonl, refusal, run, stored
from tests.factories import ImportRecordFactory, PairRecordFactory, ProjectFactory
from tests.shared_data import HH_PAIRS

pytestmark = pytest.mark.django_db


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
