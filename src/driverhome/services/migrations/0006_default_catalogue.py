"""The default catalogue, 14 lifecycle nodes and 80 service items, from ``services/data``.

Only missing codes are inserted: a deployment's own edits are never overwritten. A later
version that adds items gives its own migration the list of new codes
(``load_default_catalogue(..., codes=[...])``).
"""

from django.db import migrations


def load(apps, schema_editor):
    from driverhome.services.catalogue import load_default_catalogue

    load_default_catalogue(
        apps.get_model("services", "LifecycleNode"),
        apps.get_model("services", "ServiceItem"),
        apps.get_model("accounts", "Organisation"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0005_labels"),
        ("accounts", "0005_merge_0004_personal_keys_0004_phone_codes"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
