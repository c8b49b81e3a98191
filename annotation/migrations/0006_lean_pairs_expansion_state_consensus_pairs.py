# RankingPair becomes a lean derived table keyed by (ranking, chosen, rejected); which
# revision of a ranking is expanded moves to RankingExpansion; the bulk dataset tables drop
# their database foreign keys and redundant indexes, and so does the stored consensus,
# which now keeps its pairs.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('annotation', '0005_datasets_exports_consensus'),
    ]

    operations = [
        migrations.CreateModel(
            name='RankingExpansion',
            fields=[
                ('ranking', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='expansion', serialize=False, to='annotation.ranking')),
                ('revision', models.PositiveIntegerField()),
            ],
        ),
        migrations.RemoveField(
            model_name='ranking',
            name='expanded_revision',
        ),
        # A primary key cannot be migrated to a composite one: the derived pairs are
        # dropped and the next expansion run makes them again from every ranking.
        migrations.DeleteModel(
            name='RankingPair',
        ),
        migrations.CreateModel(
            name='RankingPair',
            fields=[
                ('pk', models.CompositePrimaryKey('ranking_id', 'chosen_id', 'rejected_id', blank=True, editable=False, primary_key=True, serialize=False)),
                ('ranking', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='pairs', to='annotation.ranking')),
                ('prompt', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='annotation.prompt')),
                ('chosen', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='annotation.completion')),
                ('rejected', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='annotation.completion')),
            ],
        ),
        migrations.AlterField(
            model_name='datasetpair',
            name='chosen',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='annotation.completion'),
        ),
        migrations.AlterField(
            model_name='datasetpair',
            name='prompt',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='annotation.prompt'),
        ),
        migrations.AlterField(
            model_name='datasetpair',
            name='ranking',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='annotation.ranking'),
        ),
        migrations.AlterField(
            model_name='datasetpair',
            name='rejected',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='annotation.completion'),
        ),
        migrations.AlterField(
            model_name='datasetpair',
            name='version',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='pairs', to='annotation.datasetversion'),
        ),
        migrations.AlterField(
            model_name='datasetranking',
            name='ranking',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='annotation.ranking'),
        ),
        migrations.AlterField(
            model_name='datasetranking',
            name='version',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='lineage', to='annotation.datasetversion'),
        ),
        migrations.AlterField(
            model_name='promptconsensus',
            name='project',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='annotation.project'),
        ),
        migrations.AlterField(
            model_name='promptconsensus',
            name='prompt',
            field=models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='consensus', to='annotation.prompt'),
        ),
        migrations.AddField(
            model_name='promptconsensus',
            name='pairs',
            field=models.JSONField(default=list, help_text='[chosen, rejected, raters agreeing, raters disagreeing, raters tying] for every pair the tiers order.'),
        ),
        # Every stored consensus is computed again, with its pairs, by the next update.
        migrations.RunSQL(
            sql="UPDATE annotation_promptconsensus SET fingerprint = ''",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
