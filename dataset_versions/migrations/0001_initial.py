"""DatasetVersion, DatasetPair, DatasetRanking and ExportJob move here from annotation
(issue 18): state only, the tables keep their names through Meta.db_table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('annotation', '0010_split_apps_fields_leave'),
        ('projects', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='DatasetVersion',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('number', models.PositiveIntegerField(help_text='1, 2, 3… within the project.')),
                    ('name', models.CharField(blank=True, max_length=200)),
                    ('rule', models.JSONField(help_text='The aggregation rule; see services.datasets.Rule.')),
                    ('seed', models.IntegerField(default=0)),
                    ('split', models.JSONField(help_text='Shares of prompts: {"train": .8, "validation": .1, "test": .1}.')),
                    ('status', models.CharField(choices=[('building', 'Building'), ('ready', 'Ready'), ('failed', 'Failed')], default='building', max_length=8)),
                    ('error', models.TextField(blank=True)),
                    ('content_hash', models.CharField(blank=True, max_length=64)),
                    ('counts', models.JSONField(blank=True, default=dict)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='dataset_versions', to='projects.project')),
                ],
                options={
                    'db_table': 'annotation_datasetversion',
                    'ordering': ['-number'],
                },
            ),
            migrations.CreateModel(
                name='DatasetRanking',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('revision', models.PositiveIntegerField()),
                    ('ranking', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='annotation.ranking')),
                    ('version', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='lineage', to='dataset_versions.datasetversion')),
                ],
                options={
                    'db_table': 'annotation_datasetranking',
                },
            ),
            migrations.CreateModel(
                name='DatasetPair',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('weight', models.FloatField(default=1.0)),
                    ('margin', models.FloatField(blank=True, null=True)),
                    ('split', models.CharField(choices=[('train', 'Train'), ('validation', 'Validation'), ('test', 'Test')], max_length=10)),
                    ('chosen', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='annotation.completion')),
                    ('prompt', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='annotation.prompt')),
                    ('ranking', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='annotation.ranking')),
                    ('rejected', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='annotation.completion')),
                    ('version', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='pairs', to='dataset_versions.datasetversion')),
                ],
                options={
                    'db_table': 'annotation_datasetpair',
                },
            ),
            migrations.CreateModel(
                name='ExportJob',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('format', models.CharField(choices=[('trl_jsonl', 'TRL preference JSONL'), ('trl_chat_jsonl', 'TRL conversational JSONL'), ('parquet', 'Parquet pairs'), ('raw_rankings', 'Raw rankings JSONL'), ('hf_dataset', 'Hugging Face datasets folder (zip)')], max_length=16)),
                    ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('failed', 'Failed')], default='queued', max_length=10)),
                    ('rows_total', models.PositiveIntegerField(default=0)),
                    ('rows_done', models.PositiveIntegerField(default=0)),
                    ('file', models.FileField(blank=True, upload_to='exports/')),
                    ('error', models.TextField(blank=True)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('finished_at', models.DateTimeField(blank=True, null=True)),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exports', to='dataset_versions.datasetversion')),
                ],
                options={
                    'db_table': 'annotation_exportjob',
                },
            ),
            migrations.AddConstraint(
                model_name='datasetversion',
                constraint=models.UniqueConstraint(fields=('project', 'number'), name='dataset_version_number'),
            ),
            migrations.AddConstraint(
                model_name='datasetranking',
                constraint=models.UniqueConstraint(fields=('version', 'ranking'), name='dataset_ranking_unique'),
            ),
            migrations.AddIndex(
                model_name='datasetpair',
                index=models.Index(fields=['version', 'split', 'prompt'], name='dataset_pair_by_split'),
            ),
            ],
            database_operations=[],
        ),
    ]
