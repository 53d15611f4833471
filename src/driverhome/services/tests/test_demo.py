"""The demo's records make the computed figures equal the report (and a second run changes nothing)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from driverhome.accounts.models import Organisation
from driverhome.services import figures
from driverhome.services.demo import QUICK
from driverhome.services.models import Recommendation, ServiceRecord

pytestmark = pytest.mark.django_db


def beilun_figures() -> dict:
    return figures.all_figures(Organisation.objects.get(code="beilun").path)


def test_quick_demo_figures_come_from_its_records_and_a_second_run_changes_nothing():
    call_command("demo", "--quick", stdout=StringIO())
    numbers = beilun_figures()
    assert numbers["lifecycle_nodes"] == 14 and numbers["service_items"] == 80
    assert numbers["children_in_care"] == QUICK["children"]
    assert numbers["kasao_employed"] == QUICK["on_site"]
    assert numbers["kasao_families_income_raised"] == QUICK["on_site"] + QUICK["home_raised"]
    assert numbers["kasao_monthly_income_gain_yuan"] >= 1000
    assert numbers["career_changes"] == QUICK["career"]
    counts = (ServiceRecord.objects.count(), Recommendation.objects.count())
    call_command("demo", "--quick", stdout=StringIO())
    assert (ServiceRecord.objects.count(), Recommendation.objects.count()) == counts
    assert beilun_figures() == numbers


@pytest.mark.slow
def test_full_demo_reproduces_the_report():
    call_command("demo", stdout=StringIO())
    numbers = beilun_figures()
    assert numbers["lifecycle_nodes"] == 14
    assert numbers["service_items"] == 80
    assert numbers["children_in_care"] == 825
    assert numbers["kasao_employed"] == 58
    assert numbers["kasao_families_income_raised"] == 230
    assert numbers["kasao_monthly_income_gain_yuan"] == 1000
    assert numbers["training_sessions"] == 125
    assert numbers["career_changes"] == 26
    assert set(numbers["services_delivered_by_node"]) >= {"N01", "N04", "N06", "N12", "N14"}
