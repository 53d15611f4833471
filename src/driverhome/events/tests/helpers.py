"""Builders for events tests and the permission table: a site, a driver file, an event."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from driverhome.events import actions


def make_station(operator, code="t-xiapu-home", name="霞浦司机之家", lat=29.90, lon=121.85):
    from driverhome.stations.actions import create_station
    from driverhome.stations.models import Station

    existing = Station.objects.filter(code=code).first()
    if existing:
        return existing
    return create_station(
        actor=None,
        code=code,
        name=name,
        kind="logistics_park",
        operator=operator,
        address="北仑区霞浦街道",
        lat=lat,
        lon=lon,
    )


def make_driver(organisation, name="王建国", user=None, phone="", plate="", **fields):
    from driverhome.drivers.actions import create_driver

    driver = create_driver(actor=None, organisation=organisation, name=name, user=user, **fields)
    if phone:
        from driverhome.drivers.actions import update_driver

        driver = update_driver(driver, actor=None, phone=phone)
    if plate:
        from driverhome.drivers.actions import add_vehicle

        add_vehicle(driver, actor=None, plate=plate)
    return driver


def make_event(station, *, days=3, capacity=None, kind="market", title="红领集市", course=None):
    start = timezone.now().replace(microsecond=0) + timedelta(days=days)
    return actions.create_event(
        actor=None,
        kind=kind,
        title=title,
        station=station,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=capacity,
        course=course,
    )


def make_course(organisation, code="t-repair", name="家电维修培训"):
    from driverhome.services.models import TrainingCourse

    return TrainingCourse.objects.create(code=code, name=name, organisation=organisation, hours=8)
