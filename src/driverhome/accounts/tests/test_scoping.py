"""Scoped access: staff see their organisation's subtree, nothing else (404, never 403)."""

from __future__ import annotations

import pytest
from django.http import Http404

from driverhome.accounts.models import AuditLog, User
from driverhome.accounts.scoping import ScopedQuerySet, get_for_user

pytestmark = pytest.mark.django_db


def users_scoped():
    """Users, scoped by their own organisation: a real model under the generic ScopedQuerySet."""
    return ScopedQuerySet(model=User).exclude(organisation=None)


def test_subdistrict_staff_see_their_subtree_only(personas, orgs):
    visible = set(
        users_scoped().for_user(personas["site_staff"]).values_list("username", flat=True)
    )
    assert visible == {"p-site"}  # xiapu: only its own people
    guoju = set(users_scoped().for_user(personas["broker"]).values_list("username", flat=True))
    assert guoju == {"p-broker", "p-guoju"}


def test_other_subdistrict_object_is_404(personas):
    with pytest.raises(Http404):
        get_for_user(users_scoped(), personas["site_staff"], username="p-broker")
    assert get_for_user(users_scoped(), personas["site_staff"], username="p-site").username == (
        "p-site"
    )


def test_supervisor_sees_the_district_subtree(personas):
    visible = set(
        users_scoped().for_user(personas["supervisor"]).values_list("username", flat=True)
    )
    assert {"p-site", "p-broker", "p-guoju", "p-unit", "p-police", "p-supervisor"} <= visible
    assert "p-outsider" not in visible and "p-outsider-sup" not in visible
    with pytest.raises(Http404):
        get_for_user(users_scoped(), personas["supervisor"], username="p-outsider")


def test_outsider_supervisor_sees_only_the_other_district(personas):
    visible = set(
        users_scoped().for_user(personas["outsider_supervisor"]).values_list("username", flat=True)
    )
    assert visible == {"p-outsider", "p-outsider-sup"}


def test_admin_without_organisation_sees_all(personas):
    everyone = set(users_scoped().values_list("username", flat=True))
    assert set(users_scoped().for_user(personas["admin"]).values_list("username", flat=True)) == (
        everyone
    )


def test_admin_with_organisation_is_scoped(personas, orgs):
    from conftest import make_user

    local_admin = make_user("p-local-admin", "admin", orgs["xiapu"])
    visible = set(users_scoped().for_user(local_admin).values_list("username", flat=True))
    assert visible == {"p-site", "p-local-admin"}


def test_anonymous_driver_and_inactive_see_nothing(personas):
    from django.contrib.auth.models import AnonymousUser

    assert not users_scoped().for_user(AnonymousUser()).exists()
    assert not users_scoped().for_user(None).exists()
    assert not users_scoped().for_user(personas["driver"]).exists()
    staff = personas["supervisor"]
    staff.is_active = False
    assert not users_scoped().for_user(staff).exists()


def test_get_for_user_bad_value_is_404(personas):
    with pytest.raises(Http404):
        get_for_user(users_scoped(), personas["admin"], pk="not-a-number")


def test_audit_log_scoped_by_organisation(personas, orgs):
    from driverhome.accounts import audit

    audit.record(personas["admin"], "test.xiapu", organisation=orgs["xiapu"], object_type="t")
    audit.record(personas["admin"], "test.zhenhai", organisation=orgs["other_sub"], object_type="t")
    seen = set(AuditLog.objects.for_user(personas["supervisor"]).values_list("action", flat=True))
    assert "test.xiapu" in seen and "test.zhenhai" not in seen
    # Site staff and brokers do not read the audit log at all.
    assert not AuditLog.objects.for_user(personas["site_staff"]).exists()
    assert {"test.xiapu", "test.zhenhai"} <= set(
        AuditLog.objects.for_user(personas["admin"]).values_list("action", flat=True)
    )


def test_api_object_outside_scope_is_404(api, orgs):
    assert api("site_staff").get(f"/api/v1/organisations/{orgs['xiapu'].code}").status_code == 200
    assert api("site_staff").get(f"/api/v1/organisations/{orgs['guoju'].code}").status_code == 404
    assert api("outsider").get(f"/api/v1/organisations/{orgs['xiapu'].code}").status_code == 404
    assert api("supervisor").get(f"/api/v1/organisations/{orgs['guoju'].code}").status_code == 200
    codes = {o["code"] for o in api("supervisor").get("/api/v1/organisations").json()["items"]}
    assert orgs["guoju"].code in codes and orgs["other_sub"].code not in codes


def test_moving_an_organisation_moves_its_subtree(orgs):
    xiapu = orgs["xiapu"]
    from conftest import make_org

    community = make_org("t-community", "community", xiapu)
    assert community.path.startswith(xiapu.path)
    xiapu.parent = orgs["other_district"]
    xiapu.save()
    community.refresh_from_db()
    assert community.path.startswith(orgs["other_district"].path)
    assert community.is_within(orgs["other_district"])
    assert not community.is_within(orgs["district"])
