"""Grading: the rubric as data, computed and assessor criteria, the grade and the gap to the next."""

import pytest
from django.utils import timezone

from driverhome.core.errors import Conflict, DomainError
from driverhome.stations import actions, figures
from driverhome.stations.models import (
    FREE_BASIC_CODES,
    REQUIRED_CODES,
    GradeThreshold,
    RubricCriterion,
)

from .factories import make_station, with_facilities

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
FULL_ASSESSOR = {"M01": 60, "M02": 50, "M03": 40, "M04": 50}


def test_default_rubric_is_seeded_from_the_csv():
    assert RubricCriterion.objects.count() == 14
    assert sum(RubricCriterion.objects.values_list("points", flat=True)) == 1000
    assert GradeThreshold.objects.get(grade="5A").min_score == 900
    assert "F01 full" in GradeThreshold.objects.get(grade="4A").requires


def test_bare_site_gets_no_grade_and_the_gap_to_1a(orgs):
    site = make_station(orgs["xiapu"], open_24h=True)
    a = actions.run_assessment(site, actor=None, year=YEAR, kind="self")
    assert a.grade == "" and a.next_grade == "1A"
    assert a.scores["S01"]["points"] == 50  # open 24 h
    assert a.gaps[0]["kind"] == "points"
    assert a.gaps[0]["missing_points"] == 500 - a.score
    f01 = next(g for g in a.gaps if g.get("code") == "F01")
    assert f01["missing_points"] == 180 and "淋浴" in f01["text"]


def test_score_grade_and_gap_with_facilities_and_assessor_points(orgs):
    site = with_facilities(
        make_station(orgs["xiapu"]), *REQUIRED_CODES, *FREE_BASIC_CODES, "wifi", "etc", "store"
    )
    a = actions.run_assessment(
        site, actor=None, year=YEAR, kind="supervision", assessor_points=FULL_ASSESSOR
    )
    # F01 180 + F02 100 + F03 30 + S01 50 + assessor 200 = 560: 1A, 40 short of 2A.
    assert a.scores["F01"]["points"] == 180 and a.scores["F02"]["points"] == 100
    assert a.scores["F03"]["points"] == 30
    assert a.score == 560 and a.grade == "1A" and a.next_grade == "2A"
    assert a.gaps[0] == {
        "kind": "points",
        "missing_points": 40,
        "text": a.gaps[0]["text"],
    }
    assert {g.get("code") for g in a.gaps if g["kind"] == "criterion"} >= {"F03", "S02", "Q01"}


def test_a_paid_basic_service_costs_the_f02_points(orgs):
    site = with_facilities(
        make_station(orgs["xiapu"]), "parking", "rest", "hot_water", paid=("shower",)
    )
    a = actions.run_assessment(site, actor=None, year=YEAR, kind="self")
    assert a.scores["F02"]["points"] == 40  # parking-and-rest and hot water


def test_grade_needs_the_extra_conditions_not_just_points(orgs):
    """4A needs F01 and F02 full: 800 points without showers stay below 4A."""
    GradeThreshold.objects.filter(grade__in=["1A", "2A", "3A", "4A"]).update(min_score=100)
    codes = [c for c in REQUIRED_CODES if c != "shower"] + [
        c for c in FREE_BASIC_CODES if c != "shower"
    ]
    site = with_facilities(make_station(orgs["xiapu"]), *codes)
    a = actions.run_assessment(
        site, actor=None, year=YEAR, kind="self", assessor_points=FULL_ASSESSOR
    )
    assert a.grade == "2A" and a.next_grade == "3A"
    texts = [g["text"] for g in a.gaps if g["kind"] == "requirement"]
    assert any("F01" in t for t in texts)


def test_assessor_points_are_capped_and_checked(orgs):
    site = make_station(orgs["xiapu"])
    a = actions.run_assessment(
        site, actor=None, year=YEAR, kind="self", assessor_points={"M01": 999}
    )
    assert a.scores["M01"]["points"] == 60
    with pytest.raises(DomainError):
        actions.run_assessment(
            site, actor=None, year=YEAR, kind="self", assessor_points={"M01": -1}
        )
    with pytest.raises(DomainError):
        actions.run_assessment(site, actor=None, year=1990, kind="self")


def test_official_grade_is_kept_apart_from_assessments(orgs, personas):
    site = make_station(orgs["xiapu"])
    actions.run_assessment(site, actor=None, year=YEAR, kind="self", assessor_points=FULL_ASSESSOR)
    actions.award_grade(site, actor=personas["supervisor"], year=YEAR - 1, grade="4A")
    site.refresh_from_db()
    assert site.official_grade == "4A"
    assert site.assessments.get().grade != "4A"
    with pytest.raises(Conflict):
        actions.award_grade(site, actor=personas["supervisor"], year=YEAR - 1, grade="5A")
    actions.award_grade(site, actor=personas["supervisor"], year=YEAR - 2, grade="2A")
    site.refresh_from_db()
    assert site.official_grade == "4A"  # the latest year stays current
    assert figures.site_grades(orgs["district"].path)["4A"] == 1


def test_supervisor_runs_an_assessment_from_the_console_and_sees_the_gap(orgs, client_for):
    site = with_facilities(make_station(orgs["xiapu"]), *REQUIRED_CODES)
    client = client_for("supervisor")
    form = client.get(f"/console/stations/{site.code}/assessments/new/")
    assert form.status_code == 200
    response = client.post(
        f"/console/stations/{site.code}/assessments/new/",
        {"year": YEAR, "c_M01": 50, "c_M02": 40, "c_M03": 30, "c_M04": 40, "note": ""},
        follow=True,
    )
    assessment = site.assessments.get()
    assert assessment.kind == "supervision"
    text = response.content.decode()
    assert str(assessment.score) in text and assessment.next_grade in text


def test_site_staff_run_a_self_assessment_through_the_api(orgs, api):
    site = make_station(orgs["xiapu"])
    response = api("site_staff").post(
        f"/api/v1/stations/{site.code}/assessments", {"year": YEAR}, content_type="application/json"
    )
    assert response.status_code == 201
    data = response.json()
    assert data["kind"] == "self" and data["next_grade"] == "1A" and data["gaps"]
    history = api("site_staff").get(f"/api/v1/stations/{site.code}/assessments").json()
    assert [i["id"] for i in history["items"]] == [data["id"]]


def test_administrator_edits_the_rubric_in_the_admin_with_an_audit_row(personas, client_for):
    from driverhome.accounts.models import AuditLog

    personas["admin"].is_superuser = True
    personas["admin"].save()
    client = client_for("admin")
    criterion = RubricCriterion.objects.get(code="M02")
    url = f"/console/admin/stations/rubriccriterion/{criterion.pk}/change/"
    form = client.get(url)
    assert form.status_code == 200
    data = {
        "code": "M02",
        "group": criterion.group,
        "name": criterion.name,
        "name_en": criterion.name_en,
        "points": 60,
        "source": criterion.source,
        "rule": criterion.rule,
        "is_active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.points == 60
    entry = AuditLog.objects.get(action="rubriccriterion.update")
    assert entry.changes == {"points": [50, 60]}


def test_services_delivered_at_the_site_score_s03(orgs):
    from driverhome.drivers.tests.factories import make_driver
    from driverhome.services import actions as service_actions
    from driverhome.services.models import LifecycleNode, ServiceItem

    # The default catalogue (a migration) may hold the node already; ten items of our own.
    node, _ = LifecycleNode.objects.get_or_create(
        code="N04", defaults={"name": "关爱", "name_en": "Care", "order": 4}
    )
    for n in range(10):
        ServiceItem.objects.create(code=f"T04-{n:02d}", node=node, name=f"服务{n}")
    site = make_station(orgs["xiapu"], open_24h=True)
    before = actions.run_assessment(site, actor=None, year=YEAR, kind="self")
    assert before.scores["S03"]["points"] == 0
    driver = make_driver(orgs["xiapu"])
    for item in ServiceItem.objects.filter(code__startswith="T04-").order_by("code"):
        service_actions.record_service(actor=None, driver=driver, item=item, station=site)
    after = actions.run_assessment(site, actor=None, year=YEAR, kind="self")
    assert after.scores["S03"]["points"] > 0, after.scores["S03"]
    assert "10" in after.scores["S03"]["detail"]
