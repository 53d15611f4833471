"""/healthz answers JSON for load balancers and monitoring, without a login and never cached."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_ok():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "vendor": connection.vendor}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_reports_a_broken_database(monkeypatch):
    from driverhome.core import views

    class Broken:
        def cursor(self):
            raise ConnectionRefusedError("down")

    monkeypatch.setattr(views, "connection", Broken())
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ConnectionRefusedError"}


def test_healthz_refuses_post():
    assert Client().post("/healthz").status_code == 405
