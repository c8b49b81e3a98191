from django.contrib import admin

from training.models import (
    Dispute,
    ModelVersion,
    TrainingLogLine,
    TrainingPoint,
    TrainingRun,
    TrainingSettings,
)


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "trigger", "step", "total_steps", "worker", "created_at"]
    list_filter = ["status", "trigger"]
    readonly_fields = ["attempt", "heartbeat_at", "worker", "device"]


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "is_active", "created_at", "promoted_at"]
    list_filter = ["is_active"]


@admin.register(TrainingSettings)
class TrainingSettingsAdmin(admin.ModelAdmin):
    list_display = ["project", "retrain_min_rankings"]


@admin.register(TrainingPoint)
class TrainingPointAdmin(admin.ModelAdmin):
    list_display = ["run", "kind", "step"]


@admin.register(TrainingLogLine)
class TrainingLogLineAdmin(admin.ModelAdmin):
    list_display = ["run", "at", "__str__"]


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["model_version", "prompt", "human_agreement", "model_probability"]
