"""Indexes for the staff search (``casework.search``): trigram indexes on the victim's
names, and indexes on the keys identifiers are compared by.

GiST rather than GIN for the names: on 25,000 short names PostgreSQL plans GIN trigram
scans as dearer than reading the table (and reading it costs ~100 ms of similarity
sums), while a GiST scan takes a few milliseconds and is planned as such.

The expressions are those ``casework.search`` builds (``compact_key``, ``phone_key``,
``email_key``): PostgreSQL uses an expression index only for the same expression. They are
written as SQL, outside the models' state, because Django cannot yet declare an index on
a function it has no class for (``REGEXP_REPLACE``).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "person_given_name_trgm": "referrals_person USING gist (given_name gist_trgm_ops)",
    "person_family_name_trgm": "referrals_person USING gist (family_name gist_trgm_ops)",
    "person_postcode_key": "referrals_person (REGEXP_REPLACE(UPPER(postcode), '[^A-Z0-9]', '', 'g'))",
    "person_phone_key": "referrals_person (REGEXP_REPLACE(REGEXP_REPLACE(phone, '[^0-9]', '', 'g'), '^(00)?44(0)?', '0'))",
    "person_email_key": "referrals_person (LOWER(email))",
    "crime_reference_key": "referrals_crimereport (REGEXP_REPLACE(UPPER(reference), '[^A-Z0-9]', '', 'g'))",
}


class Migration(migrations.Migration):
    dependencies = [("referrals", "0002_offence_types")]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(
            sql=[f"CREATE INDEX {name} ON {target}" for name, target in INDEXES.items()],
            reverse_sql=[f"DROP INDEX {name}" for name in INDEXES],
        ),
    ]
