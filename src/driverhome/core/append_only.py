"""Append-only tables, enforced by the database: UPDATE is always refused, DELETE (and on
PostgreSQL TRUNCATE) only inside a maintenance block of this platform's own code.

The audit log, the access log and the request transitions are history: no client may
change or remove a row. The ORM refuses it (``accounts.models.AppendOnly``); the triggers
installed here refuse it for every other client as well (the ``sqlite3`` shell, ``psql``,
raw SQL through Django):

* ``UPDATE``: a trigger that always raises. No path of the platform updates these rows.
* ``DELETE``: a trigger that raises unless the statement runs inside :func:`maintenance`.
  Wiping the whole database is the one legitimate delete: the test suite's flush between
  transactional tests (``flush`` runs inside :func:`maintenance`, see
  ``core/management/commands/flush.py``). Restores do not delete rows: SQLite's backup API
  copies pages, ``pg_restore --clean`` drops and recreates the tables.

  - SQLite: ``WHEN NOT driverhome_maintenance()``. The function exists only on Django's
    connections (registered on ``connection_created``) and answers the flag that
    :func:`maintenance` sets on that connection, in this thread. Any other client fails
    with "no such function: driverhome_maintenance", so the delete is refused there too.
  - PostgreSQL: the trigger lets the row go only when the transaction-local setting
    ``driverhome.maintenance`` is ``on``; :func:`maintenance` sets it with
    ``set_config(..., true)`` (``SET LOCAL``), so it never outlives the block's transaction.
    A statement-level ``BEFORE TRUNCATE`` trigger does the same for ``TRUNCATE``, which
    skips row triggers and would otherwise empty the table in one statement (also when it
    is reached through ``TRUNCATE accounts_user CASCADE``).

Limits: the guard is as strong as the database's own access control. Whoever owns the
tables (or is a superuser, or can write the SQLite file) can drop or disable a trigger;
on PostgreSQL any client can also set ``driverhome.maintenance`` itself. The triggers
stop mistakes and casual tampering and make deliberate tampering a visible act; the
threat model in ``docs/security.md`` says what protects against the owner.

Migrations call :func:`install` and :func:`uninstall`; keep their behaviour stable (add a
new function rather than changing what an applied migration did).
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

SETTING = "driverhome.maintenance"
FUNCTION = "driverhome_maintenance"  # SQLite: the flag, registered on Django's connections
_FLAG = "driverhome_maintenance"  # attribute of the Django connection wrapper


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: give Django's SQLite connections the flag function."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        FUNCTION, 0, lambda: 1 if getattr(connection, _FLAG, False) else 0
    )


@contextmanager
def maintenance(using: str = DEFAULT_DB_ALIAS):
    """Allow DELETE (and TRUNCATE) on the append-only tables, in one transaction, on this
    connection only. UPDATE stays refused."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [SETTING])
        previous = getattr(connection, _FLAG, False)
        setattr(connection, _FLAG, True)
        try:
            yield connection
            if connection.vendor == "postgresql":  # a rollback would undo it as well
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, 'off', true)", [SETTING])
        finally:
            setattr(connection, _FLAG, previous)


# --- the triggers (called by migrations) ----------------------------------------------------------

_PG_REFUSE_UPDATE = (
    "CREATE OR REPLACE FUNCTION driverhome_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql;"
)
_PG_REFUSE_DELETE = (
    "CREATE OR REPLACE FUNCTION driverhome_append_only_delete() RETURNS trigger AS $$ "
    "BEGIN "
    f"IF coalesce(current_setting('{SETTING}', true), '') = 'on' THEN "
    "IF TG_LEVEL = 'ROW' THEN RETURN OLD; END IF; RETURN NULL; "
    "END IF; "
    "RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP; "
    "END; $$ LANGUAGE plpgsql;"
)


def _statements(vendor: str, table: str, *, update: bool) -> list[str]:
    if vendor == "sqlite":
        refuse = f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
        statements = [
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"WHEN NOT {FUNCTION}() {refuse}"
        ]
        if update:
            statements.insert(
                0, f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} {refuse}"
            )
        return statements
    if vendor == "postgresql":
        statements = [
            _PG_REFUSE_DELETE,
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION driverhome_append_only_delete();",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION driverhome_append_only_delete();",
        ]
        if update:
            statements[1:1] = [
                _PG_REFUSE_UPDATE,
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION driverhome_append_only();",
            ]
        return statements
    return []


def install(schema_editor, table: str, *, update: bool = True) -> None:
    """Create the triggers of an append-only table (``update=False``: the UPDATE trigger
    exists already, from ``accounts/migrations/0002``)."""
    _run(schema_editor, _statements(schema_editor.connection.vendor, table, update=update))


def uninstall(schema_editor, table: str, *, update: bool = True) -> None:
    vendor = schema_editor.connection.vendor
    names = [f"{table}_no_delete"] + ([f"{table}_append_only"] if update else [])
    if vendor == "postgresql":
        names.append(f"{table}_no_truncate")
    on = f" ON {table}" if vendor == "postgresql" else ""
    _run(schema_editor, [f"DROP TRIGGER IF EXISTS {name}{on};" for name in names])


def _run(schema_editor, statements: list[str]) -> None:
    for sql in statements:
        schema_editor.execute(sql, params=None)  # no placeholders: the % belong to PL/pgSQL


def triggers(connection, table: str) -> set[str]:
    """Names of the triggers on ``table`` (a table rebuilt by a migration loses them on SQLite)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
        return {row[0] for row in cursor.fetchall()}


def expected_triggers(vendor: str, table: str) -> set[str]:
    names = {f"{table}_append_only", f"{table}_no_delete"}
    if vendor == "postgresql":
        names.add(f"{table}_no_truncate")
    return names
