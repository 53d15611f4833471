"""Actions write audit rows (actor, changes, IP); the logs refuse update and delete."""

from __future__ import annotations

import pytest

from driverhome.accounts import actions, audit
from driverhome.accounts.models import AccessLog, AuditLog, Organisation
from driverhome.core.errors import Conflict

pytestmark = pytest.mark.django_db


def test_action_writes_actor_changes_and_ip(client_for, personas, orgs):
    client = client_for("supervisor")
    response = client.post(
        "/api/v1/tokens",
        {"name": "audit me"},
        content_type="application/json",
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_REQUEST_ID="req-audit-1",
    )
    assert response.status_code == 201
    entry = AuditLog.objects.get(action="token.issue")
    assert entry.actor == personas["supervisor"] and entry.actor_label == "p-supervisor"
    assert entry.ip == "203.0.113.9"
    assert entry.request_id == "req-audit-1"
    assert entry.organisation_id == orgs["district"].pk
    assert entry.changes == {"scope": [None, ""]}


def test_update_records_only_what_changed(personas, orgs):
    org = actions.create_organisation(
        actor=personas["admin"], code="t-new", name="新社区", kind="community", parent=orgs["xiapu"]
    )
    created = AuditLog.objects.get(action="organisation.create", object_id=str(org.pk))
    assert created.changes["name"] == [None, "新社区"]
    actions.update_organisation(org, actor=personas["supervisor"], name="新名称", leader_name="王")
    updated = AuditLog.objects.get(action="organisation.update", object_id=str(org.pk))
    assert updated.changes == {"name": ["新社区", "新名称"], "leader_name": ["", "王"]}
    assert updated.actor == personas["supervisor"]
    # No change, no row.
    actions.update_organisation(org, actor=personas["supervisor"], name="新名称")
    assert AuditLog.objects.filter(action="organisation.update", object_id=str(org.pk)).count() == 1


def test_diff_hides_protected_values():
    changes = audit.diff(
        {"id_number": "a", "x": 1}, {"id_number": "b", "x": 1}, protected={"id_number"}
    )
    assert changes == {"id_number": ["***", "***"]}


def test_failed_action_leaves_no_audit_row(personas, orgs):
    before = AuditLog.objects.count()
    with pytest.raises(Conflict):  # the duplicate code: a clear 409, not a crash
        actions.create_organisation(
            actor=personas["admin"], code=orgs["xiapu"].code, name="dup", kind="community"
        )
    assert AuditLog.objects.count() == before
    assert Organisation.objects.filter(code=orgs["xiapu"].code).count() == 1


def _entries(personas, orgs):
    entry = audit.record(
        personas["admin"], "test.thing", organisation=orgs["xiapu"], object_type="t"
    )
    access = audit.record_access(personas["admin"], orgs["xiapu"], "phone", reason="check")
    return entry, access


def test_orm_refuses_update_and_delete(personas, orgs):
    entry, access = _entries(personas, orgs)
    for model, row in ((AuditLog, entry), (AccessLog, access)):
        with pytest.raises(PermissionError):
            model.objects.filter(pk=row.pk).update(ip="10.0.0.1")
        with pytest.raises(PermissionError):
            model.objects.filter(pk=row.pk).delete()
        with pytest.raises(PermissionError):
            row.delete()
        with pytest.raises(PermissionError):
            row.save()
    assert AuditLog.objects.filter(pk=entry.pk, ip=None).exists()


def test_audit_page_lists_and_filters(client_for, personas, orgs):
    audit.record(
        personas["broker"], "appeal.transition", organisation=orgs["guoju"], object_type="x"
    )
    audit.record(personas["broker"], "token.issue", organisation=orgs["guoju"], object_type="x")
    page = client_for("supervisor").get("/accounts/audit/", {"action": "appeal."})
    assert page.status_code == 200
    actions_shown = [e.action for e in page.context["page"]]
    assert actions_shown == ["appeal.transition"]
    assert client_for("site_staff").get("/accounts/audit/").status_code == 404
