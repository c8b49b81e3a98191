from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dataset_versions.services.demo import demo_seed


class Command(BaseCommand):
    help = "Create the demo project with demo users and items (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password", default="rankwise-demo", help="Password for new demo users."
        )

    def handle(self, *args: Any, password: str, **options: Any) -> None:
        summary = demo_seed(password=password)
        count = summary.project.prompts.count()
        self.stdout.write(
            f"Demo project '{summary.project.name}' (/{summary.project.slug}): {count} prompts, "
            f"{summary.prompts_created} new."
        )
        self.stdout.write(f"Demo users (password for new users: {password}):")
        for username, role in summary.usernames:
            self.stdout.write(f"  {username:<12} {role.label}")
