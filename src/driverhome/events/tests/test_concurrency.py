"""Concurrent sign-ups never overbook, and the waiting list keeps arrival order.

The threads need a database where each thread has its own connection and transactions
really overlap: PostgreSQL (``select_for_update`` on the event row queues them), or SQLite
in a file (every write transaction begins with ``BEGIN IMMEDIATE``, which queues writers
on the database lock). The in-memory SQLite test database is shared-cache, where a
second writer fails at once instead of waiting, so the threaded test is skipped there;
``DRIVERHOME_TEST_SQLITE_NAME=/tmp/x.sqlite3`` runs it on a file.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from driverhome.events import actions
from driverhome.events.models import Event, Registration

from .helpers import make_driver, make_event, make_station


def _in_memory_sqlite() -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


def _run_in_threads(work, count):
    barrier = threading.Barrier(count)
    errors = []

    def run(i):
        try:
            barrier.wait(timeout=10)
            work(i)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_never_overbook(orgs):
    if _in_memory_sqlite():
        pytest.skip("needs PostgreSQL or a file SQLite database (see the module docstring)")
    station = make_station(orgs["xiapu"])
    event = make_event(station, capacity=5)
    drivers = [make_driver(orgs["xiapu"], name=f"并发{i}") for i in range(16)]

    errors = _run_in_threads(
        lambda i: actions.register(Event.objects.get(pk=event.pk), drivers[i], actor=None), 16
    )
    assert not errors, errors
    rows = Registration.objects.filter(event=event)
    assert rows.count() == 16
    assert rows.filter(status__in=["confirmed", "pending"]).count() == 5
    assert rows.filter(status="waitlisted").count() == 11
    # The waiting list is in the order the sign-ups were accepted.
    waiting = list(rows.filter(status="waitlisted").order_by("queued_at", "pk"))
    assert [actions.waitlist_position(r) for r in waiting] == list(range(1, 12))
    # Cancellations hand the places on in that order.
    for registration in rows.filter(status="confirmed").order_by("pk")[:3]:
        actions.cancel_registration(registration, actor=None)
    promoted = [
        r.pk for r in Registration.objects.filter(event=event, status="pending").order_by("pk")
    ]
    assert promoted == [r.pk for r in waiting[:3]]


@pytest.mark.django_db(transaction=True)
def test_concurrent_check_ins_of_one_driver_record_one(orgs):
    if _in_memory_sqlite():
        pytest.skip("needs PostgreSQL or a file SQLite database (see the module docstring)")
    from driverhome.events.models import CheckIn

    station = make_station(orgs["xiapu"])
    event = make_event(station, days=0)  # starting now: inside its check-in window
    driver = make_driver(orgs["xiapu"])
    errors = _run_in_threads(
        lambda i: actions.check_in(event, driver, actor=None, method="driver_qr"), 8
    )
    assert not errors, errors
    assert CheckIn.objects.filter(event=event, driver=driver).count() == 1


@pytest.mark.django_db
def test_sequential_sign_ups_past_capacity_wait_in_order(orgs):
    """The same rule without threads, on every database."""
    station = make_station(orgs["xiapu"])
    event = make_event(station, capacity=3)
    drivers = [make_driver(orgs["xiapu"], name=f"顺序{i}") for i in range(6)]
    regs = [actions.register(event, d, actor=None) for d in drivers]
    assert [r.status for r in regs] == ["confirmed"] * 3 + ["waitlisted"] * 3
    assert [actions.waitlist_position(r) for r in regs[3:]] == [1, 2, 3]
