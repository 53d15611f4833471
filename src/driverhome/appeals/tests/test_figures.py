"""Figures, similar requests on intake, hotspots, the driver's timeline and the worklist panels."""

import pytest
from django.urls import reverse

from driverhome.appeals import actions, figures, similar
from driverhome.appeals.models import Appeal

from .conftest import frozen, local
from .factories import appeal_in_stage, driver_for, file

pytestmark = pytest.mark.django_db


def test_figures_count_received_on_time_resolution_and_satisfaction(personas, orgs):
    closed = appeal_in_stage(personas, orgs, "answered")
    actions.return_visit(closed, actor=personas["broker"], resolved="yes", satisfaction=5)
    visited = appeal_in_stage(personas, orgs, "visited")  # "no", satisfaction 2
    actions.rehandle(visited, actor=personas["broker"], note="未解决")
    with frozen(local(2025, 9, 30, 10)):
        late = file(personas["site_staff"], reporter_name="王", code="C05-01")
    path = orgs["district"].path
    data = figures.summary(path)
    assert data["received"] == 3
    assert data["on_time_rate"] == 100.0
    assert data["resolution_rate"] == 50.0 and data["satisfaction_rate"] == 50.0
    assert data["rehandled"] == 1 and data["overdue"] == 1 and data["open"] == 2
    assert data["avg_working_days_to_answer"] == 0.0
    assert figures.summary(orgs["other_district"].path)["received"] == 0
    by_unit = {row["code"]: row for row in figures.breakdown(path, by="unit")}
    assert by_unit["t-labour"]["received"] == 2
    assert figures.requests_received(path, category="C05") == 1
    assert late.is_overdue


def test_the_figures_endpoint(api, personas, orgs):
    appeal_in_stage(personas, orgs, "answered")
    data = api("supervisor").get("/api/v1/appeals/figures", {"by": "unit"}).json()
    assert data["received"] == 1 and data["rows"][0]["code"] == "t-labour"
    assert api("supervisor").get("/api/v1/appeals/figures", {"org": "t-zhenhai"}).status_code == 404


def test_similar_requests_use_words_not_characters(personas, orgs, driver):
    first = file(
        personas["driver"],
        driver=driver,
        code="C03-01",
        description="集运基地停车场晚上没有车位，只能停路边",
    )
    file(personas["driver"], driver=driver, code="C03-01", description="食堂饭菜太贵")
    matches = similar.similar_to(
        Appeal.objects.all(),
        category=first.category,
        description="集运基地停车场车位满了，只能停在路边",
    )
    assert [m[0] for m in matches] == [first]


def test_hotspots_group_many_drivers_reporting_the_same_place(client_for, personas, orgs):
    for index in range(4):
        from conftest import make_user
        from driverhome.accounts.models import Role

        user = make_user(f"hot-{index}", Role.DRIVER)
        driver = driver_for(user, orgs["xiapu"], name=f"司机{index}")
        file(
            user,
            driver=driver,
            code="C03-01",
            description="停车场没车位",
            location=(29.8901, 121.8502),
            address="集运基地停车场",
        )
    rows = similar.hotspots(Appeal.objects.all())
    assert (
        rows[0]["reports"] == 4 and rows[0]["drivers"] == 4 and rows[0]["place"] == "集运基地停车场"
    )
    page = client_for("supervisor").get(reverse("appeals:hotspot-list"))
    assert "集运基地停车场" in page.content.decode()


def test_timeline_entries_for_the_drivers_file(personas, orgs):
    from driverhome.appeals.timeline import entries_for_driver

    appeal = appeal_in_stage(personas, orgs, "handling")
    entries = entries_for_driver(appeal.driver, personas["site_staff"])
    assert len(entries) == 3 and entries[0]["kind"] == "appeal"
    assert entries[0]["url"] == reverse("appeals:appeal-detail", args=[appeal.tracking_no])
    assert entries_for_driver(appeal.driver, personas["outsider"]) == []


def test_the_console_home_shows_each_roles_worklist(client_for, personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "reported")
    page = client_for("unit_handler").get(reverse("core:console-home"))
    assert appeal.tracking_no in page.content.decode()
    assert (
        appeal.tracking_no
        not in client_for("police_handler").get(reverse("core:console-home")).content.decode()
    )


def test_the_demo_loads_and_a_second_run_changes_nothing(db):
    from django.core.management import call_command

    call_command("demo", quick=True, stdout=open("/dev/null", "w"))
    count = Appeal.objects.count()
    assert count > 0
    call_command("demo", quick=True, stdout=open("/dev/null", "w"))
    assert Appeal.objects.count() == count
