from django.db import migrations

from products.reference_data import load_schemes


def forwards(apps, schema_editor):
    load_schemes(apps.get_model("products", "CertificationScheme"))


class Migration(migrations.Migration):
    dependencies = [("products", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
