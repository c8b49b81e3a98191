from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from training.models import (
    Dispute,
    Evaluation,
    EvaluationItem,
    EvaluationSet,
    ModelVersion,
    TrainingAttempt,
    TrainingLogLine,
    TrainingPoint,
    TrainingRun,
    TrainingSettings,
)
from training.services.runs import config_check


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "trigger", "step", "total_steps", "worker", "created_at"]
    list_filter = ["status", "trigger"]
    readonly_fields = ["attempt", "heartbeat_at", "worker", "device"]


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "is_active", "created_at", "promoted_at"]
    list_filter = ["is_active"]


class TrainingSettingsForm(forms.ModelForm):
    class Meta:
        model = TrainingSettings
        fields = ["project", "retrain_min_rankings", "config", "rule"]

    def clean(self) -> dict[str, Any]:
        """The config must train: periodic runs start from it with nobody to read a 400."""
        cleaned = super().clean() or {}
        project, config = cleaned.get("project"), cleaned.get("config")
        if project is not None and isinstance(config, dict):
            try:
                config_check(project=project, values=config)
            except ValidationError as error:
                self.add_error("config", [m for ms in error.message_dict.values() for m in ms])
        return cleaned


@admin.register(TrainingSettings)
class TrainingSettingsAdmin(admin.ModelAdmin):
    form = TrainingSettingsForm
    list_display = ["project", "retrain_min_rankings"]


@admin.register(TrainingPoint)
class TrainingPointAdmin(admin.ModelAdmin):
    list_display = ["run", "kind", "step"]


@admin.register(TrainingAttempt)
class TrainingAttemptAdmin(admin.ModelAdmin):
    list_display = ["run", "number", "outcome", "worker", "started_at", "ended_at"]
    list_filter = ["outcome"]


@admin.register(TrainingLogLine)
class TrainingLogLineAdmin(admin.ModelAdmin):
    list_display = ["run", "at", "__str__"]


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["model_version", "prompt", "human_agreement", "model_probability"]


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Made by uploads and workers, never by hand: an evaluation set's items are fixed by
    its content hash, and an evaluation's numbers by its model."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(EvaluationSet)
class EvaluationSetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "gates_promotion", "created_at"]
    list_filter = ["kind", "gates_promotion"]
    readonly_fields = ["project", "name", "file_name", "kind", "category_key", "sha256", "counts"]

    def has_add_permission(self, request: Any) -> bool:
        return False  # uploaded through the API, which parses and hashes the file


@admin.register(EvaluationItem)
class EvaluationItemAdmin(_ReadOnlyAdmin):
    list_display = ["evaluation_set", "position", "external_id", "category"]


@admin.register(Evaluation)
class EvaluationAdmin(_ReadOnlyAdmin):
    list_display = ["__str__", "status", "attempts", "items_scored", "finished_at"]
    list_filter = ["status"]
