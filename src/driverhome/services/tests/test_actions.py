"""Recording services, recommendations, requests and programmes: side effects and refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from driverhome.accounts.models import AuditLog
from driverhome.core.errors import Conflict, DomainError
from driverhome.drivers.models import Driver
from driverhome.services import actions
from driverhome.services.models import Recommendation, ServiceRecord, ServiceRequest

from .conftest import add_member, make_driver, years_ago

pytestmark = pytest.mark.django_db


def refresh(driver):
    return actions.refresh_recommendations(Driver.objects.filter(pk=driver.pk))


def test_recording_a_service_writes_the_record_and_an_audit_row(driver, catalogue, personas):
    record = actions.record_service(
        actor=personas["site_staff"], driver=driver, item=catalogue["N07-01"], notes="血压正常"
    )
    assert record.staff == personas["site_staff"] and record.outcome == "delivered"
    assert AuditLog.objects.filter(
        action="service_record.created", object_id=str(record.public_id)
    ).exists()


def test_a_family_member_of_another_driver_is_refused(driver, other_driver, catalogue, personas):
    stranger = add_member(other_driver, "child", "刘小", years_ago(5))
    with pytest.raises(DomainError):
        actions.record_service(
            actor=personas["site_staff"],
            driver=driver,
            item=catalogue["N06-02"],
            family_member=stranger,
        )
    assert not ServiceRecord.objects.exists()


def test_a_service_in_the_future_is_refused(driver, catalogue, personas):
    with pytest.raises(DomainError):
        actions.record_service(
            actor=personas["site_staff"],
            driver=driver,
            item=catalogue["N07-01"],
            delivered_at=timezone.now() + timedelta(days=2),
        )


def test_bulk_records_one_per_driver_and_one_audit_row(driver, other_driver, catalogue, personas):
    records = actions.record_services_bulk(
        actor=personas["admin"],
        drivers=[driver, other_driver],
        item=catalogue["N13-01"],
        place="红领集市",
    )
    assert len(records) == 2 and {r.source for r in records} == {"bulk"}
    assert AuditLog.objects.filter(action="service_record.bulk_created").count() == 1
    with pytest.raises(DomainError):
        actions.record_services_bulk(actor=personas["admin"], drivers=[], item=catalogue["N13-01"])


def test_refresh_adds_updates_and_removes_suggestions(driver, catalogue, personas):
    counts = refresh(driver)
    codes = set(
        driver.service_recommendations.filter(status="open").values_list("item__code", flat=True)
    )
    assert counts["added"] == len(codes)
    # Child of 8 -> after-school care; hardship with no visit -> home visit; wife at home -> workshop.
    assert {"N06-02", "N04-06", "N12-01"} <= codes
    assert refresh(driver)["added"] == 0  # a second run changes nothing
    actions.record_service(actor=personas["site_staff"], driver=driver, item=catalogue["N04-06"])
    assert driver.service_recommendations.get(item__code="N04-06").status == "accepted"
    refresh(driver)
    assert not driver.service_recommendations.filter(item__code="N04-06", status="open").exists()


def test_staff_accepting_records_the_service_and_a_driver_accepting_opens_a_request(
    driver, catalogue, personas
):
    refresh(driver)
    care = driver.service_recommendations.get(item__code="N06-02")
    record = actions.accept_recommendation(care, actor=personas["site_staff"])
    assert isinstance(record, ServiceRecord) and record.family_member.relation == "child"
    with pytest.raises(Conflict):
        actions.accept_recommendation(care, actor=personas["site_staff"])
    visit = driver.service_recommendations.get(item__code="N04-06")
    req = actions.accept_recommendation(visit, actor=personas["driver"])
    assert isinstance(req, ServiceRequest) and req.status == "open"
    record = actions.fulfil_request(req, actor=personas["site_staff"])
    req.refresh_from_db()
    assert req.status == "done" and req.record == record and record.source == "request"


def test_dismissed_suggestions_stay_quiet(driver, catalogue, personas):
    refresh(driver)
    reco = driver.service_recommendations.get(item__code="N12-01")
    actions.dismiss_recommendation(reco, actor=personas["site_staff"], note="已在工厂上班")
    refresh(driver)
    assert not driver.service_recommendations.filter(item__code="N12-01", status="open").exists()
    assert Recommendation.objects.filter(item__code="N12-01", status="dismissed").count() == 1


def test_asking_twice_for_the_same_service_is_a_conflict(driver, catalogue, personas):
    actions.request_service(actor=personas["driver"], driver=driver, item=catalogue["N07-01"])
    with pytest.raises(Conflict):
        actions.request_service(actor=personas["driver"], driver=driver, item=catalogue["N07-01"])
    with pytest.raises(DomainError):
        actions.decline_request(
            ServiceRequest.objects.get(), actor=personas["site_staff"], note=" "
        )


def test_only_administrators_edit_the_catalogue_and_bad_rules_change_nothing(catalogue, personas):
    item = catalogue["N06-02"]
    with pytest.raises(DomainError):
        actions.save_item(actor=personas["site_staff"], item=item, name="x")
    with pytest.raises(DomainError):
        actions.save_item(
            actor=personas["admin"], item=item, eligibility={"rules": [{"rule": "nope"}]}
        )
    item.refresh_from_db()
    assert item.eligibility["rules"][0]["rule"] == "child_age"
    actions.save_item(
        actor=personas["admin"],
        item=item,
        eligibility={"rules": [{"rule": "child_age", "min": 4, "max": 10}]},
    )
    item.refresh_from_db()
    assert item.eligibility["rules"][0]["min"] == 4
    assert AuditLog.objects.filter(action="service_item.saved").exists()


def test_care_capacity_waiting_list_and_attendance(driver, care_term, personas):
    staff = personas["site_staff"]
    kids = [driver.family.get(relation="child")] + [
        add_member(driver, "child", f"孩子{n}", years_ago(6)) for n in range(2)
    ]
    e1, e2, e3 = (actions.enrol_child(actor=staff, term=care_term, child=k) for k in kids)
    assert [e1.status, e2.status, e3.status] == ["enrolled", "enrolled", "waiting"]
    with pytest.raises(Conflict):
        actions.enrol_child(actor=staff, term=care_term, child=kids[0])
    with pytest.raises(DomainError):
        actions.enrol_child(actor=staff, term=care_term, child=driver.family.get(relation="spouse"))
    assert (
        actions.record_attendance(
            actor=staff, term=care_term, day=timezone.localdate(), present={e1.pk}
        )
        == 2
    )
    with pytest.raises(DomainError):
        actions.record_attendance(
            actor=staff, term=care_term, day=care_term.ends_on + timedelta(days=1), present=set()
        )


def test_workshop_members_are_spouses_and_earnings_are_not_negative_or_future(
    orgs, workshop, personas
):
    staff = personas["site_staff"]
    d = make_driver(orgs["xiapu"], name="赵")
    child = add_member(d, "child", "赵小", years_ago(9))
    with pytest.raises(DomainError):
        actions.add_workshop_member(actor=staff, workshop=workshop, spouse=child, mode="home")
    wife = add_member(d, "spouse", "钱", years_ago(33))
    member = actions.add_workshop_member(
        actor=staff,
        workshop=workshop,
        spouse=wife,
        mode="home",
        joined_on=timezone.localdate() - timedelta(days=70),
    )
    with pytest.raises(DomainError):
        actions.record_monthly_earning(
            actor=staff, member=member, month=timezone.localdate(), amount=-5
        )
    with pytest.raises(DomainError):
        actions.record_monthly_earning(
            actor=staff, member=member, month=timezone.localdate() + timedelta(days=40), amount=100
        )
    order = actions.create_work_order(
        actor=staff,
        workshop=workshop,
        code="wo-1",
        client="厂",
        description="包装",
        piece_rate="1.50",
        quantity=1000,
        received_on=timezone.localdate(),
    )
    earning = actions.record_monthly_earning(
        actor=staff, member=member, month=timezone.localdate(), pieces=800, order=order
    )
    assert earning.amount == 1200


def test_a_career_change_needs_both_jobs_and_a_known_help(driver, personas):
    with pytest.raises(DomainError):
        actions.record_career_change(
            actor=personas["site_staff"],
            driver=driver,
            from_job="",
            to_job="叉车",
            changed_on=timezone.localdate(),
            help="training",
        )
    with pytest.raises(DomainError):
        actions.record_career_change(
            actor=personas["site_staff"],
            driver=driver,
            from_job="司机",
            to_job="叉车",
            changed_on=timezone.localdate(),
            help="magic",
        )
