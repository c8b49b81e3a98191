"""Training's foreign keys follow the moved models to projects and dataset_versions (issue 18):
state only, the database's constraints already point at the same tables."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dataset_versions', '0001_initial'),
        ('projects', '0001_initial'),
        ('training', '0003_training_attempts_failures_best_step'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.AlterField(
                model_name='modelversion',
                name='dataset_version',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='model_versions', to='dataset_versions.datasetversion'),
            ),
            migrations.AlterField(
                model_name='modelversion',
                name='project',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='model_versions', to='projects.project'),
            ),
            migrations.AlterField(
                model_name='trainingrun',
                name='dataset_version',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='training_runs', to='dataset_versions.datasetversion'),
            ),
            migrations.AlterField(
                model_name='trainingrun',
                name='project',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='training_runs', to='projects.project'),
            ),
            migrations.AlterField(
                model_name='trainingsettings',
                name='project',
                field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='training', to='projects.project'),
            ),
            ],
            database_operations=[],
        ),
    ]
