"""His people follow his request: the site's organisation, his file's organisation and his
broker see a request he filed at a Driver's Home run by another organisation, each with the
actions of their part; anyone else gets 404. An accepted hand-over moves the driver."""

import pytest
from django.urls import reverse

from conftest import make_user
from driverhome.accounts.models import Role
from driverhome.appeals import actions, operations
from driverhome.appeals.console import panel_list
from driverhome.appeals.models import Appeal, BrokerTransfer
from driverhome.core.errors import PermissionDeniedError
from driverhome.stations.tests.factories import make_station

from .factories import driver_for, file

pytestmark = pytest.mark.django_db


@pytest.fixture
def away(personas, orgs):
    """His file is held in Xiapu, his broker works in Guoju; he files at a Driver's Home
    run in Zhaobaoshan (another district) by its sub-district office."""
    driver = driver_for(personas["driver"], orgs["xiapu"], broker=personas["broker"])
    station = make_station(orgs["other_sub"], "t-zbs-home")
    return file(personas["driver"], driver=driver, station=station)


def detail(appeal):
    return reverse("appeals:appeal-detail", args=[appeal.tracking_no])


@pytest.mark.parametrize(
    "who, sees",
    [
        ("outsider", True),  # staff of the site's organisation
        ("site_staff", True),  # staff of the organisation holding his file
        ("supervisor", True),  # above his file's organisation
        ("broker", True),  # his care broker
        ("guoju_staff", False),  # an unrelated organisation
        ("unit_handler", False),  # not dispatched to his unit
        ("other_driver", False),
    ],
)
def test_who_sees_a_request_filed_at_another_organisations_site(
    who, sees, away, client_for, api, personas
):
    assert away.organisation.code == "t-zhaobaoshan"
    assert (away in Appeal.objects.for_user(personas[who])) is sees
    status = 200 if sees else 404
    if who != "other_driver":
        assert client_for(who).get(detail(away)).status_code == status
    assert api(who).get(f"/api/v1/appeals/{away.tracking_no}").status_code == status


def test_another_broker_gets_404(away, client_for, api, orgs):
    other = make_user("p-broker2", Role.BROKER, orgs["guoju"])
    assert away not in Appeal.objects.for_user(other)
    assert client_for(other).get(detail(away)).status_code == 404
    assert api(other).get(f"/api/v1/appeals/{away.tracking_no}").status_code == 404


def test_the_drivers_broker_today_follows_requests_filed_before_he_took_over(
    personas, orgs, client_for
):
    driver = driver_for(personas["driver"], orgs["xiapu"], broker=None)
    appeal = file(personas["driver"], driver=driver, station=make_station(orgs["other_sub"]))
    assert appeal.care_broker_id is None
    assert appeal not in Appeal.objects.for_user(personas["broker"])
    from driverhome.drivers.actions import assign_broker

    assign_broker(driver, personas["broker"], actor=personas["site_staff"])
    assert appeal in Appeal.objects.for_user(personas["broker"])
    page = client_for("broker").get(detail(appeal)).content.decode()
    assert personas["broker"].display_name in page


def test_each_follower_gets_the_actions_of_his_part(away, personas, orgs):
    """The site dispatches; the file's staff and the broker follow without dispatching."""
    assert "dispatch" in operations.available(away, personas["outsider"])
    assert "merge" in operations.available(away, personas["outsider"])
    for follower in ("site_staff", "broker"):
        offered = operations.available(away, personas[follower])
        assert "dispatch" not in offered and "merge" not in offered
        assert "withdraw" in offered
        with pytest.raises(PermissionDeniedError):
            actions.dispatch(away, orgs["labour"], actor=personas[follower])
    actions.dispatch(away, orgs["labour"], actor=personas["outsider"])
    actions.accept(away, actor=personas["unit_handler"])
    actions.answer(away, actor=personas["unit_handler"], text="已处理")
    # After the answer every follower may make the return visit.
    for follower in ("outsider", "site_staff", "broker"):
        assert "visit" in operations.available(away, personas[follower]), follower
    assert "visit" not in operations.available(away, personas["guoju_staff"])
    with pytest.raises(PermissionDeniedError):
        actions.return_visit(away, actor=personas["guoju_staff"], resolved="yes", satisfaction=5)


def test_the_follower_acts_through_the_page(away, client_for, personas, orgs):
    actions.dispatch(away, orgs["labour"], actor=personas["outsider"])
    actions.accept(away, actor=personas["unit_handler"])
    actions.answer(away, actor=personas["unit_handler"], text="已处理")
    url = reverse("appeals:appeal-act", args=[away.tracking_no, "visit"])
    response = client_for("site_staff").post(url, {"resolved": "yes", "satisfaction": "4"})
    assert response.status_code == 302
    away.refresh_from_db()
    assert away.status == Appeal.Status.CLOSED


def test_his_brokers_worklist_has_the_open_requests_of_his_caseload(away, personas, orgs):
    broker = personas["broker"]
    assert away in panel_list(broker, Appeal.objects.for_user(broker), "waiting")
    # Even when the request itself names nobody (filed before he was assigned).
    Appeal.objects.filter(pk=away.pk).update(care_broker=None)
    assert away in panel_list(broker, Appeal.objects.for_user(broker), "waiting")
    actions.withdraw(away, actor=personas["driver"], note="已解决")
    assert away not in panel_list(broker, Appeal.objects.for_user(broker), "waiting")


def test_the_request_page_names_his_broker(away, client_for, personas):
    name = personas["broker"].display_name
    assert name in client_for("outsider").get(detail(away)).content.decode()
    page = client_for("driver").get(
        reverse("appeals_driver:appeal-detail", args=[away.tracking_no])
    )
    assert name in page.content.decode()


def test_an_accepted_hand_over_moves_the_driver_to_the_new_broker(away, personas, orgs):
    new = make_user("p-broker-new", Role.BROKER, orgs["guoju"])
    older = file(personas["driver"], driver=away.driver, code="C02-01")
    transfer = actions.transfer_broker(away, new, actor=personas["broker"], note="我调岗了")
    actions.answer_transfer(transfer, actor=new, accept=True)
    away.driver.refresh_from_db()
    assert away.driver.care_broker_id == new.pk
    assert Appeal.objects.get(pk=older.pk).care_broker_id == new.pk
    assert away not in Appeal.objects.for_user(personas["broker"])
    # His next request goes to the new broker.
    nxt = file(personas["driver"], driver=away.driver, code="C03-01")
    assert nxt.care_broker_id == new.pk
    from driverhome.accounts.models import AuditLog

    row = AuditLog.objects.filter(action="driver.update").latest("at")
    assert "care_broker" in row.changes


def test_a_declined_hand_over_leaves_the_driver_with_his_broker(away, personas, orgs):
    new = make_user("p-broker-new", Role.BROKER, orgs["guoju"])
    transfer = actions.transfer_broker(away, new, actor=personas["broker"])
    actions.answer_transfer(transfer, actor=new, accept=False)
    away.driver.refresh_from_db()
    away.refresh_from_db()
    assert away.driver.care_broker_id == personas["broker"].pk
    assert away.care_broker_id == personas["broker"].pk
    assert BrokerTransfer.objects.get(pk=transfer.pk).status == BrokerTransfer.Status.DECLINED
    assert away not in Appeal.objects.for_user(new)
