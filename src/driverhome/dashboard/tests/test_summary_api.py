"""The summary API: keys, scoping by organisation, periods, roles, a pinned query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from driverhome.dashboard import registry

URL = "/api/v1/dashboard/summary"

REPORT_KEYS = [
    "drivers_on_file",
    "apartments_total",
    "apartments_occupied",
    "apartment_residents",
    "logistics_companies",
    "lifecycle_nodes",
    "service_items",
    "children_in_care",
    "kasao_employed",
    "kasao_families_income_raised",
    "kasao_monthly_income_gain_yuan",
    "training_sessions",
    "career_changes",
    "markets_held",
    "requests_received",
    "requests_on_time_rate",
    "requests_satisfaction_rate",
    "requests_overdue",
]


@pytest.mark.django_db
def test_summary_has_every_key_the_report_names(api):
    response = api("supervisor").get(URL)
    assert response.status_code == 200
    data = response.json()
    for key in REPORT_KEYS:
        assert key in data, key
    assert data["organisation"]["code"] == "t-beilun"
    assert data["from"] is None and data["to"] is None
    assert set(data["trends"]) == {"months", "series"}


@pytest.mark.django_db
def test_figures_no_app_provides_are_null_and_listed(api):
    data = api("supervisor").get(URL).json()
    for key in data["not_available"]:
        assert data[key] is None
        assert registry.BY_KEY[key].function() is None


@pytest.mark.django_db
def test_org_defaults_to_the_callers_organisation(api):
    assert api("site_staff").get(URL).json()["organisation"]["code"] == "t-xiapu"


@pytest.mark.django_db
def test_site_manager_may_narrow_to_his_own_subtree_only(api, orgs):
    client = api("site_staff")
    assert client.get(URL, {"org": "t-xiapu"}).status_code == 200
    assert client.get(URL, {"org": "t-beilun"}).status_code == 404
    assert client.get(URL, {"org": "t-guoju"}).status_code == 404


@pytest.mark.django_db
def test_outsider_gets_404_for_another_districts_code(api):
    assert api("outsider").get(URL, {"org": "t-beilun"}).status_code == 404
    assert api("outsider_supervisor").get(URL, {"org": "t-xiapu"}).status_code == 404
    assert api("outsider_supervisor").get(URL, {"org": "t-zhenhai"}).status_code == 200


@pytest.mark.django_db
def test_unknown_org_code_is_404(api):
    assert api("supervisor").get(URL, {"org": "no-such-org"}).status_code == 404


@pytest.mark.django_db
def test_supervisor_narrows_to_a_sub_district_and_a_quarter(api):
    response = api("supervisor").get(
        URL, {"org": "t-guoju", "from": "2026-01-01", "to": "2026-03-31"}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["organisation"]["code"] == "t-guoju"
    assert (data["from"], data["to"]) == ("2026-01-01", "2026-03-31")
    assert data["trends"]["months"] == ["2026-01", "2026-02", "2026-03"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [{"from": "2026-13-01"}, {"to": "yesterday"}, {"from": "2026-03-01", "to": "2026-02-01"}],
)
def test_a_bad_period_is_a_clear_400(api, query):
    response = api("supervisor").get(URL, query)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_period"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["broker", "unit_handler", "driver"])
def test_other_roles_get_404(api, persona):
    assert api(persona).get(URL).status_code == 404


@pytest.mark.django_db
def test_administrator_without_organisation_sees_the_whole_platform(api):
    data = api("admin").get(URL).json()
    assert data["organisation"] is None


@pytest.mark.django_db
def test_summary_query_count_is_bounded(api, personas):
    """Pinned: authentication, the organisation, the rollup read, and one query per live figure."""
    from driverhome.dashboard import actions

    actions.refresh_rollups()
    client = api("supervisor")
    client.get(URL)  # warm up (content types, translations)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, {"from": "2026-01-01", "to": "2026-06-30"}).status_code == 200
    first = len(ctx)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, {"from": "2025-01-01", "to": "2026-06-30"}).status_code == 200
    # The count does not grow with the length of the period (trends come from the rollups).
    assert len(ctx) == first
    assert first == SUMMARY_QUERIES, "\n".join(q["sql"][:160] for q in ctx.captured_queries)


# The rollup check (the token and its user are held by the process after their first use,
# accounts.auth.RECENT_TOKENS), one read of every counter,
# one query per figure that is read live (stocks of small tables, requests overdue now, the
# programmes), and one read of the monthly counters for the trend charts.
SUMMARY_QUERIES = 16  # 15, and the residents of the apartments (read live)


@pytest.mark.django_db
def test_live_and_rollup_answers_agree_through_the_api(api, orgs):
    from datetime import datetime

    from django.utils import timezone

    from driverhome.dashboard import actions
    from driverhome.drivers.models import Driver

    # Test data for reading: a file opened in January (the drivers app's actions stamp "now").
    Driver.objects.create(
        name="李强",
        organisation=orgs["xiapu"],
        created_at=timezone.make_aware(datetime(2026, 1, 5, 9)),
    )
    actions.refresh_rollups()
    client = api("supervisor")
    query = {"from": "2026-01-01", "to": "2026-03-31"}
    rolled = client.get(URL, query).json()
    live = client.get(URL, {**query, "live": "true"}).json()
    assert rolled["drivers_on_file"] == live["drivers_on_file"] == 1
    assert rolled == live
