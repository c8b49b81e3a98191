from django.apps import AppConfig


class AnnotationConfig(AppConfig):
    name = "annotation"
    verbose_name = "Annotation"

    def ready(self) -> None:
        from django.conf import settings

        from annotation.formats.limits import Limits, limits_provide

        # The Django-free import reader reads its limits from the settings, at each call.
        limits_provide(
            lambda: Limits(
                record_bytes=int(settings.RANKWISE_MAX_RECORD_BYTES),
                import_bytes=int(settings.RANKWISE_MAX_IMPORT_BYTES),
                text_chars=int(settings.RANKWISE_MAX_TEXT_CHARS),
                metadata_bytes=int(settings.RANKWISE_MAX_METADATA_BYTES),
                json_depth=int(settings.RANKWISE_MAX_JSON_DEPTH),
            )
        )
