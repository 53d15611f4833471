"""The default catalogue arrives with ``migrate`` and a later load never undoes a deployment's edits."""

import pytest

from driverhome.accounts.models import AuditLog
from driverhome.services import actions
from driverhome.services.catalogue import load_default_catalogue
from driverhome.services.models import LifecycleNode, ServiceItem

pytestmark = pytest.mark.django_db


def test_migrate_loads_fourteen_nodes_and_eighty_items():
    assert LifecycleNode.objects.count() == 14
    assert ServiceItem.objects.count() == 80
    assert ServiceItem.objects.get(code="N06-02").eligibility["rules"][0]["rule"] == "child_age"


def test_loading_again_keeps_an_edited_item_and_restores_only_what_is_missing(personas):
    item = ServiceItem.objects.get(code="N01-01")
    actions.save_item(actor=personas["admin"], item=item, name="入职登记（本区）", is_active=False)
    ServiceItem.objects.filter(code="N14-03").delete()
    assert load_default_catalogue() == (0, 1)
    item.refresh_from_db()
    assert item.name == "入职登记（本区）" and not item.is_active
    assert ServiceItem.objects.filter(code="N14-03").exists()
    assert AuditLog.objects.filter(action="service_item.saved", object_id=str(item.pk)).exists()


def test_a_later_version_adds_only_the_codes_its_migration_names():
    ServiceItem.objects.filter(code__in=["N02-01", "N02-02"]).delete()
    assert load_default_catalogue(codes=["N02-02"]) == (0, 1)
    assert not ServiceItem.objects.filter(code="N02-01").exists()
    assert ServiceItem.objects.filter(code="N02-02").exists()
