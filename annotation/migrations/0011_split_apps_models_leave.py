"""The app split (issue 18), second half: the moved models leave annotation's migration state
once their new apps and training point at them; the tables stay (they are the new apps' now)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('annotation', '0010_split_apps_fields_leave'),
        ('training', '0004_split_apps_foreign_keys'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.DeleteModel(
                name='DatasetVersion',
            ),
            migrations.DeleteModel(
                name='ExportJob',
            ),
            migrations.DeleteModel(
                name='Membership',
            ),
            migrations.DeleteModel(
                name='Project',
            ),
            migrations.DeleteModel(
                name='PromptConsensus',
            ),
            migrations.DeleteModel(
                name='RankingExpansion',
            ),
            migrations.DeleteModel(
                name='RankingPair',
            ),
            ],
            database_operations=[],
        ),
    ]
