from django.db import migrations

SCHEMES = [
    (
        "recognition",
        "帮扶产品认定",
        "product",
        24,
        "Recognition of a product of the paired regions as an assistance product.",
    ),
    (
        "szp",
        "圳品",
        "product",
        36,
        "Shenzhen-standard food certification, evaluated on site against a standard.",
    ),
    ("base", "基地认定", "base", 36, "Certification of a supplier base (供深基地 / 菜篮子基地)."),
]


def forwards(apps, schema_editor):
    scheme_model = apps.get_model("products", "CertificationScheme")
    for code, name, subject, months, description in SCHEMES:
        scheme_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "subject": subject,
                "validity_months": months,
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("products", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
