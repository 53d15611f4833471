"""``driverhome demo --quick`` twice changes nothing: every model has the same rows."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def row_counts() -> dict[str, int]:
    # Every migrated model (`make lint` checks that no model lacks its migration).
    tables = set(connection.introspection.table_names())
    counts = {}
    for model in apps.get_models():
        if model._meta.db_table not in tables:
            continue
        manager = model._base_manager
        counts[model._meta.label] = manager.count()
    return counts


def test_demo_twice_changes_nothing():
    out = io.StringIO()
    call_command("demo", "--quick", stdout=out)
    first = row_counts()
    assert first["accounts.Organisation"] > 10 and first["accounts.User"] >= 10
    assert "Demo logins" in out.getvalue()
    call_command("demo", "--quick", stdout=io.StringIO())
    second = row_counts()
    changed = {
        label: (first[label], second[label]) for label in first if first[label] != second[label]
    }
    # Sessions and axes attempts are not demo data, but nothing logs in here anyway.
    assert not changed, f"a second demo run changed row counts: {changed}"


def test_demo_logins_work():
    from django.conf import settings
    from django.test import Client

    call_command("demo", "--quick", stdout=io.StringIO())
    for username, home in (("supervisor", "/console/"), ("broker", "/console/")):
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": username, "password": settings.DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
        assert client.get("/accounts/home/")["Location"] == home


def test_demo_history_leaves_no_message_to_send():
    """The demo's year of history sent no text messages: nothing waits for the job consumer."""
    from driverhome.notifications.models import Notification

    call_command("demo", "--quick", stdout=io.StringIO())
    waiting = Notification.objects.filter(status=Notification.Status.QUEUED)
    assert list(waiting.values_list("template", flat=True)) == []
