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
        ("casework", "0013_case_number_sequences"),
        ("hub", "0003_audit_actor_one_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.AlterField(
            model_name="case",
            name="force",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="hub.force",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="responsible",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="responsible_cases",
                to=settings.AUTH_USER_MODEL,
                verbose_name="responsible VCC",
            ),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="case",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="casework.case",
            ),
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=state_operations,
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "casework_case_force_id_304163ec"; DROP INDEX IF EXISTS "casework_case_responsible_id_c4053e23"; DROP INDEX IF EXISTS "casework_caseevent_case_id_46aaa1c4"',
                    'CREATE INDEX IF NOT EXISTS "casework_case_force_id_304163ec" ON "casework_case" (force_id); CREATE INDEX IF NOT EXISTS "casework_case_responsible_id_c4053e23" ON "casework_case" (responsible_id); CREATE INDEX IF NOT EXISTS "casework_caseevent_case_id_46aaa1c4" ON "casework_caseevent" (case_id)',
                )
            ],
        ),
    ]
