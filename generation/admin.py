from django.contrib import admin

from generation.models import GenerationJob, GenerationSample, Generator


@admin.register(Generator)
class GeneratorAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "kind", "model", "base_url", "concurrency", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "model"]
    # The encrypted key stays out of the form: it is set through the API only.
    exclude = ["api_key_encrypted"]


@admin.register(GenerationJob)
class GenerationJobAdmin(admin.ModelAdmin):
    list_display = [
        "id", "project", "status", "samples_done", "samples_failed", "samples_total",
        "created_at",
    ]  # fmt: skip
    list_filter = ["status"]


@admin.register(GenerationSample)
class GenerationSampleAdmin(admin.ModelAdmin):
    list_display = ["id", "job", "prompt", "generator", "sample_index", "status", "finish_reason"]
    list_filter = ["status"]
    raw_id_fields = ["job", "prompt", "completion", "duplicate_of"]
