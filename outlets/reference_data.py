"""What an outlet inspection checks (巡查要点): (item code, label). Each item is marked
passed or failed; the findings say what failed and what must be put right."""

INSPECTION_CHECKLIST: tuple[tuple[str, str], ...] = (
    ("signage", "统一标识：悬挂消费帮扶专柜（专区、专馆）标识"),
    ("products", "在售商品均为认定的帮扶产品，无以非帮扶产品冒充"),
    ("ledger", "产品来源台账与进货凭证齐全"),
    ("prices", "明码标价，价格与市场同类产品相当"),
    ("quality", "产品在保质期内，储存条件符合要求"),
    ("area", "专柜（专区）面积与陈列符合登记"),
)
