"""Whatever the Django admin changes writes an audit row.

Every model registered with ``admin.site`` is walked: a read-only registration must refuse
add, change and delete; any other is changed through the admin's own pages (add, change,
delete, "delete selected", and a user's password form) and each change must have written
its audit row, naming the changed fields. A new registration without an entry in
``SPECS`` (or ``READ_ONLY``) fails here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django import forms
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from driverhome.accounts.models import AuditLog, Organisation, Role, User

pytestmark = pytest.mark.django_db

#: registrations that change nothing (the console's actions change these, or nobody)
READ_ONLY = {
    "accounts.auditlog",
    "accounts.accesslog",
    "accounts.apitoken",
    "appeals.appeal",
    "appeals.open311key",
    "stations.station",
    "axes.accesslog",
    "axes.accessfailurelog",
}

_numbers = itertools.count(1)


@dataclass(frozen=True)
class Spec:
    #: (orgs, n) -> a stored object to change or delete
    make: Callable
    #: form values that change it (the field named must appear in the audit row); None when
    #: the admin allows no change
    change: dict | None
    #: (orgs, n) -> form values of a new object for the add page; None when it allows no add
    new: Callable | None


def _org(orgs, n):
    org = Organisation(code=f"adm-org-{n}", name="审计社区", kind="community", parent=orgs["xiapu"])
    org.save()
    return org


def _user(orgs, n):
    user = User(username=f"adm-user-{n}", role=Role.SITE_STAFF, organisation=orgs["xiapu"])
    user.set_unusable_password()
    user.save()
    return user


def _leaf(n):
    from driverhome.appeals.models import Category

    group = Category.objects.create(code=f"ADMG{n}", name="审计组")
    return Category.objects.create(code=f"ADML{n}", name="审计类", parent=group)


def _limit(orgs, n):
    from driverhome.appeals.models import TimeLimit

    return TimeLimit.objects.create(appeal_type="help", category=_leaf(n), answer_days=5)


def _rule(orgs, n):
    from driverhome.appeals.models import RoutingRule

    return RoutingRule.objects.create(category=_leaf(n), area=orgs["xiapu"], unit=orgs["labour"])


def _facility(orgs, n):
    from driverhome.stations.models import Facility

    return Facility.objects.create(
        code=f"adm-fac-{n}", name="审计设施", name_en="Audit", kind="required"
    )


def _criterion(orgs, n):
    from driverhome.stations.models import RubricCriterion

    return RubricCriterion.objects.create(
        code=f"AD{n}", group="facilities", name="审计", name_en="Audit", points=5, source="assessor"
    )


def _free_grade(index):
    from driverhome.stations.models import GRADES, GradeThreshold

    grade = GRADES[index % len(GRADES)]
    GradeThreshold.objects.filter(grade=grade).delete()  # a test's own room, not an admin change
    return grade


def _threshold(orgs, n):
    from driverhome.stations.models import GradeThreshold

    return GradeThreshold.objects.create(grade=_free_grade(n), min_score=50)


def _group(orgs, n):
    from django.contrib.auth.models import Group

    return Group.objects.create(name=f"adm-group-{n}")


def _attempt(orgs, n):
    from axes.models import AccessAttempt

    return AccessAttempt.objects.create(
        username=f"locked-{n}",
        ip_address="203.0.113.7",
        user_agent="test",
        path_info="/accounts/login/",
        http_accept="*/*",
        get_data="",
        post_data="",
        failures_since_start=5,
    )


SPECS = {
    "axes.accessattempt": Spec(_attempt, None, None),
    "auth.group": Spec(_group, {"name": "renamed"}, lambda orgs, n: {"name": f"adm-new-{n}"}),
    "accounts.organisation": Spec(
        _org,
        {"name": "改名社区"},
        lambda orgs, n: {
            "code": f"adm-new-{n}",
            "name": "新社区",
            "kind": "community",
            "parent": orgs["xiapu"].pk,
        },
    ),
    "accounts.user": Spec(
        _user,
        {"role": Role.SUPERVISOR},
        lambda orgs, n: {
            "username": f"adm-new-{n}",
            "password1": "A-long-pass-2026",
            "password2": "A-long-pass-2026",
        },
    ),
    "appeals.category": Spec(
        lambda orgs, n: _leaf(n),
        {"name": "改名类"},
        lambda orgs, n: {"code": f"ADMN{n}", "name": "新类", "default_type": "help", "order": 0},
    ),
    "appeals.timelimit": Spec(
        _limit,
        {"answer_days": 7},
        lambda orgs, n: {
            "appeal_type": "enquiry",
            "category": _leaf(n).pk,
            "answer_days": 4,
            "day_kind": "working",
            "accept_days": 1,
            "visit_days": 1,
            "reminder_percent": 80,
        },
    ),
    "appeals.routingrule": Spec(
        _rule,
        {"unit": "police"},
        lambda orgs, n: {
            "category": _leaf(n).pk,
            "area": orgs["guoju"].pk,
            "unit": orgs["labour"].pk,
        },
    ),
    "stations.facility": Spec(
        _facility,
        {"name": "改名设施"},
        lambda orgs, n: {
            "code": f"adm-new-fac-{n}",
            "name": "新设施",
            "name_en": "New",
            "kind": "required",
            "order": 0,
        },
    ),
    "stations.rubriccriterion": Spec(
        _criterion,
        {"points": 3},
        lambda orgs, n: {
            "code": f"AN{n}",
            "group": "facilities",
            "name": "新",
            "name_en": "New",
            "points": 2,
            "source": "assessor",
        },
    ),
    "stations.gradethreshold": Spec(
        _threshold,
        {"min_score": 61},
        lambda orgs, n: {"grade": _free_grade(n), "min_score": 70, "requires": "[]"},
    ),
}

REGISTERED = sorted(
    (model._meta.label_lower, model, model_admin)
    for model, model_admin in admin.site._registry.items()
)
IDS = [label for label, _m, _a in REGISTERED]


def _widget(field):
    widget = field.widget
    while not isinstance(widget, forms.MultiWidget) and hasattr(widget, "widget"):
        widget = widget.widget  # the admin's related-object wrapper
    return widget


def form_data(form) -> dict:
    """What a browser would post back for ``form`` unchanged."""
    data = {}
    for bound in form:
        widget, value = _widget(bound.field), bound.value()
        if isinstance(widget, forms.MultiWidget):
            parts = value if isinstance(value, list) else widget.decompress(value)
            for suffix, sub, part in zip(widget.widgets_names, widget.widgets, parts, strict=False):
                data[bound.html_name + suffix] = sub.format_value(part) or ""
        elif isinstance(widget, forms.SelectMultiple) and not value:
            continue
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            if value:
                data[bound.html_name] = [str(v) for v in value]
        elif value is None:
            data[bound.html_name] = ""
        else:
            formatted = widget.format_value(value)
            data[bound.html_name] = "" if formatted is None else formatted
    return data


@pytest.fixture
def superuser(db):
    user = User(username="adm-root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    user.set_password("Root-pass-2026")
    user.save()
    return user


@pytest.fixture
def admin_client_(superuser):
    client = Client()
    client.force_login(superuser)
    return client


def _request(user):
    request = RequestFactory().get("/console/admin/")
    request.user = user
    return request


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _rows(model, verb, obj_id=None):
    rows = AuditLog.objects.filter(action=f"{model._meta.model_name}.{verb}")
    if obj_id is not None:
        rows = rows.filter(object_id=str(obj_id))
    return rows


def _posted(response):
    if response.status_code != 302:
        form = response.context and response.context.get("adminform")
        errors = form.form.errors if form else response.content[:500]
        raise AssertionError(f"the admin refused the change ({response.status_code}): {errors}")


def _spec(label):
    if label in READ_ONLY:
        pytest.skip("read-only registration (tested apart)")
    spec = SPECS.get(label)
    assert spec is not None, (
        f"{label} is registered with the admin: make it read-only (ReadOnlyAdmin) or give "
        "it an AuditedModelAdmin and an entry in SPECS here"
    )
    return spec


@pytest.mark.parametrize(("label", "model", "model_admin"), REGISTERED, ids=IDS)
def test_read_only_registrations_refuse_every_change(label, model, model_admin, superuser):
    request = _request(superuser)
    if label in READ_ONLY:
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
    else:
        from driverhome.accounts.admin import AuditedModelAdmin

        assert isinstance(model_admin, AuditedModelAdmin), label


@pytest.mark.parametrize(("label", "model", "model_admin"), REGISTERED, ids=IDS)
def test_adding_in_the_admin_writes_an_audit_row(
    label, model, model_admin, orgs, superuser, admin_client_
):
    spec = _spec(label)
    if spec.new is None:
        assert not model_admin.has_add_permission(_request(superuser))
        assert admin_client_.post(_url(model, "add"), {}).status_code == 403
        return
    n = next(_numbers)
    data = form_data(model_admin.get_form(_request(superuser), None, change=False)())
    data.update({key: str(value) for key, value in spec.new(orgs, n).items()})
    before = set(model.objects.values_list("pk", flat=True))
    _posted(admin_client_.post(_url(model, "add"), data))
    (new_pk,) = set(model.objects.values_list("pk", flat=True)) - before
    created = _rows(model, "create").filter(actor=superuser)
    assert created.exists(), f"adding a {label} wrote no audit row"


@pytest.mark.parametrize(("label", "model", "model_admin"), REGISTERED, ids=IDS)
def test_changing_in_the_admin_writes_the_changes(
    label, model, model_admin, orgs, superuser, admin_client_
):
    spec = _spec(label)
    obj = spec.make(orgs, next(_numbers))
    request = _request(superuser)
    if spec.change is None:
        assert not model_admin.has_change_permission(request, obj)
        assert admin_client_.post(_url(model, "change", obj.pk), {}).status_code == 403
        return
    data = form_data(model_admin.get_form(request, obj, change=True)(instance=obj))
    change = {
        key: orgs[value].pk if isinstance(value, str) and value in orgs else value
        for key, value in spec.change.items()
    }
    data.update({key: str(value) for key, value in change.items()})
    _posted(admin_client_.post(_url(model, "change", obj.pk), data))
    rows = _rows(model, "update").filter(actor=superuser)
    assert rows.exists(), f"changing a {label} wrote no audit row"
    (field,) = change
    assert any(field in row.changes for row in rows), [row.changes for row in rows]


@pytest.mark.parametrize(("label", "model", "model_admin"), REGISTERED, ids=IDS)
def test_deleting_in_the_admin_writes_an_audit_row(
    label, model, model_admin, orgs, superuser, admin_client_
):
    spec = _spec(label)
    obj = spec.make(orgs, next(_numbers))
    if not model_admin.has_delete_permission(_request(superuser), obj):
        response = admin_client_.post(_url(model, "delete", obj.pk), {"post": "yes"})
        assert response.status_code == 403 and model.objects.filter(pk=obj.pk).exists()
        return
    _posted(admin_client_.post(_url(model, "delete", obj.pk), {"post": "yes"}))
    assert not model.objects.filter(pk=obj.pk).exists()
    assert _rows(model, "delete").exists(), f"deleting a {label} wrote no audit row"


@pytest.mark.parametrize(("label", "model", "model_admin"), REGISTERED, ids=IDS)
def test_deleting_selected_in_the_admin_writes_a_row_per_object(
    label, model, model_admin, orgs, superuser, admin_client_
):
    spec = _spec(label)
    if not model_admin.has_delete_permission(_request(superuser)):
        assert "delete_selected" not in model_admin.get_actions(_request(superuser))
        return
    first, second = spec.make(orgs, next(_numbers)), spec.make(orgs, next(_numbers))
    chosen = sorted({first.pk, second.pk})
    response = admin_client_.post(
        _url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": chosen, "post": "yes"},
    )
    assert response.status_code == 302
    assert not model.objects.filter(pk__in=chosen).exists()
    deleted = set(_rows(model, "delete").values_list("object_id", flat=True))
    assert {str(pk) for pk in chosen} <= deleted, deleted


def test_a_password_set_in_the_admin_is_audited_without_its_value(orgs, superuser, admin_client_):
    user = _user(orgs, next(_numbers))
    response = admin_client_.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "Another-pass-2026", "password2": "Another-pass-2026"},
    )
    _posted(response)
    row = _rows(User, "update", user.pk).get()
    assert row.changes == {"password": ["***", "***"]}
    assert "Another-pass" not in str(row.changes)


def test_a_role_changed_in_the_admin_names_old_and_new_role(orgs, superuser, admin_client_):
    user = _user(orgs, next(_numbers))
    model_admin = admin.site._registry[User]
    data = form_data(model_admin.get_form(_request(superuser), user, change=True)(instance=user))
    data["role"] = Role.UNIT_HANDLER
    data["organisation"] = str(orgs["labour"].pk)
    _posted(admin_client_.post(_url(User, "change", user.pk), data))
    row = _rows(User, "update", user.pk).get()
    assert row.changes["role"] == ["site_staff", "unit_handler"]
    assert row.changes["organisation"] == [orgs["xiapu"].pk, orgs["labour"].pk]
    assert row.organisation_id == orgs["labour"].pk
