"""Builders of the base-evaluation tests (issue 10): experts, bases and evaluations put
straight in the database at any stage, so each test starts where its rule applies."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from products.models import (
    BaseEvaluation,
    Expert,
    ExpertAssignment,
    MonitoringRecord,
    SupplierBase,
)
from tests import factories as f

AS_OF = datetime.date(2026, 11, 23)
YEAR = 2026
Status = BaseEvaluation.Status

EXPERT_NAMES = (
    "王建国",
    "李秀英",
    "张伟",
    "刘洋",
    "陈静",
    "杨帆",
    "赵磊",
    "黄敏",
    "周涛",
    "吴霞",
    "徐刚",
    "孙丽",
)


def experts(n: int, **values) -> list[Expert]:
    """``n`` active experts of the pool, named in order."""
    return [
        Expert.objects.create(
            name=EXPERT_NAMES[i % len(EXPERT_NAMES)] + (str(i) if i >= len(EXPERT_NAMES) else ""),
            organisation="华南农业大学",
            speciality="vegetables",
            **values,
        )
        for i in range(n)
    ]


def base_of(supplier, name: str = "田阳蔬菜基地", category: str = "vegetables") -> SupplierBase:
    return SupplierBase.objects.create(
        supplier=supplier, name=name, region=f.region(f.TIANYANG), category=category
    )


def evaluation(
    base: SupplierBase,
    *,
    status: str = Status.APPLIED,
    year: int = YEAR,
    self_score: str = "90",
    final_score: str | None = None,
    **values,
) -> BaseEvaluation:
    return BaseEvaluation.objects.create(
        base=base,
        year=year,
        category=base.category,
        status=status,
        self_score=Decimal(self_score),
        self_assessment="统一质量标准、加工要求、包装标识、品牌销售均已落实。",
        final_score=Decimal(final_score) if final_score is not None else None,
        **values,
    )


def drawn(evaluation_: BaseEvaluation, pool: list[Expert], *, seed: int = 1) -> list:
    """The evaluation at site verification with the first five of ``pool`` drawn (no draw:
    for tests of what follows it)."""
    evaluation_.status = Status.SITE_VERIFICATION
    evaluation_.material_score = Decimal("80")
    evaluation_.draw_seed = seed
    evaluation_.save()
    return [
        ExpertAssignment.objects.create(evaluation=evaluation_, expert=expert, position=i)
        for i, expert in enumerate(pool[:5], start=1)
    ]


def failed(*, kind: str, day: datetime.date, annulled: bool = False, **subject):
    return MonitoringRecord.objects.create(
        kind=kind,
        performed_on=day,
        agency="深圳市计量质量检测研究院",
        result=MonitoringRecord.Result.FAILED,
        findings="农药残留超标",
        annulled=annulled,
        **subject,
    )


# --- shared by the evaluation's and the experts' page tests ------------------------------------


@pytest.fixture(name="pages_today")
def pages_today_fixture(monkeypatch):
    """Pages read today from ``portal.periods.today``; pin it inside the demo year."""
    for module in ("evaluation", "experts"):
        monkeypatch.setattr(f"products.views.{module}.today", lambda: datetime.date(YEAR, 11, 23))


@pytest.fixture(name="base")
def base_fixture(supplier_org):
    return base_of(supplier_org)


def detail(pk):
    return reverse("products:evaluation_detail", args=[pk])


def as_user(client, user):
    client.force_login(user)
    return client
