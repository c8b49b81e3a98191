from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotation.services.imports import ImportInvalid, ImportReport, items_import
from projects.models import Project


class Command(BaseCommand):
    help = (
        "Import prompts with completions (or preference pairs) from a .jsonl, .csv or .parquet "
        "file (.jsonl.gz and .csv.gz too) into a project. Re-importing the same ids is safe."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="The project's slug.")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid records and list the others (default: import nothing).",
        )
        parser.add_argument(
            "--source", help="Name for the rankings a pairs file brings (default: file name)."
        )

    def handle(
        self, *args: Any, project: str, file: Path, skip_invalid: bool, source: str | None, **_: Any
    ) -> None:
        target = Project.objects.filter(slug=project).first()
        if target is None:
            raise CommandError(f"No project with the slug {project!r}.")
        if not file.is_file():
            raise CommandError(f"No file at {file}.")
        with file.open("rb") as stream:
            try:
                report = items_import(
                    project=target,
                    file=stream,
                    file_name=file.name,
                    skip_invalid=skip_invalid,
                    source=source,
                )
            except ImportInvalid as invalid:
                self._list(invalid.errors, invalid.total)
                raise CommandError(
                    f"Nothing imported: {invalid.total} problem(s) in {file.name}. "
                    "Fix them, or pass --skip-invalid to import the valid records."
                ) from invalid
        self._summary(report)

    def _summary(self, report: ImportReport) -> None:
        self.stdout.write(
            f"Imported {report.kind} ({report.file_format}) in {report.elapsed_seconds:.1f} s: "
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.skipped} skipped, {report.rankings_created} rankings created."
        )
        if report.skipped:
            self._list(report.errors, report.skipped)

    def _list(self, errors: list[str], total: int) -> None:
        for error in errors:
            self.stderr.write(error)
        if total > len(errors):
            self.stderr.write(f"... and {total - len(errors)} more.")
