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
from contextlib import contextmanager
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


# Parallel workers write disjoint key ranges: {table: [(start, end) per group]}; ``use_blocks``
# picks this process's range, and ``next_id`` then answers inside it.
BLOCKS: dict[str, list[tuple[int, int]]] = {}
_GROUP: int | None = None
_UUID_STREAMS: dict[str, random.Random] = {}


def _max_pk(model, lo: int | None = None, hi: int | None = None) -> int | None:
    qs = model._base_manager.all()
    if lo is not None:
        qs = qs.filter(pk__gte=lo, pk__lt=hi)
    return qs.aggregate(top=models.Max("pk"))["top"]


def next_id(model) -> int:
    table = model._meta.db_table
    if _GROUP is not None:
        if table not in BLOCKS:
            raise RuntimeError(f"no key range planned for {table} in parallel generation")
        lo, hi = BLOCKS[table][_GROUP]
        top = _max_pk(model, lo, hi)
        return lo if top is None else top + 1
    return (_max_pk(model) or 0) + 1


def use_blocks(group: int | None) -> None:
    global _GROUP
    _GROUP = group


def plan_blocks(ctx, plans) -> None:
    """Reserve a key range per table and group, sized from the group's share of the rows."""
    from django.apps import apps

    def drivers(p):
        return p[3] - p[2]

    def share(total, p):
        n = ctx.sizes.drivers or 1
        return total * p[3] // n - total * p[2] // n

    sizes = {
        "accounts.User": lambda p: drivers(p) + 10,
        "drivers.Driver": None,  # keyed by the driver's index: first id + index
        "drivers.FamilyMember": lambda p: 5 * drivers(p) + 10,
        "drivers.Vehicle": lambda p: drivers(p) + 10,
        "drivers.EmploymentHistory": lambda p: drivers(p) + 10,
        "drivers.Consent": lambda p: drivers(p) + 10,
        "drivers.Building": lambda p: 20 * len(p[1]) + 10,
        "drivers.Apartment": lambda p: 1000 * len(p[1]) + 10,
        "drivers.Allocation": lambda p: 1000 * len(p[1]) + 10,
        "drivers.WaitingListEntry": lambda p: 100 * len(p[1]) + 10,
        "stations.CheckIn": lambda p: 3 * drivers(p) + 10,
        "stations.Review": lambda p: 3 * drivers(p) + 10,
        "services.ServiceRecord": lambda p: share(ctx.sizes.services, p) + 10,
        "appeals.Appeal": lambda p: share(ctx.sizes.requests, p) + 10,
        "appeals.Transition": lambda p: 14 * share(ctx.sizes.requests, p) + 10,
        "appeals.ReturnVisit": lambda p: 4 * share(ctx.sizes.requests, p) + 10,
        "events.Event": lambda p: 2000 * len(p[1]) + 10,
        "events.CheckIn": lambda p: 150_000 * len(p[1]) + 10,
        "events.Feedback": lambda p: 150_000 * len(p[1]) + 10,
    }
    BLOCKS.clear()
    for label, size in sizes.items():
        if size is None:
            continue
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        start = (_max_pk(model) or 0) + 1
        ranges = []
        for plan in plans:
            end = start + size(plan)
            ranges.append((start, end))
            start = end
        BLOCKS[model._meta.db_table] = ranges


def reset_all_sequences() -> None:
    from django.apps import apps

    labels = ("accounts", "drivers", "stations", "services", "appeals", "events")
    reset_sequences(*[m for m in apps.get_models() if m._meta.app_label in labels])


def reset_sequences(*model_list) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT follows the largest explicit key by itself
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


# The tables that take millions of rows at province scale.
BIG_TABLES = (
    "drivers_driver",
    "drivers_familymember",
    "drivers_vehicle",
    "drivers_employmenthistory",
    "drivers_consent",
    "stations_checkin",
    "stations_review",
    "services_servicerecord",
    "appeals_appeal",
    "appeals_transition",
    "appeals_returnvisit",
    "events_checkin",
    "events_feedback",
)


@contextmanager
def deferred_indexes(tables=BIG_TABLES, *, progress=None):
    """On PostgreSQL, drop the plain indexes of ``tables`` while they are loaded and build
    each once afterwards (keys and unique constraints stay).

    Maintaining a dozen indexes row by row costs the server more than the generator's own
    work once an index outgrows the buffer cache; one sorted build per index is far cheaper.
    The indexes are rebuilt whatever happens, with their original definitions.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
              AND NOT i.indisunique AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1
            """,
            [list(tables)],
        )
        saved = cursor.fetchall()
        for name, _definition in saved:
            cursor.execute(f"DROP INDEX {name}")  # the name as PostgreSQL quotes it
    try:
        yield
    finally:
        connection.close()  # the generators' connections may have been closed or forked
        if progress is not None and saved:
            progress.prefix = ""
            progress.start("indexes built", len(saved))
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem TO '256MB'")
            for _name, definition in saved:
                cursor.execute(definition)
                if progress is not None:
                    progress.advance(1)
        if progress is not None and saved:
            progress.finish()


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
            # One stream per table, column and worker, continued by every later Inserter.
            key = f"{SEED}:{self.table}:{f.column}:{_GROUP}"
            rng = _UUID_STREAMS.setdefault(key, random.Random(key))
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
