from django.contrib import admin

from preferences.models import PromptConsensus, RankingExpansion


@admin.register(RankingExpansion)
class RankingExpansionAdmin(admin.ModelAdmin):
    list_display = ["ranking", "revision"]
    raw_id_fields = ["ranking"]


@admin.register(PromptConsensus)
class PromptConsensusAdmin(admin.ModelAdmin):
    list_display = ["prompt", "method", "raters", "kendall_w", "computed_at"]
    raw_id_fields = ["prompt", "project"]
