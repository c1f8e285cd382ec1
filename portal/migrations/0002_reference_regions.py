from django.db import migrations

from portal.reference_data import load_regions


def forwards(apps, schema_editor):
    load_regions(apps.get_model("portal", "Region"), apps.get_model("portal", "DistrictPairing"))


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
