"""Every services page and API operation, and who may use it.

Objects live at Xiapu (``orgs["xiapu"]``): site staff (Xiapu), the supervisor
(Beilun) and the administrator see them; the broker (Guoju), the unit handler
and the outsider get 404 for objects named in the URL.
"""

from __future__ import annotations

from datetime import date, timedelta

from tests.permissions import Check

FILES = frozenset({"broker", "site_staff", "supervisor", "admin", "outsider"})
XIAPU = frozenset({"site_staff", "supervisor", "admin"})
ADMIN = frozenset({"admin"})
DRIVER = frozenset({"driver", "other_driver"})
STAFF = frozenset({"broker", "site_staff", "unit_handler", "supervisor", "admin", "outsider"})


def _world(personas, orgs) -> dict:
    """A Xiapu driver (the driver persona's file) with wife and child, the catalogue, a term, a workshop."""
    from driverhome.drivers.actions import add_family_member, create_driver
    from driverhome.services import actions
    from driverhome.services.catalogue import load_default_catalogue
    from driverhome.services.models import ServiceItem

    load_default_catalogue()
    driver = create_driver(
        actor=None,
        organisation=orgs["xiapu"],
        name="王建国",
        user=personas["driver"],
        tags=["hardship"],
    )
    today = date.today()
    spouse = add_family_member(
        driver, actor=None, relation="spouse", name="李秀英", employment="home"
    )
    child = add_family_member(
        driver,
        actor=None,
        relation="child",
        name="王小明",
        birth_date=today.replace(year=today.year - 8),
    )
    term = actions.create_care_term(
        actor=None,
        code="t-care",
        name="秋季托管",
        organisation=orgs["xiapu"],
        site_name="霞浦",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=30),
        capacity=5,
    )
    workshop = actions.create_workshop(
        actor=None, code="t-kasao", name="工坊", organisation=orgs["xiapu"]
    )
    member = actions.add_workshop_member(
        actor=None,
        workshop=workshop,
        spouse=spouse,
        mode="on_site",
        joined_on=today - timedelta(days=90),
    )
    actions.refresh_recommendations(type(driver).objects.filter(pk=driver.pk))
    reco = driver.service_recommendations.filter(status="open").first()
    enrolment = actions.enrol_child(actor=None, term=term, child=child)
    request = actions.request_service(
        actor=None, driver=driver, item=ServiceItem.objects.get(code="N07-05")
    )
    return {
        "driver": driver,
        "child": child,
        "term": term,
        "workshop": workshop,
        "member": member,
        "reco": reco,
        "enrolment": enrolment,
        "request": request,
    }


def _reco(personas, orgs):
    return {"public_id": _world(personas, orgs)["reco"].public_id}


def _reco_api(personas, orgs):
    return {"id": _world(personas, orgs)["reco"].public_id}


def _request(personas, orgs):
    return {"public_id": _world(personas, orgs)["request"].public_id}


def _journey(personas, orgs):
    return {"public_id": _world(personas, orgs)["driver"].public_id}


def _journey_api(personas, orgs):
    return {"driver": _world(personas, orgs)["driver"].public_id}


def _term(personas, orgs):
    _world(personas, orgs)
    return {"code": "t-care"}


def _enrolment(personas, orgs):
    return {"public_id": _world(personas, orgs)["enrolment"].public_id}


def _workshop(personas, orgs):
    _world(personas, orgs)
    return {"code": "t-kasao"}


def _item(personas, orgs):
    _world(personas, orgs)
    return {"code": "N06-02"}


def _world_only(personas, orgs):
    w = _world(personas, orgs)
    return {
        "_driver": str(w["driver"].public_id),
        "_child": str(w["child"].public_id),
        "_member": str(w["member"].public_id),
    }


def _record_body(personas, orgs, kwargs):
    return {"driver": kwargs["_driver"], "item": "N07-01"}


def _bulk_body(personas, orgs, kwargs):
    return {"drivers": [kwargs["_driver"]], "item": "N13-01"}


def _enrol_body(personas, orgs, kwargs):
    from driverhome.drivers.actions import add_family_member
    from driverhome.drivers.models import Driver

    driver = Driver.objects.get(user=personas["driver"])
    child = add_family_member(
        driver, actor=None, relation="child", name="王小红", birth_date=date(2019, 5, 1)
    )
    return {"child": str(child.public_id)}


def _earning_body(personas, orgs, kwargs):
    month = date.today().replace(day=1) - timedelta(days=1)
    return {"member": kwargs["_member"], "month": month.replace(day=1).isoformat(), "amount": 2500}


def _career_body(personas, orgs, kwargs):
    return {
        "driver": kwargs["_driver"],
        "from_job": "集卡司机",
        "to_job": "仓库管理员",
        "changed_on": date.today().isoformat(),
        "help": "matching",
    }


def _world_kwargs(personas, orgs):
    w = _world(personas, orgs)
    return {
        "code": "t-care",
        "_driver": str(w["driver"].public_id),
        "_member": str(w["member"].public_id),
    }


def _workshop_kwargs(personas, orgs):
    w = _world(personas, orgs)
    return {
        "code": "t-kasao",
        "_driver": str(w["driver"].public_id),
        "_member": str(w["member"].public_id),
    }


def _enrol_form(personas, orgs, kwargs):
    return {"child": _enrol_body(personas, orgs, kwargs)["child"]}


CHECKS = [
    # Console pages
    Check("services:recommendations", FILES),
    Check("services:recommendations-refresh", FILES, method="POST"),
    Check("services:recommendation-accept", XIAPU, setup=_reco, method="POST"),
    Check("services:recommendation-dismiss", XIAPU, setup=_reco, method="POST"),
    Check("services:request-fulfil", XIAPU, setup=_request, method="POST"),
    Check(
        "services:request-decline",
        XIAPU,
        setup=_request,
        method="POST",
        data={"note": "不符合条件"},
    ),
    Check("services:catalogue", FILES),
    Check("services:item-edit", ADMIN, setup=_item),
    Check("services:item-new", ADMIN),
    Check("services:node-new", ADMIN),
    Check("services:node-edit", ADMIN, setup=lambda p, o: _item(p, o) and {"code": "N06"}),
    Check("services:record-list", FILES),
    Check("services:record-new", FILES),
    Check("services:record-bulk", FILES),
    Check("services:journey", XIAPU, setup=_journey),
    Check("services:care", FILES),
    Check("services:care-term", XIAPU, setup=_term),
    Check(
        "services:care-enrol",
        XIAPU,
        setup=_term,
        method="POST",
        data=_enrol_form,
        note="form",
    ),
    Check(
        "services:care-attendance",
        XIAPU,
        setup=_term,
        method="POST",
        data={"day": date.today().isoformat()},
    ),
    Check("services:care-withdraw", XIAPU, setup=_enrolment, method="POST"),
    Check("services:workshop", FILES),
    Check(
        "services:workshop-earning",
        XIAPU,
        setup=_workshop,
        method="POST",
        data=lambda p, o, k: {
            "member": str(p["driver"].driver_file.workshop_members.get().public_id),
            "month": "2026-01",
            "amount": "2400",
        },
    ),
    Check(
        "services:workshop-member-add",
        XIAPU,
        setup=_workshop,
        method="POST",
        data={"spouse": "x", "mode": "home", "income_before": "0"},
    ),
    Check("services:training", FILES),
    # Driver pages
    Check("services_driver:my-services", frozenset({"driver", "other_driver"})),
    Check("services_driver:suggestion-accept", DRIVER, setup=_item, method="POST"),
    # API
    Check("GET /api/v1/services/nodes", STAFF),
    Check("GET /api/v1/services/items", STAFF),
    Check("GET /api/v1/services/items/{code}", STAFF, setup=_item),
    Check("PATCH /api/v1/services/items/{code}", ADMIN, setup=_item, data={"base_urgency": 20}),
    Check("GET /api/v1/services/records", FILES),
    Check("POST /api/v1/services/records", XIAPU, setup=_world_only, data=_record_body),
    Check("POST /api/v1/services/records/bulk", XIAPU, setup=_world_only, data=_bulk_body),
    Check("GET /api/v1/services/recommendations", FILES),
    Check(
        "POST /api/v1/services/recommendations/{id}/accept",
        XIAPU | {"driver"},
        setup=_reco_api,
        data={},
    ),
    Check("POST /api/v1/services/recommendations/{id}/dismiss", XIAPU, setup=_reco_api, data={}),
    Check("GET /api/v1/services/journey/{driver}", XIAPU, setup=_journey_api),
    Check("GET /api/v1/services/mine", frozenset({"driver"}), setup=_journey_api),
    Check("GET /api/v1/services/care/terms", FILES),
    Check(
        "POST /api/v1/services/care/terms/{code}/enrolments",
        XIAPU,
        setup=_world_kwargs,
        data=_enrol_body,
    ),
    Check(
        "POST /api/v1/services/workshops/{code}/earnings",
        XIAPU,
        setup=_workshop_kwargs,
        data=_earning_body,
    ),
    Check("GET /api/v1/services/workshops/{code}/members", XIAPU, setup=_workshop),
    Check("GET /api/v1/services/career-changes", FILES),
    Check("POST /api/v1/services/career-changes", XIAPU, setup=_world_only, data=_career_body),
    Check("GET /api/v1/services/figures", STAFF),
]
