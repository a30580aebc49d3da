"""Drop the single-column indexes that a composite index already leads with.

Each was written for every row inserted and read by no query the composite does not
serve. Only the indexes go: the foreign key constraints stay as they are (the
``AlterField`` Django would run drops and re-adds each constraint, re-checking every row
under an exclusive lock).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hub", "0002_audit_log"),
    ]

    state_operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=state_operations,
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "hub_auditevent_actor_id_2f4612b7"',
                    'CREATE INDEX IF NOT EXISTS "hub_auditevent_actor_id_2f4612b7" ON "hub_auditevent" (actor_id)',
                )
            ],
        ),
    ]
