"""Categories, time limits, routing rules and Open311 keys edited in the console and the
API: who may, the audit rows with the changes, 409 on duplicates, 400 naming the field."""

from __future__ import annotations

import pytest

from driverhome.accounts.models import AuditLog, Role, User
from driverhome.appeals import deadlines, routing
from driverhome.appeals.models import Category, Open311Key, RoutingRule, TimeLimit

pytestmark = pytest.mark.django_db

JSON = "application/json"
BASE = "/api/v1/appeals/settings"


def _post(client, url, body):
    return client.post(BASE + url, body, content_type=JSON)


def _patch(client, url, body):
    return client.patch(BASE + url, body, content_type=JSON)


@pytest.fixture
def leaf(db):
    group = Category.objects.create(code="TG", name="测试组")
    return Category.objects.create(code="TG-01", name="测试类", parent=group)


def test_administrator_adds_and_renames_a_category_audited(client_for, personas, leaf):
    client = client_for("admin")
    response = _post(client, "/categories", {"code": "TG-02", "name": "新类", "group": "TG"})
    assert response.status_code == 201, response.content
    created = Category.objects.get(code="TG-02")
    assert created.parent == leaf.parent
    row = AuditLog.objects.get(action="category.create", object_id=str(created.pk))
    assert row.actor == personas["admin"] and row.changes["name"] == [None, "新类"]

    renamed = _patch(client, "/categories/TG-02", {"name": "改名", "is_active": False})
    assert renamed.status_code == 200
    row = AuditLog.objects.get(action="category.update", object_id=str(created.pk))
    assert row.changes == {"name": ["新类", "改名"], "is_active": [True, False]}


def test_category_duplicates_and_bad_fields(client_for, leaf):
    client = client_for("admin")
    taken = _post(client, "/categories", {"code": "TG-01", "name": "重复", "group": "TG"})
    assert taken.status_code == 409 and taken.json()["code"] == "duplicate"
    no_group = _post(client, "/categories", {"code": "TG-03", "name": "x", "group": "TG-01"})
    assert no_group.status_code == 400 and no_group.json()["field"] == "group"
    too_long = _post(client, "/categories", {"code": "TG-04", "name": "名" * 81})
    assert too_long.status_code == 400 and too_long.json()["errors"][0]["loc"][-1] == "name"
    bad_type = _post(client, "/categories", {"code": "TG-05", "name": "x", "default_type": "x"})
    assert bad_type.status_code == 400
    assert not Category.objects.filter(code__in=["TG-03", "TG-04", "TG-05"]).exists()


def test_only_the_platforms_administrators_edit_categories_and_limits(client_for, orgs, leaf):
    district_admin = User(username="p-dadmin", role=Role.ADMIN, organisation=orgs["district"])
    district_admin.set_unusable_password()
    district_admin.save()
    for who in ("supervisor", district_admin):
        client = client_for(who)
        assert client.get(BASE + "/categories").status_code == 200
        assert _post(client, "/categories", {"code": "TG-09", "name": "x"}).status_code == 404
        body = {"appeal_type": "help", "answer_days": 1}
        assert _post(client, "/time-limits", body).status_code == 404
        assert client.get(f"/console/appeals/settings/categories/{leaf.code}/").status_code == 404
        page = client.post("/console/appeals/settings/categories/", {"code": "TG-09"})
        assert page.status_code == 404
    assert not AuditLog.objects.filter(action__startswith="category.").exists()


def test_time_limits_set_changed_and_removed_each_audited(client_for, leaf):
    client = client_for("admin")
    body = {"appeal_type": "complaint", "category": "TG-01", "answer_days": 8}
    created = _post(client, "/time-limits", body)
    assert created.status_code == 201 and created.json()["key"] == "complaint.TG-01"
    assert deadlines.limit_for("complaint", leaf).answer_days == 8
    assert _post(client, "/time-limits", body).status_code == 409
    out_of_range = _patch(client, "/time-limits/complaint.TG-01", {"reminder_percent": 100})
    assert out_of_range.status_code == 400 and out_of_range.json()["field"] == "reminder_percent"
    changed = _patch(client, "/time-limits/complaint.TG-01", {"answer_days": 6})
    assert changed.status_code == 200
    limit = TimeLimit.objects.get(appeal_type="complaint", category=leaf)
    row = AuditLog.objects.get(action="timelimit.update", object_id=str(limit.pk))
    assert row.changes == {"answer_days": [8, 6]}
    assert client.delete(BASE + "/time-limits/complaint.TG-01").status_code == 204
    assert not TimeLimit.objects.filter(pk=limit.pk).exists()
    removed = AuditLog.objects.get(action="timelimit.delete", object_id=str(limit.pk))
    assert removed.changes["answer_days"] == [6, None]


def test_supervisor_routes_a_category_in_his_district_audited(client_for, personas, orgs, leaf):
    client = client_for("supervisor")
    body = {"category": "TG-01", "area": "t-xiapu", "unit": "t-labour"}
    created = _post(client, "/routing-rules", body)
    assert created.status_code == 201, created.content
    rule = RoutingRule.objects.get(category=leaf, area=orgs["xiapu"])
    assert routing.suggest_unit(leaf, orgs["xiapu"]) == orgs["labour"]
    row = AuditLog.objects.get(action="routingrule.create", object_id=str(rule.pk))
    assert row.organisation_id == orgs["xiapu"].pk
    assert row.changes["unit"] == [None, orgs["labour"].pk]
    assert _post(client, "/routing-rules", body).status_code == 409

    moved = _patch(client, "/routing-rules/TG-01/t-xiapu", {"unit": "t-police"})
    assert moved.status_code == 200
    assert routing.suggest_unit(leaf, orgs["xiapu"]) == orgs["police"]
    row = AuditLog.objects.get(action="routingrule.update", object_id=str(rule.pk))
    assert row.changes == {"unit": [orgs["labour"].pk, orgs["police"].pk]}
    assert client.delete(BASE + "/routing-rules/TG-01/t-xiapu").status_code == 204
    assert AuditLog.objects.filter(action="routingrule.delete", object_id=str(rule.pk)).exists()


def test_routing_outside_ones_district_is_refused(client_for, orgs, leaf):
    client = client_for("outsider_supervisor")
    body = {"category": "TG-01", "area": "t-xiapu", "unit": "t-labour"}
    refused = _post(client, "/routing-rules", body)
    assert refused.status_code == 400 and refused.json()["field"] == "area"
    RoutingRule.objects.create(category=leaf, area=orgs["xiapu"], unit=orgs["labour"])
    assert _patch(client, "/routing-rules/TG-01/t-xiapu", {"unit": "t-police"}).status_code == 404
    assert client.delete(BASE + "/routing-rules/TG-01/t-xiapu").status_code == 404
    # A unit of another district is not one the supervisor may send to.
    foreign = _post(
        client_for("supervisor"),
        "/routing-rules",
        {"category": "TG-01", "area": "t-guoju", "unit": "t-zhaobaoshan"},
    )
    assert foreign.status_code == 400 and foreign.json()["field"] == "unit"
    group = _post(
        client_for("supervisor"),
        "/routing-rules",
        {"category": "TG", "area": "t-guoju", "unit": "t-labour"},
    )
    assert group.status_code == 400 and group.json()["field"] == "category"
    assert not AuditLog.objects.filter(action__startswith="routingrule.").exists()


def test_routing_rule_from_the_console_page(client_for, orgs, leaf):
    client = client_for("supervisor")
    assert client.get("/console/appeals/settings/").status_code == 200
    response = client.post(
        "/console/appeals/settings/",
        {"category": "TG-01", "area": "t-guoju", "unit": "t-police"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AuditLog.objects.filter(action="routingrule.create").count() == 1
    again = client.post(
        "/console/appeals/settings/",
        {"category": "TG-01", "area": "t-guoju", "unit": "t-labour"},
    )
    assert again.status_code == 400
    assert RoutingRule.objects.get(category=leaf, area=orgs["guoju"]).unit == orgs["police"]


def test_open311_key_secret_shown_once_and_revocation_audited(client_for, personas, orgs):
    client = client_for("admin")
    issued = _post(client, "/open311-keys", {"name": "12345 热线", "organisation": "t-beilun"})
    assert issued.status_code == 201
    secret, prefix = issued.json()["api_key"], issued.json()["prefix"]
    key = Open311Key.objects.get(prefix=prefix)
    assert key.key_hash == Open311Key.hash_key(secret)
    listed = client.get(BASE + "/open311-keys").json()
    assert secret not in str(listed) and listed[0]["prefix"] == prefix
    row = AuditLog.objects.get(action="open311key.issue", object_id=str(key.pk))
    assert secret not in str(row.changes) and row.organisation_id == orgs["district"].pk
    assert client.delete(f"{BASE}/open311-keys/{prefix}").status_code == 204
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditLog.objects.filter(action="open311key.revoke", object_id=str(key.pk)).exists()
    assert client.delete(f"{BASE}/open311-keys/{prefix}").status_code == 404


def test_open311_keys_are_for_administrators(client_for):
    body = {"name": "x", "organisation": "t-beilun"}
    assert _post(client_for("supervisor"), "/open311-keys", body).status_code == 404
    assert (
        client_for("supervisor").get("/console/appeals/settings/open311-keys/").status_code == 404
    )
    page = client_for("admin").post(
        "/console/appeals/settings/open311-keys/", {"name": "城市平台", "organisation": "t-beilun"}
    )
    assert page.status_code == 200
    assert b"o311_" in page.content and page["Cache-Control"] == "no-store"
    assert Open311Key.objects.filter(name="城市平台").count() == 1
