"""Send reporting reads to a read replica when ``DATABASE_REPLICA_URL`` is set.

Only code that asks for it reads from the replica: ``reporting_db()`` names the
alias to pass to ``.using()``. Everything else (and every write) goes to
``default``, so a lagging replica never serves a page that just wrote.
"""

from django.conf import settings


def reporting_db() -> str:
    return "replica" if "replica" in settings.DATABASES else "default"


class ReportingReplicaRouter:
    def db_for_read(self, model, **hints):
        return None  # default unless the caller chose .using(reporting_db())

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica mirrors default

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
