"""Request transitions are append-only in the database as well as in the ORM: UPDATE is
refused, DELETE (and TRUNCATE on PostgreSQL) too outside the platform's maintenance block
(``core/append_only.py``). A request is never deleted, so its transitions are protected
rather than cascaded."""

import django.db.models.deletion
from django.db import migrations, models

from driverhome.core import append_only

TABLE = "appeals_transition"


def create(apps, schema_editor):
    append_only.install(schema_editor, TABLE)


def drop(apps, schema_editor):
    append_only.uninstall(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_append_only_delete"),
        ("appeals", "0006_due_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="transition",
            name="appeal",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="transitions",
                to="appeals.appeal",
            ),
        ),
        migrations.RunPython(create, drop),
    ]
