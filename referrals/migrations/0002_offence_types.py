"""Load the Home Office offence classes the Hub's rules need (editable in the admin)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "offence_types.csv"


def load(apps, schema_editor):
    offence_type = apps.get_model("referrals", "OffenceType")
    with DATA.open(newline="") as handle:
        for row in csv.DictReader(handle):
            offence_type.objects.update_or_create(
                code=row["code"],
                defaults={
                    "description": row["description"],
                    "category": row["category"],
                    "most_serious": row["most_serious"] == "1",
                },
            )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
