from django.contrib import admin

from annotation.models import (
    AnnotatorPreferences,
    Assignment,
    Completion,
    ImportJob,
    Prompt,
    Ranking,
)


@admin.register(AnnotatorPreferences)
class AnnotatorPreferencesAdmin(admin.ModelAdmin):
    list_display = ["user", "advance_after_rank", "updated_at"]


class CompletionInline(admin.StackedInline):
    model = Completion
    extra = 0


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    list_display = ["external_id", "project", "priority", "created_at"]
    list_filter = ["project"]
    list_select_related = ["project"]
    search_fields = ["external_id", "text"]
    inlines = [CompletionInline]


@admin.register(Completion)
class CompletionAdmin(admin.ModelAdmin):
    list_display = ["prompt", "position", "model_name"]
    list_select_related = ["prompt"]
    search_fields = ["prompt__external_id", "model_name"]
    raw_id_fields = ["prompt"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["prompt", "annotator", "status", "created_at", "expires_at"]
    list_filter = ["status", "project"]
    list_select_related = ["prompt", "annotator"]
    raw_id_fields = ["prompt", "annotator", "project"]


@admin.register(Ranking)
class RankingAdmin(admin.ModelAdmin):
    list_display = ["prompt", "annotator", "import_source", "kind", "revision", "updated_at"]
    list_filter = ["kind", "review_status", "is_gold", "project"]
    list_select_related = ["prompt", "annotator"]
    search_fields = ["prompt__external_id", "annotator__username", "import_source"]
    raw_id_fields = ["prompt", "annotator", "project"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "file_name", "project", "status", "rows_read", "rows_stored", "rows_rejected",
        "created_at",
    ]  # fmt: skip
    list_filter = ["status", "project"]
    list_select_related = ["project"]
    raw_id_fields = ["project", "created_by"]
