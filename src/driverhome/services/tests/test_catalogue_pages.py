"""Administrators add and edit nodes and items from the pages; others cannot."""

from __future__ import annotations

import pytest
from django.urls import reverse

from driverhome.services.models import LifecycleNode, ServiceItem

pytestmark = pytest.mark.django_db


def test_admin_adds_a_node_and_an_item_with_rules(client_for, catalogue):
    admin = client_for("admin")
    response = admin.post(
        reverse("services:node-new"),
        {
            "code": "N15",
            "name": "退休生活",
            "name_en": "Retired life",
            "order": 15,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    node = LifecycleNode.objects.get(code="N15")
    response = admin.post(
        reverse("services:item-new"),
        {
            "code": "N15-01",
            "node": node.pk,
            "name": "老年司机关爱",
            "channel": "phone",
            "beneficiary": "driver",
            "base_urgency": 15,
            "is_active": "on",
            "eligibility": '{"rules": [{"rule": "driver_age", "min": 60}]}',
        },
    )
    assert response.status_code == 302
    item = ServiceItem.objects.get(code="N15-01")
    assert item.node == node and item.eligibility["rules"][0]["min"] == 60


def test_a_duplicate_code_is_refused_and_nothing_changes(client_for, catalogue):
    response = client_for("admin").post(
        reverse("services:node-edit", args=["N01"]),
        {"code": "N02", "name": "入职", "order": 1, "is_active": "on"},
    )
    assert response.status_code == 200 and "N02" in response.content.decode()
    assert LifecycleNode.objects.filter(code="N01").exists()


def test_site_staff_cannot_edit_the_catalogue(client_for, catalogue):
    assert client_for("site_staff").get(reverse("services:item-new")).status_code == 404
    page = client_for("site_staff").get(reverse("services:catalogue")).content.decode()
    assert reverse("services:item-new") not in page


def test_catalogue_counts_only_services_in_the_users_area(client_for, driver, catalogue, personas):
    from driverhome.services import actions

    actions.record_service(actor=personas["site_staff"], driver=driver, item=catalogue["N13-01"])
    mine = client_for("site_staff").get(reverse("services:catalogue")).context["nodes"]
    theirs = client_for("outsider").get(reverse("services:catalogue")).context["nodes"]
    assert {n.code: n.delivered for n in mine}["N13"] == 1
    assert {n.code: n.delivered for n in theirs}["N13"] == 0
