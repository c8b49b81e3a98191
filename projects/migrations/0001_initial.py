"""Project and Membership move here from annotation (issue 18): state only, the tables keep
their names (annotation_project, annotation_membership) through Meta.db_table."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('annotation', '0009_workspace_preferences'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='Membership',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('role', models.CharField(choices=[('annotator', 'Annotator'), ('researcher', 'Researcher'), ('admin', 'Admin')], default='annotator', max_length=16)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'annotation_membership',
                },
            ),
            migrations.CreateModel(
                name='Project',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=200)),
                    ('slug', models.SlugField(max_length=100, unique=True)),
                    ('description', models.TextField(blank=True)),
                    ('guidelines', models.TextField(blank=True, help_text='Markdown shown to annotators.')),
                    ('raters_per_item', models.PositiveSmallIntegerField(default=3, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(50)])),
                    ('allow_ties', models.BooleanField(default=True)),
                    ('gold_rate', models.FloatField(default=0.0, help_text='Share of served items that are gold items.', validators=[django.core.validators.MinValueValidator(0.0), django.core.validators.MaxValueValidator(1.0)])),
                    ('lease_minutes', models.PositiveIntegerField(default=10, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(1440)])),
                    ('rankings_locked', models.BooleanField(default=False, help_text='When set, annotators can no longer revise their rankings.')),
                    ('default_raw_text', models.BooleanField(default=False, help_text='Show completions as raw text (exactly as written) rather than rendered markdown, until an annotator switches a card.')),
                    ('archived_at', models.DateTimeField(blank=True, help_text='When set, the project is hidden from its annotators and takes no rankings.', null=True)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('members', models.ManyToManyField(related_name='projects', through='projects.Membership', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'annotation_project',
                    'ordering': ['-created_at', '-id'],
                },
            ),
            migrations.AddField(
                model_name='membership',
                name='project',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='projects.project'),
            ),
            migrations.AddConstraint(
                model_name='membership',
                constraint=models.UniqueConstraint(fields=('project', 'user'), name='membership_unique_user'),
            ),
            ],
            database_operations=[],
        ),
    ]
