"""The certification schemes the portal knows; loaded by a data migration and by seed_demo."""

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


def load_schemes(scheme_model) -> None:
    """Create the schemes that are missing; an existing scheme keeps its settings."""
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
