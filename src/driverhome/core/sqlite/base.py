"""SQLite, with the writers of every process queued on a lock file.

Django opens write transactions with ``BEGIN IMMEDIATE`` (``transaction_mode``
in settings), so two writers never deadlock: the second waits for the first.
SQLite's own wait is a busy handler that sleeps and tries again after 1, 2, 5,
10, 15, 20, 25 … ms, so under concurrent writes a waiter mostly sleeps while the
database is already free: at a hundred intakes a second on two workers, more than
half of each request's time went into that sleep. Here each transaction first
takes an exclusive ``flock`` on ``<database>.writelock`` and holds it until
COMMIT or ROLLBACK: the kernel wakes the next writer the moment the previous one
finishes, in every worker process of the machine. The lock goes with the
process if it dies. Clients that do not take it (the sqlite3 shell, a backup)
are still serialised by SQLite's own lock and busy timeout, as before.

In-memory databases (the test suite) and read-only connections take no lock.
"""

from __future__ import annotations

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _write_lock_fd: int | None = None
    _write_lock_held = False

    def _write_lock_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or name.startswith("file:"):
            return None
        return f"{name}.writelock"

    def _acquire_write_lock(self) -> None:
        if self._write_lock_held:
            return
        if self._write_lock_fd is None:
            path = self._write_lock_path()
            if path is None:
                return
            self._write_lock_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._write_lock_fd, fcntl.LOCK_EX)
        self._write_lock_held = True

    def _release_write_lock(self) -> None:
        if self._write_lock_held:
            self._write_lock_held = False
            fcntl.flock(self._write_lock_fd, fcntl.LOCK_UN)

    def _start_transaction_under_autocommit(self):
        self._acquire_write_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            # A failed COMMIT leaves the transaction open: Django rolls it back next,
            # and the rollback releases the lock.
            if self.connection is None or not self.connection.in_transaction:
                self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_write_lock()
            if self._write_lock_fd is not None:
                os.close(self._write_lock_fd)
                self._write_lock_fd = None
