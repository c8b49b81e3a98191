from django.contrib import admin

from annotation.models import (
    AnnotatorPreferences,
    Assignment,
    Completion,
    DatasetPair,
    DatasetRanking,
    DatasetVersion,
    ExportJob,
    ImportJob,
    Membership,
    Project,
    Prompt,
    PromptConsensus,
    Ranking,
    RankingExpansion,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = [
        "name", "slug", "raters_per_item", "allow_ties", "gold_rate", "created_at", "archived_at",
    ]  # fmt: skip
    list_filter = [("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(AnnotatorPreferences)
class AnnotatorPreferencesAdmin(admin.ModelAdmin):
    list_display = ["user", "advance_after_rank", "updated_at"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "role", "created_at"]
    list_filter = ["role", "project"]
    list_select_related = ["user", "project"]
    autocomplete_fields = ["user", "project"]


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


@admin.register(RankingExpansion)
class RankingExpansionAdmin(admin.ModelAdmin):
    list_display = ["ranking", "revision"]
    raw_id_fields = ["ranking"]


@admin.register(DatasetVersion)
class DatasetVersionAdmin(admin.ModelAdmin):
    list_display = ["project", "number", "name", "status", "content_hash", "created_at"]
    list_filter = ["project", "status"]
    readonly_fields = ["content_hash", "counts"]


@admin.register(DatasetPair)
class DatasetPairAdmin(admin.ModelAdmin):
    list_display = ["version", "prompt", "chosen", "rejected", "weight", "split"]
    list_filter = ["split"]
    raw_id_fields = ["version", "prompt", "chosen", "rejected", "ranking"]


@admin.register(DatasetRanking)
class DatasetRankingAdmin(admin.ModelAdmin):
    list_display = ["version", "ranking", "revision"]
    raw_id_fields = ["version", "ranking"]


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["version", "format", "status", "rows_done", "rows_total", "created_at"]
    list_filter = ["status", "format"]
    raw_id_fields = ["version"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "file_name", "project", "status", "rows_read", "rows_stored", "rows_rejected",
        "created_at",
    ]  # fmt: skip
    list_filter = ["status", "project"]
    list_select_related = ["project"]
    raw_id_fields = ["project", "created_by"]


@admin.register(PromptConsensus)
class PromptConsensusAdmin(admin.ModelAdmin):
    list_display = ["prompt", "method", "raters", "kendall_w", "computed_at"]
    raw_id_fields = ["prompt", "project"]
