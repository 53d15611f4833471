from contextlib import contextmanager
from datetime import datetime
from unittest import mock

import pytest
from django.utils import timezone


@contextmanager
def frozen(moment: datetime):
    """Every ``timezone.now()`` answers ``moment`` (an aware datetime)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def local(y, m, d, hh=10, mm=0):
    return timezone.make_aware(datetime(y, m, d, hh, mm))


@pytest.fixture
def driver(personas, orgs):
    from .factories import driver_for

    return driver_for(personas["driver"], orgs["xiapu"], broker=personas["broker"])
