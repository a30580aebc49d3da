"""Drop the single-column indexes that a composite index already leads with.

Each was written for every row inserted and read by no query the composite does not
serve. Only the indexes go: the foreign key constraints stay as they are (the
``AlterField`` Django would run drops and re-adds each constraint, re-checking every row
under an exclusive lock).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0014_fewer_indexes"),
        ("letters", "0004_closing_letter"),
    ]

    state_operations = [
        migrations.AlterField(
            model_name="letter",
            name="case",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="letters",
                to="casework.case",
            ),
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=state_operations,
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "letters_letter_case_id_5eca53e6"',
                    'CREATE INDEX IF NOT EXISTS "letters_letter_case_id_5eca53e6" ON "letters_letter" (case_id)',
                )
            ],
        ),
    ]
