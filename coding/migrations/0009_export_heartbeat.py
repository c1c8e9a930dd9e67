"""Exports run in a task worker: a heartbeat shows a job whose worker died, the attempts count its runs."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('coding', '0008_watchlist_former_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='exportjob',
            name='task_id',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='exportjob',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='exportjob',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
