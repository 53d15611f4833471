"""Fixtures: a Xiapu driver with a family, the default catalogue, a workshop and a care term."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from driverhome.drivers.models import Driver, FamilyMember
from driverhome.services import actions
from driverhome.services.catalogue import load_default_catalogue
from driverhome.services.models import ServiceItem


def years_ago(years: int, days: int = 0) -> date:
    today = timezone.localdate()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return day - timedelta(days=days)


def make_driver(organisation, name="张伟", user=None, **fields) -> Driver:
    from driverhome.drivers.actions import create_driver

    return create_driver(actor=None, organisation=organisation, name=name, user=user, **fields)


def add_member(driver, relation, name, birth_date=None, **fields) -> FamilyMember:
    from driverhome.drivers.actions import add_family_member

    return add_family_member(
        driver, actor=None, relation=relation, name=name, birth_date=birth_date, **fields
    )


@pytest.fixture
def catalogue(db):
    load_default_catalogue()
    return {i.code: i for i in ServiceItem.objects.all()}


@pytest.fixture
def driver(orgs, personas):
    """The driver persona's own file, held at Xiapu, with a wife and a child of 8."""
    d = make_driver(orgs["xiapu"], name="王建国", user=personas["driver"], tags=["hardship"])
    add_member(d, "spouse", "李秀英", years_ago(38), employment="home")
    add_member(d, "child", "王小明", years_ago(8))
    return d


@pytest.fixture
def other_driver(orgs, personas):
    return make_driver(orgs["guoju"], name="刘洋", user=personas["other_driver"])


@pytest.fixture
def care_term(orgs):
    today = timezone.localdate()
    return actions.create_care_term(
        actor=None,
        code="t-care",
        name="秋季托管",
        organisation=orgs["xiapu"],
        site_name="霞浦托管点",
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=60),
        capacity=2,
    )


@pytest.fixture
def workshop(orgs):
    return actions.create_workshop(
        actor=None, code="t-kasao", name="卡嫂共富工坊", organisation=orgs["xiapu"]
    )
