"""The audit and access logs refuse DELETE (and TRUNCATE on PostgreSQL) in the database too,
except inside the platform's maintenance block (the test flush): see ``core/append_only.py``.
UPDATE is refused since 0002."""

from django.db import migrations

from driverhome.core import append_only

TABLES = ["accounts_auditlog", "accounts_accesslog"]


def create(apps, schema_editor):
    for table in TABLES:
        append_only.install(schema_editor, table, update=False)


def drop(apps, schema_editor):
    for table in TABLES:
        append_only.uninstall(schema_editor, table, update=False)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_append_only_triggers")]
    operations = [migrations.RunPython(create, drop)]
