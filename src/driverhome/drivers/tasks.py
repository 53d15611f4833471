"""Background jobs of the driver's file: roster imports, and putting right the ones a stop left."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup


@db_task()
def run_import_job(job_pk: int):
    from .importer import execute_job

    execute_job(job_pk)


@db_periodic_task(crontab(minute="*/5"))
def recover_import_jobs():
    from .importer import recover_jobs

    return recover_jobs()


@on_startup()
def recover_import_jobs_on_start():
    """A consumer starting: the jobs its predecessor was running are gone with it."""
    from .importer import recover_jobs

    recover_jobs()
