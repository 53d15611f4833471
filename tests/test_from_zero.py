"""Operations from zero: a district installs the platform without the demo.

This test follows docs/operations.md, “First day without the demo”, step by step, through
the public commands, pages and API only, on a database that has had nothing but
``migrate``: the reference data is there, then the first administrator, the organisation
tree and first staff imported from Excel, each account's own password, a first site, a
first roster, a first request filed, dispatched, answered and visited, and the figures.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.test import Client

from driverhome.core import sheets
from driverhome.drivers import rosters

pytestmark = pytest.mark.django_db

PASSWORD = "Harbour-lights-2027"

ORGANISATIONS = [
    ["编码", "名称", "上级编码", "类型", "单位类别", "简称"],
    ["zs-district", "舟山市定海区", "", "district", "", "定海"],
    ["zs-party", "定海区交通运输行业党委", "zs-district", "party", "", "行业党委"],
    ["zs-hrss", "定海区人力社保局", "zs-district", "handling unit", "labour bureau", "人社局"],
    ["zs-ganlan", "干览镇", "zs-district", "sub-district", "", "干览"],
    ["zs-ganlan-home", "干览司机之家运营公司", "zs-ganlan", "operator", "", "干览之家"],
]
STAFF = [
    ["用户名", "姓名", "角色", "所属组织编码", "手机号"],
    ["zs-super", "陈督办", "supervisor", "zs-district", ""],
    ["zs-site", "林站长", "site_staff", "zs-ganlan-home", "13906510001"],
    ["zs-broker", "何经纪", "broker", "zs-ganlan-home", ""],
    ["zs-hrss1", "周科员", "unit_handler", "zs-hrss", ""],
]


def workbook() -> bytes:
    buffer = io.BytesIO()
    book = sheets.workbook(buffer, in_memory=True)
    for name, rows in (("organisations", ORGANISATIONS), ("staff", STAFF)):
        sheet = book.add_worksheet(name)
        for number, row in enumerate(rows):
            sheets.write_row(sheet, number, 0, row)
    book.close()
    return buffer.getvalue()


def logged_in(username: str) -> Client:
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": username, "password": PASSWORD}, follow=False
    )
    assert response.status_code == 302, f"{username} could not log in"
    return client


def test_a_district_starts_from_an_empty_database(tmp_path, monkeypatch, capsys):
    from driverhome.accounts.models import AuditLog, Organisation, User
    from driverhome.appeals.models import Appeal
    from driverhome.drivers.models import Driver
    from driverhome.services.models import LifecycleNode, ServiceItem
    from driverhome.stations.models import Facility, RubricCriterion, Station

    # Nothing but migrate: no organisation, no user, no driver, but the reference data.
    assert not Organisation.objects.exists() and not User.objects.exists()
    assert LifecycleNode.objects.count() == 14 and ServiceItem.objects.count() == 80
    assert Facility.objects.exists() and RubricCriterion.objects.exists()

    # Step 1: driverhome check --deploy finds every catalogue filled.
    assert "driverhome.W011" not in {m.id for m in run_checks(include_deployment_checks=True)}

    # Step 2: driverhome setup --admin chief --no-input (password from the environment).
    monkeypatch.setenv("DRIVERHOME_ADMIN_PASSWORD", PASSWORD)
    call_command("setup", admin="chief", no_input=True)
    chief = User.objects.get(username="chief")
    assert chief.role == "admin" and chief.organisation is None and chief.is_superuser
    assert AuditLog.objects.filter(action="user.create", object_id=str(chief.pk)).exists()

    # Step 3: driverhome import-organisations tree.xlsx --base-url https://…
    tree = tmp_path / "tree.xlsx"
    tree.write_bytes(workbook())
    capsys.readouterr()
    call_command("import-organisations", str(tree), base_url="https://dh.example.gov.cn")
    out = capsys.readouterr().out
    assert "5 were created" in out
    district = Organisation.objects.get(code="zs-district")
    home = Organisation.objects.get(code="zs-ganlan-home")
    assert home.is_within(district) and home.parent.code == "zs-ganlan"
    assert Organisation.objects.get(code="zs-hrss").unit_kind == "labour"
    assert AuditLog.objects.filter(action="organisation.create").count() == 5
    links = dict(re.findall(r"^\s+(\S+): https://dh\.example\.gov\.cn(\S+)$", out, re.M))
    assert set(links) == {"zs-super", "zs-site", "zs-broker", "zs-hrss1"}

    # Step 4: each person opens his link and chooses a password; the link then expires.
    for username, path in links.items():
        page = Client()
        assert page.get(path).status_code == 200
        done = page.post(path, {"password": PASSWORD})
        assert done.status_code == 200 and User.objects.get(username=username).has_usable_password()
        assert page.get(path).status_code == 404
    supervisor, site, broker, handler = (
        logged_in(name) for name in ("zs-super", "zs-site", "zs-broker", "zs-hrss1")
    )

    # Step 5: the supervisor opens the first site (console, 'Open a site').
    response = supervisor.post(
        "/console/stations/new/",
        {
            "code": "ganlan",
            "operator": home.pk,
            "name": "干览司机之家",
            "kind": "port",
            "address": "舟山市定海区干览镇",
            "lat": "30.08",
            "lon": "122.10",
            "time_zone": "Asia/Shanghai",
            "truck_bays": "60",
            "car_bays": "10",
            "beds": "24",
            "rooms": "12",
            "low_threshold": "5",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    station = Station.objects.get(code="ganlan")
    assert station.operator == home and station.beds == 24
    assert station.facilities.count() == 0  # the facilities are ticked on the site's page next

    # Step 6: site staff import the first roster (console, Drivers, Import).
    roster = rosters.to_csv(rosters.rows(25, seed=11))
    upload = io.BytesIO(roster)
    upload.name = "roster.csv"
    response = site.post(
        "/console/drivers/import/", {"file": upload, "organisation": home.pk}, follow=True
    )
    assert response.status_code == 200
    assert Driver.objects.filter(organisation=home).count() == 25

    # Step 7: the broker files a request for a driver who called the hotline.
    driver = Driver.objects.filter(organisation=home).order_by("pk").first()
    filed = broker.post(
        "/api/v1/appeals",
        {
            "category": "C01-01",
            "description": "运输公司拖欠两个月工资",
            "driver": str(driver.public_id),
            "channel": "phone",
        },
        content_type="application/json",
    )
    assert filed.status_code == 201, filed.content
    tracking_no = filed.json()["tracking_no"]
    appeal = Appeal.objects.get(tracking_no=tracking_no)
    assert appeal.due_at is not None

    # Step 8: dispatched to the labour bureau of the imported tree, accepted, answered, visited.
    def act(client, action, **data):
        response = client.post(
            f"/api/v1/appeals/{tracking_no}/actions/{action}", data, content_type="application/json"
        )
        assert response.status_code == 200, (action, response.content)
        return response.json()

    if appeal.handling_unit_id is None:
        act(broker, "dispatch", unit="zs-hrss")
    appeal.refresh_from_db()
    assert appeal.handling_unit.code == "zs-hrss"
    act(handler, "accept")
    act(handler, "answer", text="已督促企业于本周内结清工资")
    body = act(broker, "visit", resolved="yes", satisfaction=5, comment="满意")
    assert body["status"] == "closed"

    # Step 9: the figures count what was recorded, and nothing of a demo.
    figures = supervisor.get("/api/v1/appeals/figures").json()
    assert figures["received"] == 1
    dashboard = supervisor.get("/api/v1/dashboard/summary", {"live": "true"})
    assert dashboard.status_code == 200
    summary = dashboard.json()
    assert summary["organisation"]["code"] == "zs-district"
    assert summary["drivers_on_file"] == 25
    assert summary["requests_received"] == 1 and summary["requests_open"] == 0
    assert Appeal.objects.count() == 1 and Station.objects.count() == 1
    assert not Organisation.objects.filter(code__startswith="beilun").exists()
