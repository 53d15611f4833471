"""``driverhome rotate-keys``: re-encrypt every protected value under the newest key.

Put the new key first in DRIVERHOME_FIELD_KEYS (keep the old ones after it), run
this command, then remove the old keys. Rows are re-encrypted in batches, each in
its own transaction; running it twice is harmless.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from driverhome.core import pii

BATCH = 1000


def encrypted_fields():
    for model in apps.get_models():
        names = [
            f.attname for f in model._meta.concrete_fields if isinstance(f, pii.EncryptedTextField)
        ]
        if names:
            yield model, names


class Command(BaseCommand):
    help = "Re-encrypt every protected value (ID and phone numbers ...) under the newest key."

    def handle(self, *args, **options):
        total = 0
        for model, names in encrypted_fields():
            table = model._meta.db_table
            count = 0
            last = 0
            while True:
                # Read the ciphertext as stored (values(), no decryption through the field).
                rows = _raw_batch(model, names, last)
                if not rows:
                    break
                with transaction.atomic():
                    for pk, *tokens in rows:
                        values = {}
                        for name, token in zip(names, tokens, strict=True):
                            if token:
                                values[name] = pii.rotate(token)
                        if values:
                            _raw_update(model, pk, values)
                            count += 1
                last = rows[-1][0]
            total += count
            self.stdout.write(f"{table}: {count} rows re-encrypted")
        self.stdout.write(f"done: {total} rows")


def _raw_batch(model, names, last):
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)
    with connection.cursor() as cursor:
        cursor.execute(
            # identifiers come from model metadata and are quoted; values are parameters
            f"SELECT {pk}, {columns} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT {BATCH}",  # noqa: S608
            [last],
        )
        return cursor.fetchall()


def _raw_update(model, pk, values):
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    sets = ", ".join(
        f"{connection.ops.quote_name(model._meta.get_field(n).column)} = %s" for n in values
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} WHERE {pk_column} = %s",  # noqa: S608
            [*values.values(), pk],
        )
