"""Seed the facility catalogue and the grading rubric from ``stations/data/*.csv``."""

from django.db import migrations


def load(apps, schema_editor):
    from driverhome.stations.catalogue import load_defaults

    load_defaults(
        apps.get_model("stations", "Facility"),
        apps.get_model("stations", "RubricCriterion"),
        apps.get_model("stations", "GradeThreshold"),
    )


class Migration(migrations.Migration):
    dependencies = [("stations", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
