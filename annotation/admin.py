from django.contrib import admin

from annotation.models import Completion, Membership, Project, Prompt


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "raters_per_item", "allow_ties", "gold_rate", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


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
