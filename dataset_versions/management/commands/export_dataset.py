from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dataset_versions.models import DatasetPair, DatasetVersion, ExportJob
from dataset_versions.services.exports import export_write


class Command(BaseCommand):
    help = "Export a ready dataset version of a project to a file (streamed; no Celery)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="The project's slug.")
        parser.add_argument("version", type=int, help="The version number.")
        parser.add_argument(
            "--format", dest="export_format", choices=ExportJob.Format.values, default="trl_jsonl"
        )
        parser.add_argument("--out", type=Path, required=True, help="The file to write.")
        parser.add_argument(
            "--split",
            choices=DatasetPair.Split.values,
            help="Only this split (default: all; for TRL and Parquet, a zip of a file per split).",
        )

    def handle(
        self,
        *args: Any,
        project: str,
        version: int,
        export_format: str,
        out: Path,
        split: str | None,
        **_: Any,
    ) -> None:
        target = (
            DatasetVersion.objects.select_related("project")
            .filter(project__slug=project, number=version)
            .first()
        )
        if target is None:
            raise CommandError(f"No dataset version {version} in a project with slug {project!r}.")
        if target.status != DatasetVersion.Status.READY:
            raise CommandError(f"Version {version} is {target.status}, not ready.")
        with out.open("wb") as stream:
            rows = export_write(
                version=target, export_format=export_format, out=stream, split=split
            )
        self.stdout.write(f"Wrote {rows} rows ({export_format}) to {out}.")
