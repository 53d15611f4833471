"""The audit log, the access log and the request transitions are append-only in the database.

UPDATE and DELETE (and TRUNCATE on PostgreSQL) are refused to raw SQL through Django and to
any other client (a plain ``sqlite3`` or ``psycopg`` connection, as the ``sqlite3`` shell or
``psql`` would open); the maintenance paths still work: ``flush`` (the test suite's reset)
and ``driverhome restore``. See ``core/append_only.py``.
"""

from __future__ import annotations

import sqlite3

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from driverhome.accounts import audit
from driverhome.accounts.models import AccessLog, AppendOnly, AuditLog
from driverhome.appeals.models import Transition
from driverhome.appeals.tests.factories import driver_for, file
from driverhome.core import append_only
from tests.conftest import DB_NAME, driverhome

TABLES = ["accounts_auditlog", "accounts_accesslog", "appeals_transition"]

# Rows another client may still add (INSERT is allowed); the request a transition points to
# need not exist: foreign keys are checked at commit (PostgreSQL) or not at all (a plain
# sqlite3 connection), and these transactions are rolled back.
INSERTS = {
    "accounts_auditlog": (
        "INSERT INTO accounts_auditlog (at, actor_label, action, object_type, object_id, "
        "object_repr, changes, note, request_id) "
        "VALUES ('2026-01-01 00:00:00', '', 'x.y', 't', '1', '', '{}', '', '')"
    ),
    "accounts_accesslog": (
        "INSERT INTO accounts_accesslog (at, actor_label, subject_type, subject_id, "
        "subject_repr, field, reason) VALUES ('2026-01-01 00:00:00', '', 't', '1', '', 'phone', '')"
    ),
    "appeals_transition": (
        "INSERT INTO appeals_transition (appeal_id, from_status, to_status, actor_label, target, "
        "note, public_note, public, at) "
        "VALUES (999999, '', 'collected', '', '', '', '', TRUE, '2026-01-01 00:00:00')"
    ),
}


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def test_every_append_only_model_has_its_triggers(db):
    """A new append-only model needs its triggers; a migration that rebuilds one of these
    tables on SQLite (which drops its triggers) must put them back."""
    models = [m for m in apps.get_models() if issubclass(m, AppendOnly)]
    assert sorted(m._meta.db_table for m in models) == sorted(TABLES)
    for table in TABLES:
        expected = append_only.expected_triggers(connection.vendor, table)
        assert expected <= append_only.triggers(connection, table), table


@pytest.fixture
def rows(personas, orgs):
    """One committed-looking row per append-only table: {table: pk}."""
    entry = audit.record(personas["admin"], "test.thing", organisation=orgs["xiapu"])
    access = audit.record_access(personas["admin"], orgs["xiapu"], "phone", reason="check")
    driver = driver_for(personas["driver"], orgs["xiapu"])
    appeal = file(personas["driver"], driver=driver)
    return {
        "accounts_auditlog": entry.pk,
        "accounts_accesslog": access.pk,
        "appeals_transition": appeal.transitions.get().pk,
        "appeal": appeal,
    }


def refused(sql: str, params=()) -> str:
    with pytest.raises(DatabaseError, match="append-only") as error:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    return str(error.value)


@pytest.mark.django_db
@pytest.mark.parametrize("table", TABLES)
def test_raw_sql_through_django_is_refused(rows, table):
    pk = rows[table]
    refused(f"UPDATE {table} SET at = at WHERE id = %s", [pk])  # noqa: S608 - fixed names
    refused(f"DELETE FROM {table} WHERE id = %s", [pk])  # noqa: S608
    if is_postgresql():
        with connection.cursor() as cursor:  # TRUNCATE waits for no deferred foreign-key check
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        refused(f"TRUNCATE {table} CASCADE")
        refused("TRUNCATE accounts_user CASCADE")  # reaches the logs through foreign keys
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE id = %s", [pk])  # noqa: S608
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db
def test_maintenance_allows_delete_but_never_update(rows):
    pk = rows["accounts_auditlog"]
    with append_only.maintenance():
        refused("UPDATE accounts_auditlog SET note = 'x' WHERE id = %s", [pk])
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_auditlog WHERE id = %s", [pk])
            assert cursor.rowcount == 1
    # The block is over: refused again (the flag and PostgreSQL's SET LOCAL are reset).
    refused("DELETE FROM accounts_accesslog WHERE id = %s", [rows["accounts_accesslog"]])


@pytest.mark.django_db
def test_the_orm_refuses_too_and_a_request_is_never_deleted(rows):
    transition = Transition.objects.get(pk=rows["appeals_transition"])
    for attempt in (
        lambda: Transition.objects.filter(pk=transition.pk).update(note="x"),
        lambda: Transition.objects.filter(pk=transition.pk).delete(),
        lambda: rows["appeal"].transitions.all().delete(),
        transition.delete,
        transition.save,
    ):
        with pytest.raises(PermissionError):
            attempt()
    with pytest.raises(ProtectedError):
        rows["appeal"].delete()


# --- another client: the sqlite3 shell, psql -------------------------------------------------------


def other_client_refusals(conn, *, postgresql: bool) -> dict[str, list[str]]:
    """Insert a row per table, then try to change and remove it; {table: [errors]}."""
    errors: dict[str, list[str]] = {}
    for table in TABLES:
        errors[table] = []
        statements = [f"UPDATE {table} SET at = at", f"DELETE FROM {table}"]  # noqa: S608
        if postgresql:
            statements.append(f"TRUNCATE {table}")
        for sql in statements:
            if not sql.startswith("TRUNCATE"):  # a statement trigger: fires on an empty table too
                conn.execute(INSERTS[table])
            try:
                conn.execute(sql)
            except Exception as exc:  # noqa: BLE001 - the driver's own error class
                errors[table].append(f"{sql.split()[0]}: {exc}")
            conn.rollback()
    return errors


@pytest.mark.django_db
def test_another_client_cannot_update_or_delete(request):
    if is_postgresql():
        import psycopg

        settings = connection.settings_dict
        conn = psycopg.connect(
            dbname=settings["NAME"],
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
            user=settings["USER"] or None,
            password=settings["PASSWORD"] or None,
        )
    else:  # the test database is in memory: a file database migrated by `driverhome migrate`
        data_dir = request.getfixturevalue("migrated_data_dir")
        conn = sqlite3.connect(data_dir / DB_NAME)
    try:
        errors = other_client_refusals(conn, postgresql=is_postgresql())
    finally:
        conn.close()
    for table, messages in errors.items():
        assert len(messages) == (3 if is_postgresql() else 2), (table, messages)
        update, delete, *truncate = messages
        assert "append-only" in update
        if is_postgresql():
            assert "append-only (DELETE refused)" in delete
            assert "append-only (TRUNCATE refused)" in truncate[0]
        else:  # the guard's function exists on the platform's own connections only
            assert "no such function: driverhome_maintenance" in delete


# --- the maintenance paths ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_append_only_tables(personas, orgs):
    """``flush`` (and the flush between transactional tests, after this one) still works."""
    audit.record(personas["admin"], "test.thing", organisation=orgs["xiapu"])
    audit.record_access(personas["admin"], orgs["xiapu"], "phone")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditLog.objects.exists() and not AccessLog.objects.exists()
    audit.record(None, "after.flush")
    refused("DELETE FROM accounts_auditlog")  # and the guard is back on
    if is_postgresql():
        refused("TRUNCATE accounts_auditlog")


def quiet():
    return open("/dev/null", "w")  # noqa: SIM115 - closed with the test process


ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.mark.slow
@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL: the SQLite case is the test below")
@pytest.mark.django_db(transaction=True)
def test_restore_brings_back_the_rows_and_the_guard_postgresql(personas, orgs, tmp_path):
    """``pg_restore --clean`` drops and recreates the tables (no row is deleted) and the
    restored tables keep their triggers."""
    archive = tmp_path / "backup.tar.gz"
    audit.record(personas["admin"], "before.backup", organisation=orgs["xiapu"])
    call_command("backup", out=str(archive), no_uploads=True, stdout=quiet())
    audit.record(personas["admin"], "after.backup", organisation=orgs["xiapu"])
    call_command("restore", str(archive), yes=True, no_uploads=True, stdout=quiet())
    assert list(AuditLog.objects.values_list("action", flat=True)) == ["before.backup"]
    for table in TABLES:
        expected = append_only.expected_triggers("postgresql", table)
        assert expected <= append_only.triggers(connection, table)
    refused("DELETE FROM accounts_auditlog")
    refused("TRUNCATE accounts_auditlog")


@pytest.mark.slow
@pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite: runs in the SQLite pass")
def test_restore_brings_back_the_rows_and_the_guard_sqlite(migrated_data_dir, tmp_path):
    """SQLite's backup API copies pages (no row is deleted); the restored file keeps its
    triggers, and the platform's own ``flush`` still empties it."""
    archive = tmp_path / "backup.tar.gz"
    db = migrated_data_dir / DB_NAME

    def add(action: str) -> None:
        with sqlite3.connect(db) as conn:
            conn.execute(INSERTS["accounts_auditlog"].replace("'x.y'", f"'{action}'"))

    add("before.backup")
    driverhome(migrated_data_dir, "backup", "--out", str(archive), "--no-uploads")
    add("after.backup")
    driverhome(migrated_data_dir, "restore", str(archive), "--yes", "--no-uploads")
    conn = sqlite3.connect(db)
    try:
        actions = conn.execute("SELECT action FROM accounts_auditlog").fetchall()
        assert actions == [("before.backup",)]
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
        for table in TABLES:
            assert append_only.expected_triggers("sqlite", table) <= names
        with pytest.raises(sqlite3.OperationalError, match="no such function"):
            conn.execute("DELETE FROM accounts_auditlog")
    finally:
        conn.close()
    driverhome(migrated_data_dir, "flush", "--no-input")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM accounts_auditlog").fetchone()[0] == 0
