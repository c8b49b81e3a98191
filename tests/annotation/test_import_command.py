"""manage.py import_items <project-slug> <file> [--skip-invalid] [--source NAME]."""

import gzip
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from annotation.models import Prompt, Ranking
from tests.factories import ImportRecordFactory, PairRecordFactory

pytestmark = pytest.mark.django_db


def write(tmp_path, records: list, name: str = "items.jsonl"):
    path = tmp_path / name
    path.write_bytes(
        b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records)
    )
    return path


def import_items(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_items", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_a_file_into_the_project_named_by_its_slug(tmp_path, project):
    path = write(tmp_path, [ImportRecordFactory() for _ in range(3)])
    out, _ = import_items(project.slug, str(path))
    assert "3 created, 0 updated, 0 unchanged, 0 skipped, 0 rankings created" in out
    assert Prompt.objects.filter(project=project).count() == 3


def test_it_reads_gzipped_files(tmp_path, project):
    path = tmp_path / "items.jsonl.gz"
    path.write_bytes(gzip.compress(json.dumps(ImportRecordFactory()).encode() + b"\n"))
    import_items(project.slug, str(path))
    assert Prompt.objects.count() == 1


def test_an_invalid_file_lists_its_errors_and_imports_nothing(tmp_path, project):
    path = write(tmp_path, [ImportRecordFactory(), {"id": "x"}, b"{"])
    with pytest.raises(CommandError, match=r"Nothing imported: 2 problem\(s\) in items\.jsonl"):
        call_command("import_items", project.slug, str(path), stderr=(err := StringIO()))
    assert err.getvalue().splitlines() == [
        "line 2 (id x): prompt: This field is required (or give messages).",
        "line 3: Invalid JSON: Expecting property name enclosed in double quotes (column 2).",
    ]
    assert not Prompt.objects.exists()


def test_skip_invalid_imports_the_valid_records_and_lists_the_skipped(tmp_path, project):
    path = write(tmp_path, [ImportRecordFactory(), {"id": "x"}])
    out, err = import_items(project.slug, str(path), "--skip-invalid")
    assert "1 created" in out
    assert "1 skipped" in out
    assert err.strip() == "line 2 (id x): prompt: This field is required (or give messages)."


def test_source_names_the_rankings_of_a_pairs_file(tmp_path, project):
    path = write(tmp_path, [PairRecordFactory()], "prefs.jsonl")
    out, _ = import_items(project.slug, str(path), "--source", "hh-harmless")
    assert "1 rankings created" in out
    assert Ranking.objects.get().import_source == "hh-harmless"


def test_an_unknown_project_is_an_error(tmp_path):
    path = write(tmp_path, [ImportRecordFactory()])
    with pytest.raises(CommandError, match="No project with the slug 'nope'"):
        import_items("nope", str(path))


def test_a_missing_file_is_an_error(tmp_path, project):
    with pytest.raises(CommandError, match="No file at"):
        import_items(project.slug, str(tmp_path / "absent.jsonl"))


def test_an_unknown_suffix_is_an_error(tmp_path, project):
    path = write(tmp_path, [ImportRecordFactory()], "items.txt")
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_items", project.slug, str(path), stderr=(err := StringIO()))
    assert err.getvalue().startswith("Unknown file type 'items.txt'")
