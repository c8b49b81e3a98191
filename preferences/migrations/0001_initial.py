"""RankingExpansion, RankingPair and PromptConsensus move here from annotation (issue 18):
state only, the tables keep their names through Meta.db_table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('annotation', '0010_split_apps_fields_leave'),
        ('projects', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='RankingExpansion',
                fields=[
                    ('ranking', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='expansion', serialize=False, to='annotation.ranking')),
                    ('revision', models.PositiveIntegerField()),
                ],
                options={
                    'db_table': 'annotation_rankingexpansion',
                },
            ),
            migrations.CreateModel(
                name='PromptConsensus',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('method', models.CharField(max_length=20)),
                    ('tiers', models.JSONField(help_text='Completion ids, best tier first.')),
                    ('strengths', models.JSONField(help_text='{completion id: log-strength}.')),
                    ('pairs', models.JSONField(default=list, help_text='[chosen, rejected, raters agreeing, raters disagreeing, raters tying] for every pair the tiers order.')),
                    ('raters', models.PositiveSmallIntegerField()),
                    ('kendall_w', models.FloatField(blank=True, null=True)),
                    ('fingerprint', models.CharField(max_length=64)),
                    ('computed_at', models.DateTimeField(auto_now=True)),
                    ('project', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='projects.project')),
                    ('prompt', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='consensus', to='annotation.prompt')),
                ],
                options={
                    'verbose_name_plural': 'prompt consensuses',
                    'db_table': 'annotation_promptconsensus',
                },
            ),
            migrations.CreateModel(
                name='RankingPair',
                fields=[
                    ('pk', models.CompositePrimaryKey('ranking_id', 'chosen_id', 'rejected_id', blank=True, editable=False, primary_key=True, serialize=False)),
                    ('chosen', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='annotation.completion')),
                    ('prompt', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='annotation.prompt')),
                    ('ranking', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='pairs', to='annotation.ranking')),
                    ('rejected', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='annotation.completion')),
                ],
                options={
                    'db_table': 'annotation_rankingpair',
                },
            ),
            ],
            database_operations=[],
        ),
    ]
