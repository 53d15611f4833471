from django.db import migrations


def forwards(apps, schema_editor):
    from driverhome.appeals.catalogue import seed

    seed(apps.get_model("appeals", "Category"), apps.get_model("appeals", "TimeLimit"))


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
