# The lookup hashes become NULL when empty so that they carry plain unique indexes
# (a partial index is not used by "id_hash IN (...)" lookups on SQLite).

from django.db import migrations, models


def blank_to_null(apps, schema_editor):
    Driver = apps.get_model("drivers", "Driver")
    Driver.objects.filter(id_hash="").update(id_hash=None)
    Driver.objects.filter(phone_hash="").update(phone_hash=None)


class Migration(migrations.Migration):
    dependencies = [
        ("drivers", "0002_driver_current_node"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="driver",
            name="driver_id_hash_unique",
        ),
        migrations.RemoveConstraint(
            model_name="driver",
            name="driver_phone_hash_unique",
        ),
        migrations.AlterField(
            model_name="driver",
            name="id_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="driver",
            name="phone_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(blank_to_null, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="driver",
            name="id_hash",
            field=models.CharField(
                blank=True, editable=False, max_length=64, null=True, unique=True
            ),
        ),
        migrations.AlterField(
            model_name="driver",
            name="phone_hash",
            field=models.CharField(
                blank=True, editable=False, max_length=64, null=True, unique=True
            ),
        ),
    ]
