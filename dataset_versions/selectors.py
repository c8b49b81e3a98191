"""Reads of dataset versions and their exports that cross relations."""

from __future__ import annotations

from django.db.models import QuerySet

from dataset_versions.models import ExportJob


def export_jobs_of_project(*, project_id: int) -> QuerySet[ExportJob]:
    """The export jobs of the project's versions, each with its version."""
    return ExportJob.objects.select_related("version").filter(version__project_id=project_id)
