import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotation", "0008_project_archived_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="default_raw_text",
            field=models.BooleanField(
                default=False,
                help_text="Show completions as raw text (exactly as written) rather than "
                "rendered markdown, until an annotator switches a card.",
            ),
        ),
        migrations.CreateModel(
            name="AnnotatorPreferences",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="annotator_preferences",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "advance_after_rank",
                    models.BooleanField(
                        default=True,
                        help_text="After a number key places a card in a rank, move focus to "
                        "the next card.",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"verbose_name_plural": "annotator preferences"},
        ),
    ]
