"""SQLite writers queue on a lock file instead of sleeping in SQLite's busy handler."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from django.db.utils import ConnectionHandler


def _handler(path, timeout=0.3):
    return ConnectionHandler(
        {
            "default": {
                "ENGINE": "driverhome.core.sqlite",
                "NAME": str(path),
                "OPTIONS": {
                    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                    "transaction_mode": "IMMEDIATE",
                    "timeout": timeout,
                },
            }
        }
    )


@pytest.fixture(autouse=True)
def _own_connections(django_db_blocker):
    """These tests open their own connections to their own files, not the test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "db.sqlite3"
    setup = _handler(path)["default"]
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)")
    setup.close()
    return path


def _lock_is_free(path) -> bool:
    fd = os.open(f"{path}.writelock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_a_second_writer_waits_for_the_first_instead_of_failing(database):
    """SQLite alone (busy timeout 0.3 s) would answer "database is locked" after 0.3 s."""
    holding = threading.Event()
    release = threading.Event()
    errors = []
    order = []

    def writer(name, hold):
        handler = _handler(database)
        conn = handler["default"]
        try:
            conn.ensure_connection()
            conn._start_transaction_under_autocommit()
            with conn.cursor() as cursor:
                cursor.execute("INSERT INTO t (who) VALUES (%s)", [name])
            order.append(name)
            if hold:
                holding.set()
                release.wait(5)
            conn.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            conn.rollback()
        finally:
            conn.close()

    a = threading.Thread(target=writer, args=("a", True))
    a.start()
    assert holding.wait(5)
    b = threading.Thread(target=writer, args=("b", False))
    b.start()
    time.sleep(0.8)  # well past the 0.3 s busy timeout
    assert b.is_alive(), "the second writer should still be waiting"
    release.set()
    a.join(5)
    b.join(5)
    assert not errors, errors
    assert order == ["a", "b"]
    check = _handler(database)["default"]
    with check.cursor() as cursor:
        cursor.execute("SELECT who FROM t ORDER BY id")
        assert [row[0] for row in cursor.fetchall()] == ["a", "b"]
    check.close()


def test_the_lock_is_released_on_commit_on_rollback_and_on_close(database):
    conn = _handler(database)["default"]
    conn.ensure_connection()
    conn._start_transaction_under_autocommit()
    assert not _lock_is_free(database)
    conn.commit()
    assert _lock_is_free(database)

    conn._start_transaction_under_autocommit()
    with conn.cursor() as cursor:
        cursor.execute("INSERT INTO t (who) VALUES ('rolled back')")
    conn.rollback()
    assert _lock_is_free(database)

    conn._start_transaction_under_autocommit()
    conn.close()
    assert _lock_is_free(database)


def test_concurrent_writers_from_many_threads_all_land(database):
    errors = []

    def work(n):
        conn = _handler(database, timeout=0.05)["default"]
        try:
            conn.ensure_connection()
            for i in range(20):
                conn._start_transaction_under_autocommit()
                with conn.cursor() as cursor:
                    cursor.execute("INSERT INTO t (who) VALUES (%s)", [f"{n}-{i}"])
                conn.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    check = _handler(database)["default"]
    with check.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone()[0] == 120
    check.close()


def test_an_in_memory_database_takes_no_lock(tmp_path):
    conn = ConnectionHandler({"default": {"ENGINE": "driverhome.core.sqlite", "NAME": ":memory:"}})[
        "default"
    ]
    assert conn._write_lock_path() is None
    conn.ensure_connection()
    conn._start_transaction_under_autocommit()
    conn.rollback()
    assert conn._write_lock_fd is None
