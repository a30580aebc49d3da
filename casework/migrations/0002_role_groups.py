"""Create the staff roles as groups with their permissions (see hub.roles)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from hub.roles import sync_role_groups


def create_groups(apps, schema_editor):
    # On a fresh database permissions are only created after all migrations; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("hub", "0001_initial"),
        ("referrals", "0002_offence_types"),
        ("assessments", "0001_initial"),
        ("casework", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
