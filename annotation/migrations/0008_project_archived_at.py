from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotation", "0007_import_jobs"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="archived_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When set, the project is hidden from its annotators and takes no "
                "rankings.",
                null=True,
            ),
        ),
        migrations.AlterModelOptions(
            name="promptconsensus",
            options={"verbose_name_plural": "prompt consensuses"},
        ),
    ]
