"""Small builders for the drivers tests (through the actions, like the pages)."""

from __future__ import annotations

from datetime import date

from driverhome.core import idnumber

_counter = {"n": 0}


def next_id(region: str = "330206", born: date = date(1985, 6, 15)) -> str:
    _counter["n"] += 1
    n = _counter["n"]
    return idnumber.make(region, born.replace(day=1 + n % 28), (n * 2 + 1) % 1000)


def next_phone() -> str:
    _counter["n"] += 1
    return f"1391{_counter['n']:07d}"


def make_driver(organisation, *, name="张伟", actor=None, **fields):
    from driverhome.drivers import actions

    fields.setdefault("id_number", next_id())
    fields.setdefault("phone", next_phone())
    return actions.create_driver(actor=actor, organisation=organisation, name=name, **fields)
