"""Roster imports run as jobs of the job queue and survive a stopped process: progress and an
audit row per committed batch, a job whose process is gone marked failed with the rows it
committed, a job the queue lost queued again, uploads removed after their retention."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from driverhome.accounts.models import AuditLog
from driverhome.drivers import importer, rosters, tasks
from driverhome.drivers.models import Driver, ImportJob


@pytest.fixture
def org(orgs):
    return orgs["xiapu"]


def _job(org, user=None, **fields) -> ImportJob:
    return ImportJob.objects.create(
        organisation=org, created_by=user, filename="roster.csv", **fields
    )


def _dead_worker() -> str:
    """A process of this host that does not run: a pid far beyond any that is alive."""
    import socket

    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return f"{socket.gethostname()[:80]}:{pid}:1"
        except PermissionError:
            pass
        pid += 1


@pytest.mark.django_db
def test_the_page_queues_the_import_as_a_job_of_the_queue(org, personas, monkeypatch):
    queued = []
    original = tasks.run_import_job

    def spy(job_pk):
        queued.append(job_pk)
        return original(job_pk)

    monkeypatch.setattr(tasks, "run_import_job", spy)
    job = _job(org, personas["site_staff"])
    importer.start_job(job, rosters.to_xlsx(rosters.rows(3)))
    job.refresh_from_db()
    assert queued == [job.pk]
    assert job.status == ImportJob.Status.DONE and job.created_count == 3
    assert job.worker.endswith(f":{os.getpid()}:{importer._PROCESS_STARTED}")
    assert not importer._upload_path(job).exists()


@pytest.mark.django_db
def test_the_upload_is_kept_readable_by_its_owner_only(org, settings):
    settings.JOBS_IMMEDIATE = False
    job = _job(org)
    importer.start_job(job, b"data")
    assert (importer._upload_path(job).stat().st_mode & 0o777) == 0o600
    assert (importer._job_dir().stat().st_mode & 0o777) == 0o700
    importer._upload_path(job).unlink()


@pytest.mark.django_db
def test_a_job_runs_once_when_delivered_twice(org):
    job = _job(org)
    importer.start_job(job, rosters.to_csv(rosters.rows(2)))
    job.refresh_from_db()
    finished = job.finished_at
    importer.execute_job(job.pk)  # a second delivery: already done, left alone
    job.refresh_from_db()
    assert job.finished_at == finished and Driver.objects.count() == 2


@pytest.mark.django_db
def test_each_committed_batch_writes_its_audit_row_and_progress(org, personas, monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 4)
    job = _job(org, personas["site_staff"])
    importer.start_job(job, rosters.to_csv(rosters.rows(10)))
    batches = AuditLog.objects.filter(action="driver.import.batch").order_by("pk")
    assert [b.changes["rows"] for b in batches] == [[0, 4], [4, 8], [8, 10]]
    assert all(b.object_id == str(job.pk) or b.object_id for b in batches)
    job.refresh_from_db()
    assert job.processed_rows == 10 and AuditLog.objects.filter(action="driver.import").exists()


@pytest.mark.django_db
def test_a_crash_mid_import_leaves_the_committed_batches_and_their_audit_rows(
    org, personas, monkeypatch
):
    monkeypatch.setattr(importer, "BATCH", 4)
    real_write = importer._write_batch
    calls = []

    def crash_on_third(*args):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the process is killed here")
        return real_write(*args)

    monkeypatch.setattr(importer, "_write_batch", crash_on_third)
    job = _job(org, personas["site_staff"])
    importer.start_job(job, rosters.to_csv(rosters.rows(10)))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.processed_rows == 8 and "8" in job.error
    assert Driver.objects.count() == 8
    assert AuditLog.objects.filter(action="driver.import.batch").count() == 2


@pytest.mark.django_db
def test_a_running_job_whose_process_is_gone_is_marked_failed_with_its_count(org):
    job = _job(
        org,
        status=ImportJob.Status.RUNNING,
        worker=_dead_worker(),
        heartbeat_at=timezone.now(),
        processed_rows=5000,
        total_rows=12000,
    )
    importer._upload_path(job).write_bytes(b"ciphertext")
    counts = importer.recover_jobs()
    job.refresh_from_db()
    assert counts["failed"] == 1
    assert job.status == ImportJob.Status.FAILED and job.finished_at is not None
    assert "5000" in job.error
    assert not importer._upload_path(job).exists()


@pytest.mark.django_db
def test_a_running_job_of_a_live_process_is_left_running(org):
    job = _job(
        org,
        status=ImportJob.Status.RUNNING,
        worker=importer.worker_label(),
        heartbeat_at=timezone.now(),
    )
    assert importer.recover_jobs()["failed"] == 0
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING


@pytest.mark.django_db
def test_a_running_job_of_another_host_fails_when_its_heartbeat_is_stale(org, settings):
    fresh = _job(
        org, status=ImportJob.Status.RUNNING, worker="elsewhere:1:1", heartbeat_at=timezone.now()
    )
    old = timezone.now() - timedelta(seconds=settings.IMPORT_STALE_SECONDS + 1)
    stale = _job(org, status=ImportJob.Status.RUNNING, worker="elsewhere:2:1", heartbeat_at=old)
    importer.recover_jobs()
    fresh.refresh_from_db()
    stale.refresh_from_db()
    assert fresh.status == ImportJob.Status.RUNNING
    assert stale.status == ImportJob.Status.FAILED


@pytest.mark.django_db
def test_a_pending_job_the_queue_lost_is_run_again_or_failed(org, settings):
    old = timezone.now() - timedelta(seconds=settings.IMPORT_STALE_SECONDS + 1)
    lost = _job(org)
    settings.JOBS_IMMEDIATE = False
    importer.start_job(lost, rosters.to_csv(rosters.rows(2)))  # never delivered
    settings.JOBS_IMMEDIATE = True
    gone = _job(org)
    ImportJob.objects.filter(pk__in=[lost.pk, gone.pk]).update(created_at=old)
    counts = importer.recover_jobs()
    lost.refresh_from_db()
    gone.refresh_from_db()
    assert counts["requeued"] == 1
    assert lost.status == ImportJob.Status.DONE and lost.created_count == 2
    assert gone.error == importer._("The uploaded file is no longer kept; upload it again.")
    assert gone.status == ImportJob.Status.FAILED


@pytest.mark.django_db
def test_the_consumer_start_hook_fails_the_jobs_of_a_stopped_consumer(org):
    job = _job(
        org, status=ImportJob.Status.RUNNING, worker=_dead_worker(), heartbeat_at=timezone.now()
    )
    from huey.contrib.djhuey import HUEY

    assert "recover_import_jobs_on_start" in HUEY._startup
    HUEY._startup["recover_import_jobs_on_start"]()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED


@pytest.mark.django_db
def test_uploads_are_deleted_after_their_retention(org, settings):
    settings.IMPORT_UPLOAD_RETENTION_HOURS = 1
    folder = importer._job_dir()
    old, new = folder / "old.bin", folder / "new.bin"
    old.write_bytes(b"x")
    new.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    assert importer.recover_jobs()["uploads_deleted"] == 1
    assert not old.exists() and new.exists()
    new.unlink()


def test_recovery_runs_periodically():
    from huey.contrib.djhuey import HUEY

    assert tasks.recover_import_jobs.task_class in HUEY._registry._periodic_tasks
