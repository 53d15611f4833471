"""Per-process copies of small tables: loaded once, dropped everywhere on an edit."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from driverhome.appeals import catalogue, deadlines
from driverhome.appeals.models import AppealType, Category, TimeLimit
from driverhome.core.tablecache import TableCache


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return {"value": self.calls}


def test_a_copy_is_loaded_once_and_reused():
    loader = Counter()
    table = TableCache("test.reuse", loader, watch=[])
    assert table.get() == {"value": 1}
    assert table.get() == {"value": 1}
    assert loader.calls == 1


def _later(monkeypatch, seconds: float) -> None:
    import driverhome.core.tablecache as module

    real = module.time.monotonic
    monkeypatch.setattr(module.time, "monotonic", lambda: real() + seconds)


def test_a_new_stamp_from_another_process_makes_every_copy_load_again(monkeypatch):
    loader = Counter()
    table = TableCache("test.stamp", loader, watch=[])
    table.get()
    cache.set(table.key, "written-by-another-process", timeout=None)
    _later(monkeypatch, 1.5)  # the stamp is read again after check_every (1 s)
    assert table.get() == {"value": 2}
    assert table.get() == {"value": 2}


def test_the_stamp_is_read_at_most_once_per_check_interval(monkeypatch):
    loader = Counter()
    table = TableCache("test.interval", loader, watch=[])
    table.get()
    reads = []
    real_get = cache.get
    monkeypatch.setattr(
        "driverhome.core.tablecache.cache.get", lambda *a, **k: reads.append(a) or real_get(*a, **k)
    )
    for _ in range(50):
        table.get()
    assert reads == []
    cache.set(table.key, "written-by-another-process", timeout=None)
    assert table.get() == {"value": 1}  # another process's edit: seen within the second
    _later(monkeypatch, 1.5)
    assert table.get() == {"value": 2}
    assert len(reads) == 1


def test_a_lost_stamp_means_load_again(monkeypatch):
    loader = Counter()
    table = TableCache("test.lost", loader, watch=[])
    table.get()
    cache.delete(table.key)
    _later(monkeypatch, 1.5)
    assert table.get() == {"value": 2}


def test_clear_in_this_process_is_seen_at_once():
    loader = Counter()
    table = TableCache("test.clear", loader, watch=[])
    table.get()
    table.clear()
    assert table.get() == {"value": 2}


def test_a_copy_older_than_its_ttl_is_loaded_again(monkeypatch):
    loader = Counter()
    table = TableCache("test.ttl", loader, watch=[], ttl=60)
    table.get()
    _later(monkeypatch, 61)
    assert table.get() == {"value": 2}


@pytest.mark.django_db
def test_a_deactivated_category_is_refused_at_once():
    assert catalogue.active_leaf("C03-01") is not None
    category = Category.objects.get(code="C03-01")
    category.is_active = False
    category.save()
    assert catalogue.active_leaf("C03-01") is None
    assert catalogue.active_leaf("C03") is None  # a group is never a request's category
    assert catalogue.active_leaf("nope") is None


@pytest.mark.django_db
def test_the_copy_handed_out_cannot_change_the_cached_one():
    leaf = catalogue.active_leaf("C03-01")
    leaf.name = "changed by a caller"
    assert catalogue.active_leaf("C03-01").name != "changed by a caller"


@pytest.mark.django_db
def test_an_edited_time_limit_applies_to_the_next_request():
    category = Category.objects.get(code="C03-01")
    before = deadlines.limit_for(AppealType.COMPLAINT, category)
    TimeLimit.objects.update_or_create(
        appeal_type=AppealType.COMPLAINT,
        category=category,
        defaults={"answer_days": before.answer_days + 7, "day_kind": before.day_kind},
    )
    assert deadlines.limit_for(AppealType.COMPLAINT, category).answer_days == (
        before.answer_days + 7
    )
    TimeLimit.objects.filter(appeal_type=AppealType.COMPLAINT, category=category).delete()
    assert deadlines.limit_for(AppealType.COMPLAINT, category) == before
