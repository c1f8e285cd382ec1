"""The Excel exports of the disclosure lists: exactly the filtered rows, nothing private in the
public one, read in bounded chunks up to a cap, the office's and the objections' workbooks."""

import datetime

import pytest
from django.urls import reverse

from products import disclosure_exports
from products.services.disclosure import objection_decide

from . import disclosures_builders as b
from .disclosures_builders import (  # noqa: F401 - fixtures, found by their names
    AFTER,
    certification_open,
    frozen_clock,
    mango_product,
    office_client,
    rows_of,
    three_outcomes_fixture,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "english")]

EXPORT = reverse("products:disclosures_export")
OFFICE_EXPORT = reverse("products:disclosure_office_export")
QUEUE_EXPORT = reverse("products:objections_export")


# --- the Excel exports --------------------------------------------------------------------------


def test_the_public_export_holds_exactly_the_filtered_disclosures(client, three_outcomes):
    effective, _withdrawn, _later = three_outcomes
    title, headers, *rows = rows_of(client.get(EXPORT, {"status": "effective"}))
    assert title[0] == "消费帮扶公示信息（截至2026年12月01日）"
    assert headers[:3] == ("序号", "公示事项", "类别")
    assert len(rows) == 1
    row = dict(zip(headers, rows[0], strict=True))
    assert row["公示事项"] == "Issue of 圳品 certificate SZP-2026-000001"
    assert (row["产品或基地"], row["证书编号"], row["公示期(工作日)"]) == (
        "田阳香芒",
        "SZP-2026-000001",
        5,
    )
    assert row["供应商"] == "百色市田阳区农业发展有限公司"
    assert row["产地"] == "广西壮族自治区百色市田阳区"
    assert row["公示开始日期"].date() == b.AS_OF
    assert row["公示截止日期"].date() == b.LAST_DAY
    assert row["生效日期"].date() == AFTER
    assert row["撤回日期"] is None
    assert row["公示页面"] == (
        f"http://testserver{reverse('products:disclosure_detail', args=[effective.pk])}"
    )
    everything = rows_of(client.get(EXPORT))[2:]
    assert [line[0] for line in everything] == [1, 2, 3]
    by_headline = {line[1]: dict(zip(headers, line, strict=True)) for line in everything}
    gone = by_headline["Sample test of 2026-11-20: failed"]
    assert (gone["状态"], gone["生效日期"], gone["撤回日期"].date()) == (
        "Withdrawn after objection",
        None,
        b.AS_OF,
    )


def test_the_public_export_holds_nothing_private(client, certification, city_officer):
    objection_decide(
        actor=city_officer,
        objection=b.object_to(certification, name="李秘密", contact="13912345678"),
        decision="dismiss",
        note="办公室内部意见：不予采纳",
        as_of=b.AS_OF,
    )
    cells = {cell for row in rows_of(client.get(EXPORT)) for cell in row}
    for secret in ("李秘密", "13912345678", "不予采纳"):
        assert not any(secret in str(cell) for cell in cells)


def test_an_invalid_filter_exports_nothing(client, certification):
    assert len(rows_of(client.get(EXPORT, {"kind": "rumour"}))) == 2


def test_the_exports_read_in_bounded_chunks_and_stop_at_the_cap(
    client, reviewer, city_officer, supplier_org, monkeypatch, django_assert_max_num_queries
):
    for n in range(6):
        product = b.szp_product(supplier_org, name=f"芒果{n}")
        b.certification_disclosure(reviewer, product, number=f"SZP-2026-{n + 1:06d}")
        b.monitoring_disclosure(reviewer, product)
    b.exit_disclosure(city_officer, b.base_of(supplier_org))
    b.evaluation_disclosure(city_officer, b.base_of(supplier_org, name="评价基地"), score="91.50")
    monkeypatch.setattr(disclosure_exports, "EXPORT_CHUNK", 5)
    # 14 disclosures in three chunks of 5: one query reads the rows, and each chunk one per
    # kind of subject in it: 4 in the first (evaluation, base exit, monitoring, certificate),
    # 2 in each of the others. The row count does not add queries; the chunk count does.
    with django_assert_max_num_queries(1 + 4 + 2 + 2):
        rows = rows_of(client.get(EXPORT))
    assert len(rows) == 2 + 14
    monkeypatch.setattr(disclosure_exports, "MAX_EXPORT_ROWS", 4)
    capped = rows_of(client.get(EXPORT))
    assert len(capped) == 2 + 4 + 1
    assert capped[-1][0] == "仅导出前4条公示，请缩小筛选范围后分批导出。"


def test_the_office_export_adds_who_published_and_the_objections(
    office, certification, reviewer, mango, django_assert_max_num_queries
):
    reviewer.first_name, reviewer.last_name = "张", "审核"
    reviewer.save()
    b.monitoring_disclosure(reviewer, mango)
    b.object_to(certification)
    b.object_to(certification, text="第二条异议")
    # The session, the user and their role, the rows, one query per kind of subject.
    with django_assert_max_num_queries(5):
        response = office.get(OFFICE_EXPORT, {"kind": "certification"})
    _title, headers, *rows = rows_of(response)
    assert headers[-3:] == ("发布人", "异议数", "待处理异议数")
    assert len(rows) == 1
    assert rows[0][-3:] == ("张 审核", 2, 2)


def test_the_objection_export_follows_the_queue_and_its_filter(
    office, certification, city_officer, frozen, django_assert_max_num_queries
):
    decided = b.object_to(certification, name="王芳", contact="wangfang@example.com")
    frozen.shift(60)
    pending = b.object_to(certification, name="李明", contact="13800138000", text="=1+1")
    objection_decide(
        actor=city_officer, objection=decided, decision="dismiss", note="无事实依据", as_of=b.AS_OF
    )
    # The session, the user and their role, the rows, one query per kind of subject.
    with django_assert_max_num_queries(5):
        response = office.get(QUEUE_EXPORT)
    title, headers, *rows = rows_of(response)
    assert title[0] == "公示异议处理情况（截至2026年11月23日）"
    lines = [dict(zip(headers, row, strict=True)) for row in rows]
    assert [line["受理编号"] for line in lines] == [
        f"YY-2026-{pending.pk:06d}",
        f"YY-2026-{decided.pk:06d}",
    ]
    first, second = lines
    assert (first["异议人"], first["联系方式"], first["处理状态"]) == (
        "李明",
        "13800138000",
        "Awaiting decision",
    )
    # A text that Excel would read as a formula stays text.
    assert first["异议内容"] == "'=1+1"
    # Shanghai time, as the office reads it (Excel has no time zones).
    assert first["收到时间"] == b.moment(b.AS_OF).replace(tzinfo=None) + datetime.timedelta(
        minutes=1
    )
    assert (second["处理意见"], second["处理状态"]) == ("无事实依据", "Dismissed")
    assert second["公示事项"] == "圳品 certificate SZP-2026-000001 to be issued"
    assert second["公示截止日期"].date() == b.LAST_DAY
    only_pending = rows_of(office.get(QUEUE_EXPORT, {"status": "pending"}))[2:]
    assert [row[0] for row in only_pending] == [f"YY-2026-{pending.pk:06d}"]
