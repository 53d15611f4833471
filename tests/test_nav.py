"""The console menu marks the page's own section, the most specific one when addresses nest."""

import pytest
from django.urls import reverse

from driverhome.core.nav import console_nav


@pytest.mark.django_db
def test_apartments_are_marked_not_drivers(personas):
    apartments = reverse("drivers:apartment-list")
    menu = console_nav(personas["site_staff"], apartments + "?building=b1")
    active = [item["url"] for item in menu if item["active"]]
    assert active == [apartments]


@pytest.mark.django_db
def test_a_driver_page_marks_drivers_and_home_marks_the_worklist(personas):
    drivers = reverse("drivers:driver-list")
    menu = console_nav(personas["site_staff"], drivers)
    assert [item["url"] for item in menu if item["active"]] == [drivers]
    menu = console_nav(personas["site_staff"], "/console/")
    assert [item["url"] for item in menu if item["active"]] == ["/console/"]


@pytest.mark.django_db
def test_every_request_settings_page_lights_request_settings(personas):
    from driverhome.core.nav import console_nav

    for path in (
        "/console/appeals/settings/",
        "/console/appeals/settings/categories/",
        "/console/appeals/settings/time-limits/",
        "/console/appeals/settings/open311-keys/",
    ):
        active = [item["url"] for item in console_nav(personas["admin"], path) if item["active"]]
        assert active == ["/console/appeals/settings/"], (path, active)
