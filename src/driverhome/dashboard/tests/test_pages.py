"""The dashboard pages without a browser: tiles, pickers, drill-down, scoping, the worklist panel."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from driverhome.dashboard import actions, console


def _appeal(orgs, personas, *, org="xiapu", unit="labour", due_in=timedelta(days=-2), **extra):
    from driverhome.appeals.models import Appeal, Category

    n = Appeal.objects.count()
    received = timezone.now() - timedelta(days=5)
    fields = {
        "tracking_no": f"TP{n:06d}",
        "appeal_type": "help",
        "category": Category.objects.filter(parent__isnull=False).first(),
        "channel": "phone",
        "organisation": orgs[org],
        "handling_unit": orgs[unit] if unit else None,
        "received_at": received,
        "status": "handling",
        "due_at": timezone.now() + due_in,
        "answer_due_at": timezone.now() + due_in,
    }
    fields.update(extra)
    # Test data for reading: the request loop's own tests cover how actions set these fields.
    return Appeal.objects.create(**fields)


@pytest.mark.django_db
def test_supervisor_sees_tiles_charts_data_and_pickers(client_for):
    response = client_for("supervisor").get(reverse("dashboard:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="dash-chart-data"' in html
    data = json.loads(re.search(r'id="dash-chart-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert set(data) >= {"months", "series", "labels", "rates"}
    assert 'name="period"' in html and 'name="org"' in html
    assert "echarts.min.js" in html and "dashboard.js" in html
    # No inline scripts or styles (the Content-Security-Policy forbids them).
    assert "<script>" not in html and 'style="' not in html
    assert re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html) == []


@pytest.mark.django_db
def test_every_tile_links_to_the_page_behind_it(client_for):
    response = client_for("supervisor").get(reverse("dashboard:dashboard"), {"period": "year"})
    html = response.content.decode()
    links = re.findall(r'<a class="stat dash-tile" href="([^"]+)" data-figure="([a-z_]+)"', html)
    assert links, "no tiles"
    client = client_for("supervisor")
    for href, key in links:
        assert f"/figures/{key}/" in href and "period=year" in href
        assert client.get(href.replace("&amp;", "&")).status_code == 200, key


@pytest.mark.django_db
def test_supervisor_narrows_to_a_sub_district_and_a_quarter_then_drills_to_an_overdue_request(
    client_for, orgs, personas
):
    late = _appeal(orgs, personas, org="guoju", unit="police")
    other = _appeal(orgs, personas, org="xiapu", unit=None)
    client = client_for("supervisor")
    page = client.get(reverse("dashboard:dashboard"), {"org": "t-guoju", "period": "quarter"})
    assert page.status_code == 200
    html = page.content.decode()
    assert late.tracking_no in html and other.tracking_no not in html
    detail = client.get(
        reverse("dashboard:figure-detail", kwargs={"key": "requests_overdue"}),
        {"org": "t-guoju", "period": "quarter"},
    )
    body = detail.content.decode()
    assert 'class="console-nav"' in body and "<h1>" in body  # inside the console shell
    assert late.tracking_no in body and other.tracking_no not in body
    assert reverse("appeals:appeal-detail", kwargs={"tracking_no": late.tracking_no}) in body
    assert (
        client.get(
            reverse("appeals:appeal-detail", kwargs={"tracking_no": late.tracking_no})
        ).status_code
        == 200
    )


@pytest.mark.django_db
def test_site_manager_sees_only_his_sites_subtree(client_for, orgs, personas):
    mine = _appeal(orgs, personas, org="xiapu", unit=None)
    theirs = _appeal(orgs, personas, org="guoju", unit=None)
    client = client_for("site_staff")
    html = client.get(reverse("dashboard:dashboard")).content.decode()
    assert mine.tracking_no in html and theirs.tracking_no not in html
    assert client.get(reverse("dashboard:dashboard"), {"org": "t-guoju"}).status_code == 404
    assert client.get(reverse("dashboard:dashboard"), {"org": "t-beilun"}).status_code == 404
    detail = client.get(reverse("dashboard:figure-detail", kwargs={"key": "requests_overdue"}))
    assert theirs.tracking_no not in detail.content.decode()


@pytest.mark.django_db
def test_outsider_gets_404_for_beilun(client_for):
    client = client_for("outsider")
    assert client.get(reverse("dashboard:dashboard"), {"org": "t-beilun"}).status_code == 404
    assert client.get(reverse("dashboard:report"), {"org": "t-xiapu"}).status_code == 404
    assert client.get(reverse("dashboard:report-xlsx"), {"org": "t-xiapu"}).status_code == 404


@pytest.mark.django_db
def test_area_picker_lists_the_sub_areas_and_the_way_back_up(client_for):
    html = (
        client_for("supervisor")
        .get(reverse("dashboard:dashboard"), {"org": "t-xiapu"})
        .content.decode()
    )
    assert "?org=t-beilun" in html  # breadcrumb up to the supervisor's own district
    assert "t-province" not in html  # nothing above his own organisation


@pytest.mark.django_db
def test_a_bad_period_shows_a_message_and_all_time(client_for):
    response = client_for("supervisor").get(reverse("dashboard:dashboard"), {"from": "2026-02-30"})
    assert response.status_code == 200
    assert "2026-02-30" in response.content.decode()  # named in the error message


@pytest.mark.django_db
def test_unknown_figure_is_404(client_for):
    response = client_for("supervisor").get(
        reverse("dashboard:figure-detail", kwargs={"key": "no_such_figure"})
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_units_with_too_few_answered_requests_are_not_ranked(client_for, orgs, personas):
    from driverhome.dashboard.panels import MIN_REQUESTS_TO_RANK
    from driverhome.dashboard.summary import Period

    answered = timezone.now() - timedelta(days=1)
    for i in range(MIN_REQUESTS_TO_RANK):
        _appeal(
            orgs,
            personas,
            unit="labour",
            status="answered",
            answered_at=answered,
            answer_due_at=answered + timedelta(hours=1 if i else -1),
        )
    _appeal(orgs, personas, unit="police", status="answered", answered_at=answered)
    from driverhome.dashboard.panels import units_ranked

    units = units_ranked(orgs["district"], Period())
    assert [u["code"] for u in units] == ["t-labour"]
    assert units[0]["rate"] == round(100.0 * (MIN_REQUESTS_TO_RANK - 1) / MIN_REQUESTS_TO_RANK, 1)


@pytest.mark.django_db
def test_worklist_panel_counts_overdue_requests_for_supervisors_only(rf, orgs, personas):
    _appeal(orgs, personas)
    _appeal(orgs, personas, due_in=timedelta(days=3), supervised=True)
    request = rf.get("/console/")
    request.user = personas["supervisor"]
    [panel] = console.worklist_panels(request)
    assert panel["count"] == 1 and panel["supervised"] == 1
    assert len(panel["items"]) == 2
    request.user = personas["broker"]
    assert console.worklist_panels(request) == []


@pytest.mark.django_db
def test_page_reads_rollups_once_refreshed(client_for, orgs, personas):
    moment = timezone.make_aware(datetime(2026, 1, 15, 10))
    _appeal(orgs, personas, received_at=moment)
    actions.refresh_rollups()
    response = client_for("supervisor").get(
        reverse("dashboard:dashboard"), {"from": "2026-01-01", "to": "2026-01-31"}
    )
    assert response.context["as_of"] is not None
    tiles = {t["key"]: t["value"] for s in response.context["sections"] for t in s["tiles"]}
    assert tiles["requests_received"] == 1
