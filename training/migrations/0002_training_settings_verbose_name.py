from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0001_runs_models_registry"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="trainingsettings",
            options={
                "verbose_name": "training settings",
                "verbose_name_plural": "training settings",
            },
        ),
    ]
