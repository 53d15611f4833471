"""Open311 GeoReport v2 against the spec: discovery, services, definitions, requests; JSON and XML; errors."""

from io import StringIO
from xml.etree import ElementTree as ET

import pytest
from django.core.management import call_command

from driverhome.appeals.models import Appeal, Open311Key

from .conftest import frozen, local
from .factories import file

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@pytest.fixture
def key(orgs):
    _row, secret = Open311Key.issue("12345-hotline", orgs["xiapu"])
    return secret


def create(client, key, **extra):
    data = {
        "api_key": key,
        "service_code": "C03-01",
        "lat": "29.89",
        "long": "121.85",
        "description": "停车场满了",
        **extra,
    }
    return client.post(f"{BASE}/requests.json", {k: v for k, v in data.items() if v is not None})


def test_discovery_lists_the_endpoint_in_both_formats(client):
    data = client.get(f"{BASE}/discovery.json").json()
    assert data["endpoints"][0]["formats"] == ["application/json", "text/xml"]
    assert data["endpoints"][0]["url"].endswith("/open311/v2/")
    root = ET.fromstring(client.get(f"{BASE}/discovery.xml").content)
    assert (
        root.tag == "discovery"
        and root.find("endpoints/endpoint/formats/format").text == "application/json"
    )


def test_services_are_our_categories(client):
    services = client.get(f"{BASE}/services.json").json()
    codes = {s["service_code"] for s in services}
    assert "C03-01" in codes and "C03" not in codes  # groups are not services
    first = services[0]
    assert set(first) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert first["type"] == "realtime" and first["metadata"] is True
    xml = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert xml.tag == "services" and xml.find("service/service_code") is not None


def test_service_definition_and_unknown_code(client):
    definition = client.get(f"{BASE}/services/C03-01.json").json()
    attribute = definition["attributes"][0]
    assert attribute["code"] == "type" and attribute["datatype"] == "singlevaluelist"
    assert {v["key"] for v in attribute["values"]} == {
        "enquiry",
        "help",
        "complaint",
        "suggestion",
        "emergency",
    }
    missing = client.get(f"{BASE}/services/NOPE.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404
    xml = client.get(f"{BASE}/services/NOPE.xml")
    assert xml.status_code == 404 and ET.fromstring(xml.content).tag == "errors"


def test_post_creates_a_request_in_the_same_workflow(client, key):
    response = create(
        client, key, **{"attribute[type]": "complaint", "first_name": "Li", "phone": "13900001111"}
    )
    assert response.status_code == 201
    item = response.json()[0]
    appeal = Appeal.objects.get(tracking_no=item["service_request_id"])
    assert (
        appeal.channel == "open311"
        and appeal.status == "collected"
        and appeal.appeal_type == "complaint"
    )
    assert appeal.phone_last4 == "1111" and appeal.open311_key.name == "12345-hotline"
    assert set(item) == {"service_request_id", "service_notice", "account_id"}


def test_post_errors_follow_the_spec(client, key):
    assert create(client, None).status_code == 403
    assert create(client, "wrong").status_code == 403
    assert create(client, key, service_code="NOPE").status_code == 404
    missing_location = create(client, key, lat=None, long=None)
    assert missing_location.status_code == 400
    assert "location" in missing_location.json()[0]["description"]
    assert create(client, key, lat="north", long="1").status_code == 400
    assert create(client, key, **{"attribute[type]": "rumour"}).status_code == 400
    xml = client.post(f"{BASE}/requests.xml", {"service_code": "C03-01"})
    assert xml.status_code == 403 and ET.fromstring(xml.content).find("error/code").text == "403"
    assert not Appeal.objects.exists()


def test_an_address_is_enough_as_location_and_empty_parameters_count_as_absent(client, key):
    assert create(client, key, lat="", long="", address_string="北仑区集运基地").status_code == 201


def test_a_revoked_key_is_refused(client, key, orgs):
    prefix = Open311Key.objects.get().prefix
    call_command("open311-key", revoke=prefix, stdout=StringIO())
    assert create(client, key).status_code == 403


def test_the_command_issues_a_working_key(client, orgs):
    out = StringIO()
    call_command("open311-key", "union-app", org="t-xiapu", stdout=out, stderr=StringIO())
    assert create(client, out.getvalue().strip()).status_code == 201


def test_get_requests_with_the_specs_filters(client, key, personas, orgs, driver):
    from driverhome.appeals import actions

    with frozen(local(2026, 3, 2, 9)):
        old = file(personas["driver"], driver=driver, code="C01-01")
    recent_open = Appeal.objects.get(
        tracking_no=create(client, key).json()[0]["service_request_id"]
    )
    closed = file(personas["driver"], driver=driver, code="C04-01")
    actions.withdraw(closed, actor=personas["driver"], note="已解决")

    def ids(**params):
        return {r["service_request_id"] for r in client.get(f"{BASE}/requests.json", params).json()}

    # Without dates: the last 90 days only.
    assert ids() == {recent_open.tracking_no, closed.tracking_no}
    assert ids(status="open") == {recent_open.tracking_no}
    assert ids(status="closed") == {closed.tracking_no}
    assert ids(service_code="C04-01") == {closed.tracking_no}
    assert ids(start_date="2026-03-01T00:00:00+08:00", end_date="2026-03-03T00:00:00+08:00") == {
        old.tracking_no
    }
    # service_request_id overrides every other filter.
    assert ids(service_request_id=f"{old.tracking_no},{closed.tracking_no}", status="open") == {
        old.tracking_no,
        closed.tracking_no,
    }
    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"jurisdiction_id": "nowhere"}).status_code == 404


def test_a_request_carries_the_stage_unit_and_due_date(client, key, personas, orgs):
    from driverhome.appeals import actions

    tracking = create(client, key).json()[0]["service_request_id"]
    appeal = Appeal.objects.get(tracking_no=tracking)
    actions.dispatch(appeal, orgs["labour"], actor=personas["site_staff"])
    item = client.get(f"{BASE}/requests/{tracking}.json").json()[0]
    assert item["status"] == "open" and item["status_notes"].startswith("reported")
    assert item["agency_responsible"] == orgs["labour"].name
    assert item["expected_datetime"].endswith("+08:00") and item["requested_datetime"][10] == "T"
    assert item["lat"] == 29.89 and item["description"] == "停车场满了"
    xml = ET.fromstring(client.get(f"{BASE}/requests/{tracking}.xml").content)
    assert xml.tag == "service_requests" and xml.find("request/service_request_id").text == tracking
    assert client.get(f"{BASE}/requests/BL00000000-0000.json").status_code == 404


def test_a_drivers_own_words_stay_private_in_the_public_feed(client, personas, driver):
    appeal = file(personas["driver"], driver=driver, location=(29.9, 121.8))
    item = client.get(f"{BASE}/requests/{appeal.tracking_no}.json").json()[0]
    assert item["description"] == "" and item["lat"] is None


def test_an_unknown_format_is_404(client):
    assert client.get(f"{BASE}/services.csv").status_code == 404


def test_an_impossible_date_is_a_400_not_a_crash(client):
    response = client.get(f"{BASE}/requests.json", {"start_date": "2026-13-45T00:00:00+08:00"})
    assert response.status_code == 400 and response.json()[0]["code"] == 400


def test_the_key_command_lists_keys_without_their_secret(key):
    out = StringIO()
    call_command("open311-key", list=True, stdout=out)
    assert "12345-hotline" in out.getvalue() and key not in out.getvalue()
