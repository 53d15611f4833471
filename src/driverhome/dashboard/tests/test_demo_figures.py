"""After ``driverhome demo`` the Beilun summary shows the report's figures, computed from records."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_beilun_summary_shows_the_reports_figures(api_token):
    from django.test import Client

    from driverhome.accounts.models import ApiToken, User

    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    _token, key = ApiToken.issue(User.objects.get(username="supervisor"), "demo test")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    for live in (False, True):  # the rollups (built by the demo) and the live functions agree
        response = client.get(
            "/api/v1/dashboard/summary", {"org": "beilun"} | ({"live": 1} if live else {})
        )
        assert response.status_code == 200
        data = response.json()
        assert data["apartments_total"] == 808
        # "1,500+ drivers and family members living there": counted from the allocations
        # and the families living with the drivers.
        assert data["apartment_residents"] >= 1500
        assert data["logistics_companies"] == 125
        assert data["lifecycle_nodes"] == 14
        assert data["service_items"] == 80
        assert data["children_in_care"] == 825
        assert data["kasao_employed"] == 58
        assert data["kasao_families_income_raised"] == 230
        # "230 families earning ¥1,000 more a month": every family counted gained at least
        # ¥1,000, and the least of them just over it.
        assert data["kasao_monthly_income_gain_yuan"] == 1000
        assert data["training_sessions"] == 125
        assert data["career_changes"] == 26
        assert data["not_available"] == []
