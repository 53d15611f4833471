"""The hooks for running beyond one machine: read replica, Redis-backed jobs and cache, storage.

The Redis tests need ``REDIS_TEST_URL`` (CI sets it; the ``redis_url`` fixture
skips without it). Settings are read in a fresh interpreter so each case sees
exactly the environment it names.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
from django.test import override_settings
from huey.exceptions import ResultTimeout, TaskException

from driverhome.core.routers import ReportingReplicaRouter, reporting_db


def settings_with(env: dict) -> dict:
    """Import the settings module with ``env`` and return the parts these tests look at."""
    code = (
        "import json\n"
        "from driverhome.config import settings as s\n"
        "print(json.dumps({'huey': {k: v for k, v in s.HUEY.items() if k != 'consumer'},"
        " 'workers': s.HUEY['consumer']['workers'], 'cache': s.CACHES['default'],"
        " 'session': s.SESSION_ENGINE if hasattr(s, 'SESSION_ENGINE') else '',"
        " 'databases': sorted(s.DATABASES), 'replica': s.DATABASES.get('replica', {}).get('NAME'),"
        " 'storage': s.STORAGES['default']['BACKEND']}, default=str))\n"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "REDIS_URL"))}
    base.pop("DRIVERHOME_STORAGE_BACKEND", None)
    base.update({"DRIVERHOME_ENV": "development", **env})
    out = subprocess.run(
        [sys.executable, "-c", code], env=base, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- read replica -------------------------------------------------------------------


def test_reporting_db_is_default_without_a_replica(settings):
    assert "replica" not in settings.DATABASES
    assert reporting_db() == "default"


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_reporting_reads_go_to_the_replica_when_configured(settings):
    from driverhome.accounts.models import Organisation

    databases = {**settings.DATABASES, "replica": {**settings.DATABASES["default"]}}
    with override_settings(DATABASES=databases):
        assert reporting_db() == "replica"
        assert Organisation.objects.using(reporting_db()).all().db == "replica"
        # Everything that did not ask for the replica stays on the primary.
        assert Organisation.objects.all().db == "default"


def test_router_writes_and_migrations_stay_on_the_primary():
    from driverhome.accounts.models import Organisation

    router = ReportingReplicaRouter()
    assert router.db_for_read(Organisation) is None
    assert router.db_for_write(Organisation) == "default"
    assert router.allow_migrate("default", "accounts") is True
    assert router.allow_migrate("replica", "accounts") is False
    assert router.allow_relation(object(), object()) is True


def test_database_replica_url_adds_a_mirrored_replica_alias():
    conf = settings_with(
        {
            "DATABASE_URL": "postgres://app@db-primary:5432/driverhome",
            "DATABASE_REPLICA_URL": "postgres://reader@db-replica:5432/driverhome",
        }
    )
    assert conf["databases"] == ["default", "replica"]
    assert conf["replica"] == "driverhome"


def test_without_redis_jobs_use_sqlite_and_the_cache_is_local(tmp_path):
    conf = settings_with({"DRIVERHOME_DATA_DIR": str(tmp_path)})
    assert conf["huey"]["huey_class"] == "huey.SqliteHuey"
    assert "redis" not in conf["cache"]["BACKEND"].lower()


def test_redis_url_switches_jobs_cache_and_sessions_to_redis(tmp_path):
    conf = settings_with(
        {
            "DRIVERHOME_DATA_DIR": str(tmp_path),
            "REDIS_URL": "redis://cache.internal:6379/2",
            "DRIVERHOME_JOB_WORKERS": "6",
        }
    )
    assert conf["huey"]["huey_class"] == "huey.RedisHuey"
    assert conf["huey"]["url"] == "redis://cache.internal:6379/2"
    assert conf["workers"] == 6
    assert conf["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert conf["cache"]["LOCATION"] == "redis://cache.internal:6379/2"
    assert conf["session"] == "django.contrib.sessions.backends.cached_db"


def test_storage_backend_is_configurable(tmp_path):
    default = settings_with({"DRIVERHOME_DATA_DIR": str(tmp_path)})
    assert default["storage"] == "django.core.files.storage.FileSystemStorage"
    custom = settings_with(
        {
            "DRIVERHOME_DATA_DIR": str(tmp_path),
            "DRIVERHOME_STORAGE_BACKEND": "django.core.files.storage.InMemoryStorage",
        }
    )
    assert custom["storage"] == "django.core.files.storage.InMemoryStorage"


# --- Redis: jobs and cache --------------------------------------------------------------


@pytest.fixture
def redis_huey(redis_url):
    from huey import RedisHuey

    huey = RedisHuey(name=f"driverhome-test-{uuid.uuid4().hex[:8]}", url=redis_url, results=True)
    yield huey
    huey.flush()


def test_a_task_enqueued_to_redis_is_run_by_a_worker_and_its_result_read_back(redis_huey):
    ran_in = []

    @redis_huey.task()
    def add(a, b):
        ran_in.append(threading.current_thread().name)
        return a + b

    result = add(20, 22)
    assert redis_huey.pending_count() == 1  # queued in Redis, not run in the caller
    consumer = redis_huey.create_consumer(workers=2, worker_type="thread", periodic=False)
    consumer.start()
    try:
        assert result.get(blocking=True, timeout=10) == 42
    finally:
        consumer.stop(graceful=True)
    assert redis_huey.pending_count() == 0
    assert ran_in and ran_in[0] != threading.current_thread().name


def test_several_workers_share_one_redis_queue(redis_huey):
    @redis_huey.task()
    def square(n):
        return n * n

    results = [square(n) for n in range(12)]
    assert redis_huey.pending_count() == 12
    consumer = redis_huey.create_consumer(workers=3, worker_type="thread", periodic=False)
    consumer.start()
    try:
        values = [r.get(blocking=True, timeout=10) for r in results]
    finally:
        consumer.stop(graceful=True)
    assert values == [n * n for n in range(12)]


def test_a_failing_task_is_retried_on_redis(redis_huey):
    attempts = []

    @redis_huey.task(retries=2, retry_delay=0)
    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise RuntimeError("gateway down")
        return "sent"

    result = flaky()
    consumer = redis_huey.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer.start()
    value = None
    try:
        # A failed attempt may be stored as the result before its retry runs: read again
        # until the retry's value arrives.
        deadline = time.monotonic() + 20
        while value != "sent" and time.monotonic() < deadline:
            try:
                value = result.get(blocking=True, timeout=2)
            except (TaskException, ResultTimeout):
                result.reset()
                value = None
    finally:
        consumer.stop(graceful=True)
    assert value == "sent"
    assert len(attempts) == 3


def test_redis_cache_backend(redis_url):
    from django.core.cache.backends.redis import RedisCache

    cache = RedisCache(redis_url, {"KEY_PREFIX": f"dh-test-{uuid.uuid4().hex[:8]}"})
    try:
        assert cache.get("missing") is None
        cache.set("site:jiyun:free", {"truck_bays": 12}, timeout=30)
        assert cache.get("site:jiyun:free") == {"truck_bays": 12}
        assert cache.add("once", 1) is True
        assert cache.add("once", 2) is False
        assert cache.incr("once") == 2
        cache.delete("site:jiyun:free")
        assert cache.get("site:jiyun:free") is None
    finally:
        cache.delete_many(["site:jiyun:free", "once"])
        cache.close()


# --- lists walk an index ----------------------------------------------------------------------


def test_no_list_pages_with_offset():
    """Every list is paginated by keyset (core/pagination.py): Django's OFFSET paginator is not used."""
    from pathlib import Path

    import driverhome

    root = Path(driverhome.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "django.core.paginator" in text or "Paginator(" in text:
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


# --- synthetic data -----------------------------------------------------------------------------


@pytest.fixture
def synth_small(db):
    from datetime import date

    from driverhome.core.synth import Sizes, SynthContext, run
    from driverhome.core.synth.progress import Progress

    ctx = SynthContext(
        sizes=Sizes(drivers=400, sites=30, requests=300, services=600),
        seed=7,
        as_of=date(2026, 6, 30),
        progress=Progress(enabled=False),
    )
    return run(ctx)


@pytest.mark.slow
def test_synth_writes_what_the_application_reads(synth_small, settings):
    from driverhome.accounts.models import User
    from driverhome.core import idnumber, pii
    from driverhome.drivers.models import Driver

    assert {"accounts", "stations", "drivers", "appeals", "services"} <= set(synth_small.done)
    assert Driver.objects.count() == 400
    for driver in Driver.objects.order_by("pk")[:25]:
        parsed = idnumber.parse(driver.id_number)  # decrypts with the configured keys
        assert driver.id_hash == pii.lookup_hash(parsed.number, kind="id")
        assert (driver.birth_date, driver.sex) == (parsed.birth_date, parsed.sex)
        assert driver.phone_hash == pii.lookup_hash(driver.phone, kind="phone")
        assert driver.phone_last4 == driver.phone[-4:]
    supervisor = User.objects.get(username="supervisor")
    assert Driver.objects.for_user(supervisor).count() == 400
    assert User.objects.get(username="driver").check_password(settings.DEMO_PASSWORD)


@pytest.mark.slow
def test_synth_requests_have_consistent_histories(synth_small):
    from collections import defaultdict

    from driverhome.appeals.models import Appeal, Transition

    statuses = dict(Appeal.objects.values_list("pk", "status"))
    assert len(statuses) == 300
    assert {"closed", "handling"} <= set(statuses.values())
    chains = defaultdict(list)
    for appeal_id, before, after in Transition.objects.order_by(
        "appeal_id", "at", "pk"
    ).values_list("appeal_id", "from_status", "to_status"):
        chains[appeal_id].append((before, after))
    for pk, status in statuses.items():
        previous = ""
        for before, after in chains[pk]:
            assert before == previous
            assert previous == "" or after in Appeal.TRANSITIONS[previous]
            previous = after
        assert previous == status
    assert not Appeal.objects.filter(status="merged", merged_into__isnull=True).exists()
    assert not Appeal.objects.open().filter(due_at__isnull=True).exists()


@pytest.mark.slow
def test_intake_after_synth_continues_the_tracking_numbers(synth_small):
    from driverhome.appeals.actions import file_appeal
    from driverhome.appeals.models import Appeal, Category
    from driverhome.drivers.models import Driver

    driver = Driver.objects.filter(user__isnull=False).first()
    category = Category.objects.filter(parent__isnull=False).first()
    appeal = file_appeal(
        actor=driver.user, driver=driver, channel="app", category=category, description="停车场没灯"
    )
    assert Appeal.objects.filter(tracking_no=appeal.tracking_no).count() == 1


def test_synth_refuses_a_database_that_already_has_synthetic_data(synth_small):
    from django.core.management.base import CommandError

    from driverhome.core.synth import Sizes, SynthContext, run
    from driverhome.core.synth.progress import Progress

    with pytest.raises(CommandError, match="already holds synthetic data"):
        run(SynthContext(sizes=Sizes(drivers=10), progress=Progress(enabled=False)))
