"""The app split (issue 18), first half: annotation's models point at projects.Project and the
moving models lose their relations, in the migration state only; no table changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('annotation', '0009_workspace_preferences'),
        ('projects', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveField(
                model_name='datasetranking',
                name='ranking',
            ),
            migrations.RemoveField(
                model_name='datasetranking',
                name='version',
            ),
            migrations.RemoveField(
                model_name='datasetversion',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='datasetversion',
                name='project',
            ),
            migrations.RemoveField(
                model_name='exportjob',
                name='version',
            ),
            migrations.RemoveField(
                model_name='exportjob',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='membership',
                name='project',
            ),
            migrations.RemoveField(
                model_name='membership',
                name='user',
            ),
            migrations.RemoveField(
                model_name='project',
                name='members',
            ),
            migrations.RemoveField(
                model_name='project',
                name='created_by',
            ),
            migrations.AlterField(
                model_name='ranking',
                name='project',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='projects.project'),
            ),
            migrations.RemoveField(
                model_name='promptconsensus',
                name='project',
            ),
            migrations.AlterField(
                model_name='importjob',
                name='project',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='import_jobs', to='projects.project'),
            ),
            migrations.AlterField(
                model_name='assignment',
                name='project',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='projects.project'),
            ),
            migrations.AlterField(
                model_name='prompt',
                name='project',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='prompts', to='projects.project'),
            ),
            migrations.RemoveField(
                model_name='promptconsensus',
                name='prompt',
            ),
            migrations.RemoveField(
                model_name='rankingexpansion',
                name='ranking',
            ),
            migrations.RemoveField(
                model_name='rankingpair',
                name='chosen',
            ),
            migrations.RemoveField(
                model_name='rankingpair',
                name='prompt',
            ),
            migrations.RemoveField(
                model_name='rankingpair',
                name='ranking',
            ),
            migrations.RemoveField(
                model_name='rankingpair',
                name='rejected',
            ),
            migrations.DeleteModel(
                name='DatasetPair',
            ),
            migrations.DeleteModel(
                name='DatasetRanking',
            ),
            ],
            database_operations=[],
        ),
    ]
