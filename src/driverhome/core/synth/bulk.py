"""Fast inserts for synthetic data: explicit primary keys, ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Rows are dicts of attribute names (``organisation_id``, not ``organisation``);
missing fields take the model field's default, evaluated per row when the
default is callable (UUIDs, timestamps). Values go through each field's
``get_db_prep_save`` unless the field is a plain Django scalar, so encrypted
fields are encrypted and JSON, dates and UUIDs stored as the application reads them.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from django.core.management.color import no_style
from django.db import connection, models, transaction

_PLAIN = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "FloatField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
    "URLField",
}

BATCH = 20_000

# Set by ``synth.run``: callable defaults (UUIDs, "now") become deterministic for a seed.
SEED: int | None = None
NOW: datetime | None = None


def next_id(model) -> int:
    value = model.objects.aggregate(top=models.Max("pk"))["top"]
    return (value or 0) + 1


def reset_sequences(*model_list) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT follows the largest explicit key by itself
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _sqlite_datetime(value):
    # As Django stores it on SQLite: naive UTC, ``str(datetime)``.
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return str(value)


def _converter(f):
    """A fast conversion for Django's own scalar fields; the field's own for anything else."""
    internal = f.get_internal_type()
    own = type(f).__module__.startswith("django.")
    if own and internal in _PLAIN:
        return None
    sqlite = connection.vendor == "sqlite"
    if own and internal == "DateTimeField":
        return _sqlite_datetime if sqlite else None
    if own and internal == "DateField":
        return str if sqlite else None
    if own and internal == "UUIDField":
        return (lambda v: v.hex) if sqlite else None
    if own and internal == "JSONField" and f.encoder is None:
        return lambda v: json.dumps(v)
    return lambda v: f.get_db_prep_save(v, connection)


class Inserter:
    """``Inserter(Model).write(rows)``: insert dict rows in batches; returns how many."""

    def __init__(self, model, *, progress=None):
        self.model = model
        self.progress = progress
        self.fields = list(model._meta.concrete_fields)
        self.table = model._meta.db_table
        self.columns = [f.column for f in self.fields]
        quote = connection.ops.quote_name
        self.column_sql = ", ".join(quote(c) for c in self.columns)
        self.table_sql = quote(self.table)
        self.pk_name = model._meta.pk.attname
        self._next_pk = None
        self._converters = []
        self._defaults = []
        for f in self.fields:
            self._converters.append(_converter(f))
            if f.has_default() and callable(f.default):
                self._defaults.append(self._deterministic_default(f))
            else:
                self._defaults.append(("value", f.get_default()))

    def _deterministic_default(self, f):
        internal = f.get_internal_type()
        if SEED is not None and internal == "UUIDField":
            rng = random.Random(f"{SEED}:{self.table}:{f.column}")
            return ("fn", lambda: uuid.UUID(int=rng.getrandbits(128), version=4))
        if NOW is not None and internal == "DateTimeField":
            return ("fn", lambda: NOW)
        if NOW is not None and internal == "DateField":
            return ("fn", lambda: NOW.date())
        return ("call", f)

    def _row(self, values: dict) -> tuple:
        if self.pk_name not in values:
            # Keys are assigned here (not by the database) so COPY and executemany behave alike.
            if self._next_pk is None:
                self._next_pk = next_id(self.model)
            values[self.pk_name] = self._next_pk
            self._next_pk += 1
        out = []
        for f, conv, (how, default) in zip(
            self.fields, self._converters, self._defaults, strict=True
        ):
            if f.attname in values:
                value = values[f.attname]
            elif f.name in values:
                value = values[f.name]
            elif how == "call":
                value = default.get_default()
            elif how == "fn":
                value = default()
            else:
                value = default
            if conv is not None and value is not None:
                value = conv(value)
            out.append(value)
        return tuple(out)

    def write(self, rows: Iterable[dict]) -> int:
        total = 0
        batch: list[tuple] = []
        for values in rows:
            batch.append(self._row(values))
            if len(batch) >= BATCH:
                total += self._flush(batch)
                batch = []
        if batch:
            total += self._flush(batch)
        return total

    def _flush(self, batch: list[tuple]) -> int:
        with transaction.atomic():
            connection.ensure_connection()
            raw = connection.connection
            if connection.vendor == "postgresql":
                with raw.cursor() as cursor:
                    with cursor.copy(
                        f"COPY {self.table_sql} ({self.column_sql}) FROM STDIN"
                    ) as copy:
                        for row in batch:
                            copy.write_row(row)
            else:
                # Table and column names come from the model's metadata, quoted; values are bound.
                marks = ", ".join("?" * len(self.columns))
                sql = f"INSERT INTO {self.table_sql} ({self.column_sql}) VALUES ({marks})"  # noqa: S608
                raw.executemany(sql, batch)
        if self.progress is not None:
            self.progress.advance(len(batch))
        return len(batch)
