"""Dates from outside stay within the platform's bounds, and no stored row can break a list.

One check (``core.dates``) serves the API schemas, the query parameters, the forms,
Open311 and the dashboard's periods: not before 2000-01-01 (births from 1900), not
after 2099-12-31, a past event not in the future, offsets within ±14:00, naive
date-times read in the deployment's zone with its modern offset; year 1 and year 9999
never overflow. The database refuses a request received outside the bounds.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from driverhome.appeals.models import Appeal, TrackingCounter
from driverhome.appeals.tests.factories import appeal_in_stage
from driverhome.core import dates

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages checked word for word are the English source; pages follow the request."""
    with translation.override("en"):
        yield


# --- the one check ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        datetime(1, 1, 1),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1900, 1, 1),
        datetime(1999, 12, 31, 23, 59),
        datetime(9999, 12, 31, 23, 59, 59),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2100, 1, 1),
    ],
)
def test_moments_outside_the_bounds_are_refused_naming_the_bound(value):
    with pytest.raises(dates.DateOutOfRange) as raised:
        dates.check_moment(value, field="received_at")
    assert raised.value.extra["field"] == "received_at"
    message = str(raised.value)
    assert message.startswith("received_at: ")
    assert "2000-01-01" in message or "2099-12-31" in message


def test_offsets_beyond_fourteen_hours_are_refused():
    tz = dates.zone()
    ok = dates.check_moment(datetime(2026, 3, 1, 12, tzinfo=UTC).astimezone(tz), field="to")
    assert ok.utcoffset() == timedelta(hours=8)
    from datetime import timezone as dt_timezone

    for hours in (-17, 15):
        value = datetime(2026, 3, 1, 12, tzinfo=dt_timezone(timedelta(hours=hours)))
        with pytest.raises(dates.DateOutOfRange, match="14:00"):
            dates.check_moment(value, field="to")
    assert dates.check_moment(
        datetime(2026, 3, 1, tzinfo=dt_timezone(timedelta(hours=14))), field="to"
    )


def test_naive_moments_are_read_in_the_deployments_zone_with_its_modern_offset():
    value = dates.check_moment(datetime(2000, 1, 1, 0, 0), field="received_at")
    assert value.utcoffset() == timedelta(hours=8)  # not Shanghai's local mean time
    assert value.astimezone(UTC) == datetime(1999, 12, 31, 16, 0, tzinfo=UTC)


def test_a_past_event_may_not_lie_in_the_future_beyond_the_clock_skew():
    now = timezone.now()
    assert dates.check_moment(now + timedelta(minutes=4), field="at", past=True)
    with pytest.raises(dates.DateOutOfRange, match="future"):
        dates.check_moment(now + timedelta(minutes=6), field="at", past=True)


def test_births_may_lie_before_2000_but_not_before_1900():
    assert dates.check_day(date(1965, 5, 1), field="b", earliest=dates.BIRTH_EARLIEST, past=True)
    with pytest.raises(dates.DateOutOfRange, match="1900-01-01"):
        dates.check_day(date(1899, 12, 31), field="b", earliest=dates.BIRTH_EARLIEST)


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "2026-01-01T00:00+25:00"])
def test_unreadable_dates_are_refused(text):
    with pytest.raises(dates.DateOutOfRange) as raised:
        dates.parse_moment(text, field="start_date")
    assert raised.value.code == "bad_date_format"


# --- every input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "received_at",
    [
        "0001-01-01T00:00:00",
        "0001-01-01T00:00:00Z",
        "1900-01-01T08:00:00+08:00",
        "9999-12-31T23:59:59",
    ],
)
def test_intake_refuses_a_received_at_out_of_bounds_and_leaves_nothing(api, personas, received_at):
    response = api("site_staff").post(
        "/api/v1/appeals",
        {"category": "C03-01", "description": "停车场满了", "received_at": received_at},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "bad_date" and body["field"] == "received_at"
    assert "2000-01-01" in body["detail"] or "2099-12-31" in body["detail"]
    assert not Appeal.objects.exists()
    assert not TrackingCounter.objects.filter(day__lt=date(2000, 1, 1)).exists()


def test_intake_reads_a_naive_received_at_in_shanghai(api, personas):
    response = api("site_staff").post(
        "/api/v1/appeals",
        {"category": "C03-01", "description": "停车场满了", "received_at": "2026-03-01T09:30:00"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    stored = Appeal.objects.get().received_at
    assert stored == datetime(2026, 3, 1, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "query",
    [
        "to=2026-01-01T00:00:00-17:00",
        "from=0001-01-01T00:00:00",
        "to=9999-12-31T23:59:59",
        "from=9999-12-31T23:59:59%2B14:00",
    ],
)
def test_event_list_refuses_query_dates_out_of_bounds(api, personas, query):
    response = api("site_staff").get(f"/api/v1/events?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "bad_date"


@pytest.mark.parametrize("path", ["/api/v1/appeals/figures", "/api/v1/services/figures"])
def test_figures_periods_out_of_bounds_are_refused(api, personas, path):
    response = api("supervisor").get(f"{path}?start=0001-01-01")
    assert response.status_code == 400, response.content
    assert "2000-01-01" in response.json()["detail"]


def test_driver_birth_date_before_1900_is_refused(api, personas):
    from driverhome.appeals.tests.factories import driver_for

    driver = driver_for(personas["driver"], personas["broker"].organisation)
    response = api("broker").post(
        f"/api/v1/drivers/{driver.public_id}/family",
        {"relation": "child", "name": "小明", "birth_date": "0001-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "bad_date" and "1900-01-01" in response.json()["detail"]


@pytest.mark.parametrize("param", ["start_date=0001-01-01", "end_date=2026-01-01T00:00:00-17:00"])
def test_open311_search_refuses_dates_out_of_bounds_as_georeport_errors(client, param):
    response = client.get(f"/open311/v2/requests.json?{param}")
    assert response.status_code == 400
    errors = response.json()
    assert (
        errors[0]["code"] == 400
        and "start_date" in errors[0]["description"]
        or "end_date" in errors[0]["description"]
    )


def test_staff_form_refuses_received_at_out_of_bounds(client_for, personas):
    from django.urls import reverse

    response = client_for("site_staff").post(
        reverse("appeals:appeal-new"),
        {"category": "C03-01", "description": "停车场满了", "received_at": "0001-01-01T00:00"},
    )
    assert response.status_code in (200, 400)
    assert "2000-01-01" in response.content.decode()
    assert not Appeal.objects.exists()


def test_dashboard_period_out_of_bounds_is_a_message_not_a_crash(client_for, personas):
    response = client_for("supervisor").get("/console/dashboard/?from=0001-01-01&to=9999-12-31")
    assert response.status_code in (200, 400)
    assert "2000-01-01" in response.content.decode()


# --- stored rows --------------------------------------------------------------------------------


def _raw_received_at(appeal, value: datetime):
    with connection.cursor() as cursor:
        stored = connection.ops.adapt_datetimefield_value(value)
        cursor.execute(
            "UPDATE appeals_appeal SET received_at = %s WHERE id = %s", [stored, appeal.pk]
        )


@pytest.mark.parametrize(
    "value",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1900, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, tzinfo=UTC),
    ],
)
def test_the_database_refuses_a_request_received_out_of_bounds(personas, orgs, value):
    appeal = appeal_in_stage(personas, orgs, "collected")
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_received_at(appeal, value)


def test_rows_at_the_edges_of_the_bounds_never_break_a_list(client_for, api, personas, orgs):
    """The earliest and latest moments the database accepts are shown everywhere."""
    early = appeal_in_stage(personas, orgs, "collected")
    late = appeal_in_stage(personas, orgs, "reported")
    _raw_received_at(early, dates.STORED_EARLIEST)
    _raw_received_at(late, dates.STORED_LATEST - timedelta(microseconds=1))
    assert api("supervisor").get("/api/v1/appeals").status_code == 200
    assert client_for("supervisor").get("/console/appeals/").status_code == 200
    assert client_for("supervisor").get("/console/dashboard/").status_code == 200
    assert client_for("driver").get("/d/appeals/").status_code == 200
    feed = client_for("supervisor").get(
        f"/open311/v2/requests.json?service_request_id={early.tracking_no},{late.tracking_no}"
    )
    assert feed.status_code == 200, feed.content
    assert {early.tracking_no, late.tracking_no} <= {r["service_request_id"] for r in feed.json()}
    assert (
        client_for("supervisor").get(f"/open311/v2/requests/{late.tracking_no}.xml").status_code
        == 200
    )
