# A migration of its own: on PostgreSQL a table cannot be altered in the transaction that
# wrote rows referring to it, as 0004 did.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0004_assessor_records_are_versioned"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="evidenceitem",
            name="acknowledged_at",
        ),
        migrations.RemoveField(
            model_name="evidenceitem",
            name="acknowledgement",
        ),
    ]
