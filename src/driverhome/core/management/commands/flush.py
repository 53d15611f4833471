"""``flush`` (Django's command) inside the append-only maintenance block.

Emptying every table is the one legitimate way rows leave the append-only tables: the
test suite flushes between transactional tests (``TransactionTestCase``; DELETE on SQLite,
TRUNCATE on PostgreSQL). See ``core/append_only.py``.
"""

from django.core.management.commands import flush

from driverhome.core import append_only


class Command(flush.Command):
    def handle(self, **options):
        with append_only.maintenance(options["database"]):
            return super().handle(**options)
