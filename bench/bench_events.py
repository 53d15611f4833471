"""Events: concurrent sign-ups against one capacity, check-in at the door, an event's figures.

* Sign-ups: 8 threads sign up 200 drivers for one market with 60 places, each sign-up
  through ``actions.register`` (event row locked, places counted, audit row, waiting list).
  The result must hold exactly 60 places and 140 waiting, whatever the interleaving;
  the baseline is the same number of bare ``INSERT``s with no lock, count or audit
  (what overbooks under load), so the ratio is the price of never overbooking.
* Check-in: the door scanning 200 drivers' QR codes (signature check, look-up,
  idempotent insert), then the same 200 again (a retry storm on a slow connection:
  nothing recorded twice).
* Figures: registered, attended, no-shows, walk-ins, services, requests, rating of that event.

The event and its rows are deleted afterwards; the prepared database is left as it was.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from bench.harness import Result, benchmark, measure

THREADS = 8
DRIVERS = 200
CAPACITY = 60


def _setup():
    from django.utils import timezone

    from driverhome.drivers.models import Driver
    from driverhome.events import actions
    from driverhome.stations.models import Station

    station = Station.objects.order_by("pk").first()
    drivers = list(Driver.objects.order_by("pk")[:DRIVERS])
    start = timezone.now() + timedelta(days=3)
    event = actions.create_event(
        actor=None,
        kind="market",
        title="bench market",
        station=station,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=CAPACITY,
    )
    return event, drivers


def _teardown(event):
    from driverhome.events.models import Event

    Event.objects.filter(pk=event.pk).delete()


@benchmark("events: concurrent sign-ups")
def sign_ups(ctx):
    ctx.db()
    import time

    from django.db import connections

    from driverhome.events import actions
    from driverhome.events.models import Registration

    event, drivers = _setup()
    if len(drivers) < DRIVERS:
        _teardown(event)
        return [Result("concurrent sign-ups", None, None, "sign-ups/s", note="too few drivers")]
    chunks = [drivers[i::THREADS] for i in range(THREADS)]
    errors = []

    def worker(chunk):
        try:
            for driver in chunk:
                actions.register(event, driver, actor=None)
        except Exception as exc:  # noqa: BLE001 - reported in the result
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ours = time.perf_counter() - began
    held = Registration.objects.filter(event=event, status__in=["confirmed", "pending"]).count()
    waiting = Registration.objects.filter(event=event, status="waitlisted").count()
    Registration.objects.filter(event=event).delete()

    def bare():
        Registration.objects.bulk_create(
            [
                Registration(event=event, driver=d, status="confirmed", channel="self")
                for d in drivers
            ],
            batch_size=1,
        )
        Registration.objects.filter(event=event).delete()

    baseline = measure(bare, repeat=max(1, ctx.repeat // 2))
    _teardown(event)
    correct = held == CAPACITY and waiting == DRIVERS - CAPACITY and not errors
    return [
        Result(
            f"{DRIVERS} sign-ups from {THREADS} threads, {CAPACITY} places",
            DRIVERS / ours,
            DRIVERS / baseline,
            "sign-ups/s",
            note=(
                f"held {held}, waiting {waiting}, errors {len(errors)}"
                + ("" if correct else " — OVERBOOKED OR FAILED")
                + "; baseline: bare inserts without lock, count or audit"
            ),
        )
    ]


@benchmark("events: check-in at the door")
def door(ctx):
    ctx.db()
    from driverhome.events import actions, figures, tokens
    from driverhome.events.models import CheckIn

    event, drivers = _setup()
    codes = [tokens.driver_token(d) for d in drivers]
    from driverhome.drivers.models import Driver

    def scan_all():
        for code in codes:
            public_id = tokens.driver_public_id(code)
            driver = Driver.objects.get(public_id=public_id)
            actions.check_in(event, driver, actor=None, method="driver_qr")

    first = measure(scan_all, repeat=1)
    again = measure(scan_all, repeat=max(1, ctx.repeat // 2))
    recorded = CheckIn.objects.filter(event=event).count()
    figure_ms = measure(lambda: figures.event_figures(event), repeat=ctx.repeat) * 1000
    _teardown(event)
    n = len(codes)
    return [
        Result(
            "QR check-ins, first scan",
            n / first,
            None,
            "check-ins/s",
            note=f"{n} drivers; {recorded} recorded",
        ),
        Result(
            "QR check-ins, repeated scan (retries)",
            n / again,
            None,
            "check-ins/s",
            note="answers the first check-in, records nothing twice",
        ),
        Result("one event's figures", figure_ms, None, "ms", note=f"{n} attendees"),
    ]
