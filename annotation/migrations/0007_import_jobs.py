# Import jobs: API uploads over RANKWISE_IMPORT_SYNC_BYTES, imported by a worker.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('annotation', '0006_lean_pairs_expansion_state_consensus_pairs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ImportJob',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='queued', max_length=10)),
                ('file', models.FileField(blank=True, max_length=300, upload_to='imports/')),
                ('file_name', models.CharField(help_text='As uploaded: it names the format.', max_length=255)),
                ('file_size', models.PositiveBigIntegerField(default=0)),
                ('skip_invalid', models.BooleanField(default=False)),
                ('source', models.CharField(blank=True, help_text='Blank: the file name.', max_length=200)),
                ('rows_read', models.PositiveIntegerField(default=0)),
                ('rows_stored', models.PositiveIntegerField(default=0)),
                ('rows_rejected', models.PositiveIntegerField(default=0)),
                ('cancel_requested', models.BooleanField(default=False)),
                ('report', models.JSONField(blank=True, null=True)),
                ('errors', models.JSONField(blank=True, default=list, help_text='The first 100, by line.')),
                ('error_total', models.PositiveIntegerField(default=0)),
                ('error', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='import_jobs', to='annotation.project')),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['project', '-created_at'], name='importjob_project_created'), models.Index(condition=models.Q(('status', 'running')), fields=['started_at'], name='importjob_running')],
            },
        ),
    ]
