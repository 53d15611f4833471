"""Test helpers: a driver's file for a persona, and requests in a given stage."""

from __future__ import annotations

import io
import itertools

from driverhome.appeals import actions
from driverhome.appeals.models import Appeal, Category

_phones = itertools.count(13800000001)


def driver_for(user, organisation, *, broker=None, name="张师傅"):
    from driverhome.drivers.actions import create_driver
    from driverhome.drivers.models import Driver

    existing = Driver.objects.filter(user=user).first() if user is not None else None
    if existing is not None:
        return existing
    return create_driver(
        actor=None,
        organisation=organisation,
        name=name,
        phone=str(next(_phones)),
        user=user,
        care_broker=broker,
    )


def category(code="C01-01") -> Category:
    return Category.objects.get(code=code)


def file(
    actor, *, driver=None, code="C01-01", description="老板拖欠三个月工资，一直不给", **extra
) -> Appeal:
    return actions.file_appeal(
        actor=actor,
        driver=driver,
        channel=extra.pop("channel", Appeal.Channel.APP if driver else Appeal.Channel.PHONE),
        category=category(code),
        description=description,
        **extra,
    )


def appeal_in_stage(personas, orgs, stage: str, *, with_broker=True) -> Appeal:
    """A request by the driver persona (file in xiapu), moved to ``stage`` by the right people."""
    driver = driver_for(
        personas["driver"], orgs["xiapu"], broker=personas["broker"] if with_broker else None
    )
    appeal = file(personas["driver"], driver=driver)
    if stage == "collected":
        return appeal
    actions.dispatch(appeal, orgs["labour"], actor=personas["site_staff"])
    if stage == "reported":
        return appeal
    actions.accept(appeal, actor=personas["unit_handler"])
    if stage == "handling":
        return appeal
    actions.answer(appeal, actor=personas["unit_handler"], text="已协调企业，下周一前发放工资")
    if stage == "answered":
        return appeal
    actions.return_visit(
        appeal,
        actor=personas["broker"],
        resolved="no",
        satisfaction=2,
        comment="还没收到",
        close=False,
    )
    return appeal


def png_bytes(size=(8, 8), **info) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()
