"""The organisation tree and first staff accounts from a workbook: all or nothing, audited,
scoped to the importer's organisations, the same from the page, the API and the command."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from driverhome.accounts.models import AuditLog, Organisation, Role, User
from driverhome.core import sheets

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["编码", "名称", "上级编码", "类型", "单位类别"]


def book(organisations, staff=None) -> bytes:
    buffer = io.BytesIO()
    wb = sheets.workbook(buffer, in_memory=True)
    for name, rows in (("organisations", organisations), ("staff", staff)):
        if rows is None:
            continue
        sheet = wb.add_worksheet(name)
        for number, row in enumerate(rows):
            sheets.write_row(sheet, number, 0, row)
    wb.close()
    return buffer.getvalue()


def upload(data: bytes, name="tree.xlsx"):
    return SimpleUploadedFile(name, data, content_type=XLSX)


def test_an_administrator_imports_a_tree_and_staff_from_the_page(client_for, orgs):
    data = book(
        [
            HEADER,
            ["t-chaiqiao", "柴桥街道", "t-beilun", "街道", ""],
            ["t-chaiqiao-home", "柴桥司机之家", "t-chaiqiao", "Driver's Home operator", ""],
            ["t-health", "区卫健局", "t-beilun", "unit", "health"],
        ],
        [
            ["用户名", "姓名", "角色", "所属组织编码", "手机号"],
            ["cq-site", "王站长", "站点工作人员", "t-chaiqiao-home", "13906512345"],
        ],
    )
    response = client_for("admin").post("/accounts/organisations/import/", {"file": upload(data)})
    assert response.status_code == 200
    home = Organisation.objects.get(code="t-chaiqiao-home")
    assert home.kind == "operator" and home.is_within(orgs["district"])
    assert Organisation.objects.get(code="t-health").unit_kind == "health"
    user = User.objects.get(username="cq-site")
    assert user.role == Role.SITE_STAFF and user.organisation == home
    assert not user.has_usable_password()
    assert AuditLog.objects.filter(action="organisation.create").count() == 3
    assert AuditLog.objects.filter(action="user.create", object_id=str(user.pk)).exists()
    assert AuditLog.objects.filter(action="organisation.import").count() == 1
    assert "/accounts/password/set/" in response.content.decode()


def test_one_bad_row_writes_nothing_and_each_error_is_named(api, orgs):
    data = book(
        [
            HEADER,
            ["t-new", "新街道", "t-beilun", "subdistrict", ""],
            ["t-new", "重复", "t-beilun", "subdistrict", ""],
            ["t-orphan", "无上级", "t-nowhere", "community", ""],
            ["t-odd", "怪类型", "t-beilun", "castle", ""],
        ]
    )
    before = Organisation.objects.count()
    response = api("admin").post("/api/v1/organisations/import", {"file": upload(data)})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "rejected_rows"
    assert {(e["row"], e["column"]) for e in body["errors"]} == {
        (3, "编码"),
        (4, "上级编码"),
        (5, "类型"),
    }
    assert Organisation.objects.count() == before
    assert not AuditLog.objects.filter(action__startswith="organisation.").exists()


def test_importing_again_updates_what_changed_and_audits_only_that(api, orgs):
    rows = [HEADER, ["t-chaiqiao", "柴桥街道", "t-beilun", "subdistrict", ""]]
    first = api("admin").post("/api/v1/organisations/import", {"file": upload(book(rows))})
    assert first.status_code == 200
    rows[1][1] = "柴桥街道办事处"
    rows.append(["t-xiapu", "霞浦街道", "t-beilun", "subdistrict", ""])  # as it is
    second = api("admin").post("/api/v1/organisations/import", {"file": upload(book(rows))})
    assert second.status_code == 200
    assert second.json()["organisations_created"] == 0
    assert second.json()["organisations_updated"] == 1
    assert Organisation.objects.get(code="t-chaiqiao").name == "柴桥街道办事处"
    update = AuditLog.objects.get(action="organisation.update")
    assert update.changes == {"name": ["柴桥街道", "柴桥街道办事处"]}


def test_an_organisations_administrator_imports_only_below_his_organisation(api, orgs):
    local = User.objects.create(username="xiapu-admin", role=Role.ADMIN, organisation=orgs["xiapu"])
    from driverhome.accounts.models import ApiToken

    _token, key = ApiToken.issue(local, "t")
    client = api(None)
    rows = [
        HEADER,
        ["t-top", "顶级", "", "province", ""],
        ["t-guoju", "郭巨", "t-xiapu", "subdistrict", ""],  # another branch's code
        ["t-xiapu-c", "社区", "t-xiapu", "community", ""],
    ]
    response = client.post(
        "/api/v1/organisations/import",
        {"file": upload(book(rows))},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 400
    assert {e["row"] for e in response.json()["errors"]} == {2, 3}
    assert not Organisation.objects.filter(code__in=["t-top", "t-xiapu-c"]).exists()


def test_a_dry_run_writes_nothing(api, orgs):
    rows = [HEADER, ["t-dry", "试运行", "t-beilun", "subdistrict", ""]]
    response = api("admin").post(
        "/api/v1/organisations/import?dry_run=true", {"file": upload(book(rows))}
    )
    assert response.status_code == 200 and response.json()["organisations_created"] == 1
    assert not Organisation.objects.filter(code="t-dry").exists()
    assert not AuditLog.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused_with_a_reason(api, orgs):
    response = api("admin").post(
        "/api/v1/organisations/import", {"file": upload(b"\x00\x01garbage" * 50, "tree.xlsx")}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_file" and response.json()["field"] == "file"


def test_only_administrators_import(api, orgs):
    rows = [HEADER, ["t-x", "X", "t-beilun", "subdistrict", ""]]
    response = api("supervisor").post("/api/v1/organisations/import", {"file": upload(book(rows))})
    assert response.status_code in (403, 404)
    assert not Organisation.objects.filter(code="t-x").exists()


def test_the_command_imports_as_the_operator_and_prints_the_links(tmp_path, orgs, capsys):
    path = tmp_path / "tree.xlsx"
    path.write_bytes(
        book(
            [HEADER, ["t-c", "C", "t-beilun", "community", ""]],
            [["用户名", "角色", "所属组织编码"], ["c-broker", "broker", "t-c"]],
        )
    )
    call_command("import-organisations", str(path), base_url="https://dh.example")
    out = capsys.readouterr().out
    assert "c-broker: https://dh.example/accounts/password/set/" in out
    entry = AuditLog.objects.get(action="organisation.create")
    assert entry.actor is None and entry.actor_label == "system"
    path.write_bytes(book([HEADER, ["t-d", "D", "t-gone", "community", ""]]))
    with pytest.raises(CommandError):
        call_command("import-organisations", str(path))


def test_a_set_password_link_works_once(client, orgs, tmp_path, capsys):
    from driverhome.accounts.orgimport import invitation_path

    user = User(username="new-broker", role=Role.BROKER, organisation=orgs["xiapu"])
    user.set_unusable_password()
    user.save()
    path = invitation_path(user)
    assert client.post(path, {"password": "123"}).status_code == 200  # too weak: asked again
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert client.post(path, {"password": "Quay-side-2027"}).status_code == 200
    user.refresh_from_db()
    assert user.check_password("Quay-side-2027")
    assert AuditLog.objects.filter(action="user.password_set", object_id=str(user.pk)).exists()
    assert client.get(path).status_code == 404


def test_the_same_workbook_imports_again_without_changing_its_accounts(api, orgs):
    data = book(
        [HEADER, ["t-e", "E", "t-beilun", "community", ""]],
        [
            ["用户名", "角色", "所属组织编码", "手机号"],
            ["e-site", "site_staff", "t-e", "13906519999"],
        ],
    )
    first = api("admin").post("/api/v1/organisations/import", {"file": upload(data)})
    assert first.status_code == 200 and first.json()["staff_created"] == 1
    again = api("admin").post("/api/v1/organisations/import", {"file": upload(data)})
    assert again.status_code == 200, again.content
    assert again.json()["staff_created"] == 0 and again.json()["invitations"] == []
    assert User.objects.filter(username="e-site").count() == 1
