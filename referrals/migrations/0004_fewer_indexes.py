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
        ("hub", "0003_audit_actor_one_index"),
        ("referrals", "0003_search_indexes"),
    ]

    state_operations = [
        migrations.AlterField(
            model_name="crimereport",
            name="force",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="crimes",
                to="hub.force",
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="match_key",
            field=models.CharField(blank=True, editable=False, max_length=260),
        ),
        migrations.AlterField(
            model_name="referral",
            name="api_client",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="referrals",
                to="referrals.apiclient",
            ),
        ),
        migrations.AlterField(
            model_name="referral",
            name="force",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="referrals",
                to="hub.force",
            ),
        ),
        migrations.AlterField(
            model_name="referral",
            name="person",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="referrals",
                to="referrals.person",
            ),
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=state_operations,
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "referrals_crimereport_force_id_f9631ac8"; DROP INDEX IF EXISTS "referrals_person_match_key_0edf7aed"; DROP INDEX IF EXISTS "referrals_person_match_key_0edf7aed_like"; DROP INDEX IF EXISTS "referrals_referral_api_client_id_26dbbd76"; DROP INDEX IF EXISTS "referrals_referral_force_id_6cf62347"; DROP INDEX IF EXISTS "referrals_referral_person_id_179a7a6c"',
                    'CREATE INDEX IF NOT EXISTS "referrals_crimereport_force_id_f9631ac8" ON "referrals_crimereport" (force_id); CREATE INDEX IF NOT EXISTS "referrals_person_match_key_0edf7aed" ON "referrals_person" (match_key); CREATE INDEX IF NOT EXISTS "referrals_person_match_key_0edf7aed_like" ON "referrals_person" (match_key varchar_pattern_ops); CREATE INDEX IF NOT EXISTS "referrals_referral_api_client_id_26dbbd76" ON "referrals_referral" (api_client_id); CREATE INDEX IF NOT EXISTS "referrals_referral_force_id_6cf62347" ON "referrals_referral" (force_id); CREATE INDEX IF NOT EXISTS "referrals_referral_person_id_179a7a6c" ON "referrals_referral" (person_id)',
                )
            ],
        ),
    ]
