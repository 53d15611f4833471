"""Reviews: only after a visit, one per visit; staff reply; moderation hides, the audit log keeps the text."""

import pytest

from driverhome.accounts.models import AuditLog
from driverhome.core.errors import Conflict, DomainError
from driverhome.stations import actions, present
from driverhome.stations.models import Review

from .factories import make_driver, make_station

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(orgs, personas):
    site = make_station(orgs["xiapu"])
    driver = make_driver(orgs["xiapu"], personas["driver"], phone="13812340001")
    actions.check_in(site, driver, actor=None, channel="qr")
    return site, driver


def rate(site, driver, **extra):
    values = {"cleanliness": 4, "service": 5, "facilities": 3, "comment": "热水方便"}
    values.update(extra)
    return actions.submit_review(site, driver, actor=None, **values)


def test_a_driver_without_a_visit_cannot_rate(orgs):
    site = make_station(orgs["xiapu"])
    driver = make_driver(orgs["xiapu"])
    with pytest.raises(DomainError) as err:
        rate(site, driver)
    assert err.value.code == "no_visit"


def test_one_rating_per_visit(visit):
    site, driver = visit
    review = rate(site, driver)
    assert review.average == 4.0
    with pytest.raises(DomainError):
        rate(site, driver)
    assert present.rating(site)["count"] == 1


@pytest.mark.parametrize("bad", [0, 6, "x", None])
def test_scores_must_be_1_to_5(visit, bad):
    site, driver = visit
    with pytest.raises(DomainError) as err:
        rate(site, driver, service=bad)
    assert err.value.code == "bad_rating"
    assert not Review.objects.exists()


def test_driver_rates_from_the_site_page(visit, client_for):
    site, _driver = visit
    client = client_for("driver")
    page = client.get(f"/d/stations/{site.code}/")
    assert f"/d/stations/{site.code}/review/".encode() in page.content
    response = client.post(
        f"/d/stations/{site.code}/review/",
        {"cleanliness": "5", "service": "5", "facilities": "4", "comment": "很好"},
    )
    assert response.status_code == 302
    assert Review.objects.get().comment == "很好"


def test_staff_reply_is_shown_to_drivers(visit, personas, client):
    site, driver = visit
    review = rate(site, driver)
    actions.reply_to_review(review, actor=personas["site_staff"], text="感谢反馈")
    page = client.get(f"/d/stations/{site.code}/").content.decode()
    assert "感谢反馈" in page and "热水方便" in page


def test_hiding_removes_the_text_but_the_audit_log_keeps_it(visit, personas, client, api):
    site, driver = visit
    review = rate(site, driver, comment="骂人的话")
    hidden = actions.hide_review(review, actor=personas["supervisor"], reason="辱骂")
    assert hidden.status == "hidden" and hidden.comment == ""
    entry = AuditLog.objects.get(action="review.hide")
    assert entry.shown_changes["comment"] == ["骂人的话", ""] and entry.shown_note == "辱骂"
    assert "骂人的话" not in str(entry.changes)  # sealed: about the driver who wrote it
    assert "骂人的话" not in client.get(f"/d/stations/{site.code}/").content.decode()
    assert api(None).get(f"/api/v1/stations/{site.code}/reviews").json()["items"] == []
    assert present.rating(site)["count"] == 0
    with pytest.raises(Conflict):
        actions.hide_review(hidden, actor=personas["supervisor"], reason="again")


def test_site_staff_cannot_hide_a_review(visit, api):
    site, driver = visit
    review = rate(site, driver)
    response = api("site_staff").post(
        f"/api/v1/stations/reviews/{review.public_id}/hide",
        {"reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404
    review.refresh_from_db()
    assert review.status == "visible"


def test_reply_and_hide_need_text(visit, personas):
    site, driver = visit
    review = rate(site, driver)
    with pytest.raises(DomainError):
        actions.reply_to_review(review, actor=personas["site_staff"], text=" ")
    with pytest.raises(DomainError):
        actions.hide_review(review, actor=personas["supervisor"], reason="")


def test_reviews_awaiting_a_reply_on_the_worklist(visit, personas, client_for):
    site, driver = visit
    rate(site, driver)
    page = client_for("site_staff").get("/console/")
    assert page.status_code == 200
    text = page.content.decode()
    assert site.name in text
