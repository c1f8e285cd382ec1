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


# What an on-site evaluation scores, per scheme: (item code, label, maximum points); the
# points of a scheme add up to 100. 圳品 follows the 《“圳品”评价规范》; bases the "四个统一"
# (unified quality standard, processing requirements, packaging marks, brand sales).
CHECKLISTS: dict[str, tuple[tuple[str, str, int], ...]] = {
    "recognition": (
        ("origin", "产地来源于对口帮扶地区", 25),
        ("poverty_link", "联农带贫机制清晰", 30),
        ("quality", "产品质量符合标准", 25),
        ("supply", "稳定供应能力", 20),
    ),
    "szp": (
        ("standard", "符合“圳品”评价规范", 30),
        ("testing", "质量检测全部合格", 25),
        ("process", "生产过程控制", 20),
        ("packaging", "包装与标识规范", 15),
        ("traceability", "全程可追溯", 10),
    ),
    "base": (
        ("quality_standard", "统一质量标准", 25),
        ("processing", "统一加工要求", 25),
        ("packaging", "统一包装标识", 25),
        ("brand", "统一品牌销售", 25),
    ),
}
