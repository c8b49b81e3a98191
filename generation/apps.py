from django.apps import AppConfig


class GenerationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "generation"

    def ready(self) -> None:
        from generation.services.generators import host_policy

        host_policy()  # a malformed RANKWISE_GENERATOR_HOSTS stops every process at start
