"""Indexes for finding a plate without its province character, by a part or its last digits.

drivers/search.py matches such a search as a prefix of one of the plate's tails from its
2nd, 3rd, 4th or 5th character (``SUBSTR(plate, N)``): any part of four characters or more
after the province character starts one of them. Each tail gets an index on its expression,
in each engine's words: PostgreSQL matches ``LIKE 'x%'`` only through the pattern operator
class, SQLite reads a range through the plain expression index.
"""

from django.db import migrations

TAILS = (2, 3, 4, 5)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for start in TAILS:
        name = f"vehicle_plate_from_{start}_idx"
        if vendor == "postgresql":
            expression = f'(SUBSTRING("plate", {start})) text_pattern_ops'
        else:
            expression = f'SUBSTR("plate", {start})'
        schema_editor.execute(f'CREATE INDEX "{name}" ON "drivers_vehicle" ({expression})')


def drop(apps, schema_editor):
    for start in TAILS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "vehicle_plate_from_{start}_idx"')


class Migration(migrations.Migration):
    dependencies = [("drivers", "0007_merge_personal_key_import_heartbeat")]

    operations = [migrations.RunPython(create, drop)]
