"""Organisations, accounts and roles edited in the console and the API: who may, the audit
rows with the changes, 409 on a taken code, 400 naming the field."""

from __future__ import annotations

import pytest

from driverhome.accounts import actions
from driverhome.accounts.models import AuditLog, Organisation, Role, User
from driverhome.core.errors import PermissionDeniedError

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _post(client, url, body):
    return client.post(url, body, content_type=JSON)


def _patch(client, url, body):
    return client.patch(url, body, content_type=JSON)


@pytest.fixture
def district_admin(orgs):
    user = User(username="p-district-admin", role=Role.ADMIN, organisation=orgs["district"])
    user.set_unusable_password()
    user.save()
    return user


def test_supervisor_creates_an_organisation_in_his_district_audited(client_for, personas, orgs):
    response = _post(
        client_for("supervisor"),
        "/api/v1/organisations",
        {"code": "t-new-community", "name": "新社区", "kind": "community", "parent": "t-xiapu"},
    )
    assert response.status_code == 201, response.content
    org = Organisation.objects.get(code="t-new-community")
    assert org.parent == orgs["xiapu"] and org.path.startswith(orgs["xiapu"].path)
    row = AuditLog.objects.get(action="organisation.create", object_id=str(org.pk))
    assert row.actor == personas["supervisor"]
    assert row.changes["name"] == [None, "新社区"]
    assert row.organisation_id == org.pk


def test_supervisor_of_another_district_cannot_create_or_change_here(client_for, personas, orgs):
    client = client_for("outsider_supervisor")
    response = _post(
        client,
        "/api/v1/organisations",
        {"code": "t-sneak", "name": "x", "kind": "community", "parent": "t-xiapu"},
    )
    assert response.status_code == 400 and response.json()["field"] == "parent"
    assert _patch(client, "/api/v1/organisations/t-xiapu", {"name": "x"}).status_code == 404
    with pytest.raises(PermissionDeniedError):
        actions.create_organisation(
            actor=personas["outsider_supervisor"],
            code="t-sneak",
            name="x",
            kind="community",
            parent=orgs["xiapu"],
        )
    assert not Organisation.objects.filter(code="t-sneak").exists()
    assert not AuditLog.objects.filter(action="organisation.create").exists()


def test_only_the_whole_platform_creates_a_root_organisation(client_for):
    body = {"code": "t-root", "name": "省", "kind": "province"}
    assert _post(client_for("supervisor"), "/api/v1/organisations", body).status_code == 403
    assert _post(client_for("admin"), "/api/v1/organisations", body).status_code == 201


def test_site_staff_and_unit_handlers_edit_no_organisation(client_for):
    for persona in ("site_staff", "unit_handler", "broker"):
        client = client_for(persona)
        assert _patch(client, "/api/v1/organisations/t-xiapu", {"name": "x"}).status_code == 404
        assert client.get("/accounts/organisations/new/").status_code == 404


def test_a_taken_code_is_409_and_a_long_name_400_naming_the_field(client_for):
    client = client_for("admin")
    taken = _post(
        client,
        "/api/v1/organisations",
        {"code": "t-xiapu", "name": "重复", "kind": "community", "parent": "t-beilun"},
    )
    assert taken.status_code == 409 and taken.json()["code"] == "duplicate"
    long_name = _post(
        client,
        "/api/v1/organisations",
        {"code": "t-long", "name": "名" * 201, "kind": "community", "parent": "t-beilun"},
    )
    assert long_name.status_code == 400
    assert long_name.json()["errors"][0]["loc"][-1] == "name"
    bad_code = _post(
        client,
        "/api/v1/organisations",
        {"code": "no spaces", "name": "x", "kind": "community", "parent": "t-beilun"},
    )
    assert bad_code.status_code == 400 and bad_code.json()["field"] == "code"


def test_an_organisation_cannot_move_below_itself(client_for, orgs):
    response = _patch(client_for("admin"), "/api/v1/organisations/t-beilun", {"parent": "t-xiapu"})
    assert response.status_code == 400 and response.json()["field"] == "parent"
    orgs["district"].refresh_from_db()
    assert orgs["district"].parent == orgs["city"]


def test_renaming_in_the_console_writes_old_and_new_name(client_for, personas, orgs):
    client = client_for("supervisor")
    page = client.get("/accounts/organisations/t-guoju/edit/")
    assert page.status_code == 200
    data = {
        "name": "郭巨街道办事处",
        "kind": "subdistrict",
        "parent": orgs["district"].pk,
        "is_active": "on",
    }
    response = client.post("/accounts/organisations/t-guoju/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = AuditLog.objects.get(action="organisation.update", object_id=str(orgs["guoju"].pk))
    assert row.changes == {"name": ["郭巨街道", "郭巨街道办事处"]}


def test_administrator_gives_an_account_and_a_role_audited(client_for, personas, orgs):
    client = client_for("admin")
    response = _post(
        client,
        "/api/v1/users",
        {
            "username": "wang.handler",
            "full_name": "王",
            "role": "unit_handler",
            "organisation": "t-labour",
            "password": "A-long-pass-2026",
        },
    )
    assert response.status_code == 201, response.content
    user = User.objects.get(username="wang.handler")
    assert user.check_password("A-long-pass-2026") and not user.is_staff
    row = AuditLog.objects.get(action="user.create", object_id=str(user.pk))
    assert row.changes["role"] == [None, "unit_handler"]
    assert row.changes["password"] == ["***", "***"]
    assert "A-long-pass" not in str(row.changes)
    assert row.organisation_id == orgs["labour"].pk

    moved = _patch(
        client, "/api/v1/users/wang.handler", {"role": "supervisor", "organisation": "t-beilun"}
    )
    assert moved.status_code == 200, moved.content
    row = AuditLog.objects.get(action="user.update", object_id=str(user.pk))
    assert row.changes["role"] == ["unit_handler", "supervisor"]
    assert row.changes["organisation"] == [orgs["labour"].pk, orgs["district"].pk]


def test_a_role_changed_in_the_console_is_audited(client_for, personas, orgs):
    client = client_for("admin")
    assert client.get("/accounts/users/").status_code == 200
    response = client.post(
        "/accounts/users/p-site/edit/",
        {
            "full_name": "p-site",
            "role": "supervisor",
            "organisation": orgs["xiapu"].pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = AuditLog.objects.get(action="user.update", object_id=str(personas["site_staff"].pk))
    assert row.changes == {"role": ["site_staff", "supervisor"]}


def test_supervisors_give_no_accounts_and_nobody_makes_a_driver_here(client_for):
    body = {"username": "x1", "role": "broker", "organisation": "t-guoju"}
    assert _post(client_for("supervisor"), "/api/v1/users", body).status_code == 404
    assert client_for("supervisor").get("/accounts/users/").status_code == 404
    driver = _post(client_for("admin"), "/api/v1/users", {**body, "role": "driver"})
    assert driver.status_code == 400 and driver.json()["field"] == "role"
    taken = _post(client_for("admin"), "/api/v1/users", {**body, "username": "P-SITE"})
    assert taken.status_code == 409
    staff_without_org = _post(
        client_for("admin"), "/api/v1/users", {"username": "x2", "role": "broker"}
    )
    assert staff_without_org.status_code == 400
    assert staff_without_org.json()["field"] == "organisation"


def test_a_district_administrator_stays_in_his_district(district_admin, client_for, orgs):
    client = client_for(district_admin)
    inside = _post(
        client, "/api/v1/users", {"username": "x3", "role": "broker", "organisation": "t-guoju"}
    )
    assert inside.status_code == 201
    outside = _post(
        client,
        "/api/v1/users",
        {"username": "x4", "role": "broker", "organisation": "t-zhaobaoshan"},
    )
    assert outside.status_code == 400 and outside.json()["field"] == "organisation"
    platform_admin = _post(client, "/api/v1/users", {"username": "x5", "role": "admin"})
    assert platform_admin.status_code == 403
    assert _patch(client, "/api/v1/users/p-outsider", {"full_name": "x"}).status_code == 404


def test_nobody_changes_his_own_role(client_for, district_admin):
    response = _patch(
        client_for(district_admin), "/api/v1/users/p-district-admin", {"role": "broker"}
    )
    assert response.status_code == 403
    district_admin.refresh_from_db()
    assert district_admin.role == Role.ADMIN


def test_supervisor_renames_his_own_district_from_the_console(client_for, orgs):
    client = client_for("supervisor")
    data = {
        "name": "北仑区（新）",
        "kind": "district",
        "parent": orgs["city"].pk,
        "is_active": "on",
    }
    response = client.post("/accounts/organisations/t-beilun/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    orgs["district"].refresh_from_db()
    assert orgs["district"].name == "北仑区（新）" and orgs["district"].parent == orgs["city"]
    moved = client.post(
        "/accounts/organisations/t-beilun/edit/", {**data, "parent": orgs["province"].pk}
    )
    assert moved.status_code == 400
    orgs["district"].refresh_from_db()
    assert orgs["district"].parent == orgs["city"]


def test_an_inactive_organisation_stays_listed_to_be_made_active_again(client_for, orgs):
    client = client_for("supervisor")
    response = _patch(client, "/api/v1/organisations/t-guoju", {"is_active": False})
    assert response.status_code == 200
    page = client.get("/accounts/organisations/")
    assert "郭巨街道" in page.content.decode()
    assert _patch(client, "/api/v1/organisations/t-guoju", {"is_active": True}).status_code == 200
    rows = AuditLog.objects.filter(action="organisation.update", object_id=str(orgs["guoju"].pk))
    assert [row.changes for row in rows.order_by("at", "pk")] == [
        {"is_active": [True, False]},
        {"is_active": [False, True]},
    ]
