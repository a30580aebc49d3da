import uuid

from django.db import migrations, models


def give_each_service_an_id(apps, schema_editor):
    # A callable default is evaluated once for an added column, so every existing row
    # would share one value; each is given its own before the column becomes unique.
    Service = apps.get_model("casework", "Service")
    for service in Service.objects.filter(uuid__isnull=True).only("pk"):
        service.uuid = uuid.uuid4()
        service.save(update_fields=["uuid"])


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0009_subject_access"),
    ]

    operations = [
        migrations.AddField(
            model_name="service",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(give_each_service_an_id, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="service",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
