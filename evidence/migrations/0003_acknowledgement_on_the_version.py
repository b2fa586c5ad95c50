"""An acknowledgement belongs to the version of an assessor's record it was given for.

Its data moves in 0004, in a transaction of its own: on PostgreSQL a table cannot be altered
(here, its new foreign key indexed) in the transaction that wrote rows to it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0002_mapping_decisions_and_assessor_records"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="evidenceversion",
            name="acknowledged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="evidenceversion",
            name="acknowledged_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="evidenceversion",
            name="acknowledgement",
            field=models.TextField(blank=True),
        ),
    ]
