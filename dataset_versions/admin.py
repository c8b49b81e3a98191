from django.contrib import admin

from dataset_versions.models import DatasetPair, DatasetRanking, DatasetVersion, ExportJob


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
