"""The quarter's bulletin (通报): the figures it is written from and the text written from them.

Reads only; the actions (generate, edit, publish) are in ``reporting.services_bulletins``.

The figures are the year to the end of the quarter (a bulletin of the third quarter covers
January to September): each unit's declared farm-products total of quarters 1..q and its
assistance purchases dated up to the quarter's last day, against the same period of last year.
The sums are computed by the database; each unit's line then goes through api.md's formula in
``procurement.selectors.compliance_row`` (the one place it is written), so for the fourth
quarter the lines equal ``compliance_rows`` for the year.

The rules the laggards are named by:
- below the share: Shenzhen's rule, a unit spends no less than the year's required share
  (30% by default) of its farm-products procurement on assistance products;
- below last year: Guangzhou's rule (measure 16), this year's amount may not fall below last
  year's actual, compared period for period; skipped when the year's policy waives it;
- no declaration: a unit that has declared no farm-products total cannot be measured at all.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import Cast

from portal.formatting import percent, wanyuan, yiyuan
from portal.money import ZERO, quantize
from portal.periods import Quarter
from portal.roles import actor_of
from portal.selectors import city_districts
from procurement.models import BudgetUnit, Declaration, ProcurementRecord, QuotaPolicy
from procurement.selectors import (
    annual_target_for_user,
    budget_unit_for_user,
    compliance_row,
    declaration_for_user,
    record_for_user,
    required_share,
    with_compliance_totals,
)

from .models import Bulletin

# Bump when the shape of ``Bulletin.data`` changes, so pages can tell old snapshots apart.
DATA_VERSION = 1
TOP_UNITS = 10
# The text names this many units of each list; the appendix tables name them all.
NAMES_IN_TEXT = 30
RATE_PLACES = Decimal("0.0001")
YI = Decimal(100_000_000)
QUARTER_NUMERALS = {1: "一", 2: "二", 3: "三", 4: "四"}
REJECTED = ProcurementRecord.Status.REJECTED


# Scoped reads ------------------------------------------------------------------------------


def bulletin_for_user(user) -> QuerySet[Bulletin]:
    """The city office reads every bulletin, drafts included; district offices and the staff
    of budget units read published ones (a bulletin names units: that is its purpose);
    suppliers, reviewers and the public read none."""
    actor = actor_of(user)
    qs = Bulletin.objects.select_related("created_by", "published_by")
    if actor.is_city_office:
        return qs
    if actor.is_district_office or actor.is_unit:
        return qs.filter(status=Bulletin.Status.PUBLISHED)
    return qs.none()


# The figures -------------------------------------------------------------------------------


def period_bounds(period: Quarter) -> tuple[datetime.date, datetime.date]:
    """The year to the end of the quarter."""
    return datetime.date(period.year, 1, 1), period.last_day


def units_to_date(*, user, period: Quarter) -> QuerySet[BudgetUnit]:
    """The visible units with their year-to-date totals, in one query, ordered by share
    (highest first; units with nothing declared last)."""
    declared = Declaration.objects.filter(year=period.year, quarter__lte=period.quarter)
    # Growth compares with the same months of last year (the bulletin's own period).
    return (
        with_compliance_totals(
            budget_unit_for_user(user),
            year=period.year,
            through=period.quarter,
            last_year_through=period.quarter,
        )
        .annotate(
            declared=Exists(declared.filter(budget_unit=OuterRef("pk"))),
            # A float share, for ordering only (integer division on some databases otherwise).
            share_value=Case(
                When(agri_total=0, then=None),
                default=Cast("assistance_total", FloatField()) / Cast("agri_total", FloatField()),
                output_field=FloatField(),
            ),
        )
        .order_by(
            F("share_value").desc(nulls_last=True), "-assistance_total", "region_id", "name", "pk"
        )
    )


def _rate(numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES)


def _growth(current: Decimal, previous: Decimal) -> Decimal | None:
    if not previous:
        return None
    return ((Decimal(current) - Decimal(previous)) / Decimal(previous)).quantize(RATE_PLACES)


def _text(value) -> str | None:
    """Decimals travel as strings in the JSON (never float)."""
    return None if value is None else str(value)


def _district_sums(user, period: Quarter) -> dict[str | None, dict[str, Decimal]]:
    """Per district: declared total, assistance to date and the same period of last year,
    in two grouped queries."""
    first, last = period_bounds(period)
    before_first, before_last = period_bounds(Quarter(period.year - 1, period.quarter))
    sums: dict[str | None, dict[str, Decimal]] = {}

    def entry(code):
        return sums.setdefault(code, {"agri": ZERO, "assistance": ZERO, "last_year": ZERO})

    for code, total in (
        declaration_for_user(user)
        .filter(year=period.year, quarter__lte=period.quarter)
        .order_by()
        .values_list("budget_unit__region_id")
        .annotate(total=Sum("agri_total"))
    ):
        entry(code)["agri"] = quantize(total or ZERO)
    this_year = Q(purchased_on__range=(first, last))
    last_year = Q(purchased_on__range=(before_first, before_last))
    for code, current, previous in (
        record_for_user(user)
        .filter(this_year | last_year)
        .exclude(status=REJECTED)
        .order_by()
        .values_list("budget_unit__region_id")
        .annotate(
            current=Sum("amount", filter=this_year, default=ZERO),
            previous=Sum("amount", filter=last_year, default=ZERO),
        )
    ):
        entry(code)["assistance"] = quantize(current)
        entry(code)["last_year"] = quantize(previous)
    return sums


def _unit_line(unit: BudgetUnit, row, districts: dict[str, str]) -> dict:
    return {
        "id": unit.pk,
        "name": unit.name,
        "district": unit.region_id,
        "district_name": districts.get(unit.region_id, unit.region.name if unit.region else ""),
        "agri_total": _text(quantize(row.agri_total)),
        "assistance_total": _text(quantize(row.assistance_total)),
        "share": _text(row.share),
        "shortfall": _text(row.shortfall),
        "last_year_total": _text(quantize(row.last_year_total)),
        "growth": _text(_growth(row.assistance_total, row.last_year_total)),
        "decrease": _text(max(ZERO, quantize(row.last_year_total - row.assistance_total))),
    }


def bulletin_figures(*, user, year: int, quarter: int, as_of: datetime.date) -> dict:
    """Everything the bulletin says, as JSON-ready data (Decimals as strings): the city's
    totals, the districts ranked by share and by growth with their target completion, the
    top units and the three lists of laggards."""
    period = Quarter(year, quarter)
    first, last = period_bounds(period)
    ratio = required_share(year)
    policy = QuotaPolicy.objects.filter(year=year).first()
    growth_required = policy.growth_required if policy is not None else True
    districts = dict(city_districts().values_list("code", "name"))

    lines = [
        (unit, compliance_row(unit, ratio)) for unit in units_to_date(user=user, period=period)
    ]
    top_share = [_unit_line(u, r, districts) for u, r in lines if r.share is not None][:TOP_UNITS]
    growing = [(u, r) for u, r in lines if r.last_year_total > 0]
    growing.sort(
        key=lambda item: (
            -(item[1].assistance_total - item[1].last_year_total) / item[1].last_year_total,
            item[0].name,
        )
    )
    top_growth = [_unit_line(u, r, districts) for u, r in growing[:TOP_UNITS]]
    below_share = sorted(
        ((u, r) for u, r in lines if u.declared and not r.meets_share),
        key=lambda item: (-item[1].shortfall, item[0].region_id or "", item[0].name),
    )
    below_last_year = (
        sorted(
            ((u, r) for u, r in lines if not r.meets_growth),
            key=lambda item: (
                item[1].assistance_total - item[1].last_year_total,
                item[0].region_id or "",
                item[0].name,
            ),
        )
        if growth_required
        else []
    )
    no_declaration = sorted(
        ((u, r) for u, r in lines if not u.declared),
        key=lambda item: (item[0].region_id or "", item[0].name),
    )

    counts: dict[str | None, dict[str, int]] = {}
    for unit, row in lines:
        count = counts.setdefault(
            unit.region_id, {"units": 0, "meeting": 0, "below_share": 0, "below_last_year": 0}
        )
        count["units"] += 1
        count["meeting"] += row.meets_share
        count["below_share"] += unit.declared and not row.meets_share
        count["below_last_year"] += growth_required and not row.meets_growth
    no_declaration_by_district: dict[str | None, int] = {}
    for unit, _row in no_declaration:
        no_declaration_by_district[unit.region_id] = (
            no_declaration_by_district.get(unit.region_id, 0) + 1
        )

    targets = annual_target_for_user(user).filter(year=year, region__isnull=True)
    target_of = dict(targets.values_list("district_id", "amount"))
    sums = _district_sums(user, period)
    time_progress = Decimal(quarter) / 4

    district_rows = []
    for code, name in districts.items():
        figures = sums.get(code, {"agri": ZERO, "assistance": ZERO, "last_year": ZERO})
        count = counts.get(code, {"units": 0, "meeting": 0, "below_share": 0, "below_last_year": 0})
        target = target_of.get(code)
        district_rows.append(
            {
                "code": code,
                "name": name,
                "agri_total": figures["agri"],
                "assistance_total": figures["assistance"],
                "last_year_total": figures["last_year"],
                "share": _rate(figures["assistance"], figures["agri"]),
                "growth": _growth(figures["assistance"], figures["last_year"]),
                "target": target,
                "completion": _rate(figures["assistance"], target),
                "units_total": count["units"],
                "units_meeting_share": count["meeting"],
                "units_below_share": count["below_share"],
                "units_below_last_year": count["below_last_year"],
                "units_without_declaration": no_declaration_by_district.get(code, 0),
            }
        )
        row = district_rows[-1]
        row["meets_share"] = row["share"] is not None and row["share"] >= ratio
        row["behind_schedule"] = row["completion"] is not None and row["completion"] < time_progress

    def ranked(rows, key):
        known = sorted(
            (r for r in rows if r[key] is not None),
            key=lambda r: (-r[key], -r["assistance_total"], r["code"]),
        )
        unknown = sorted((r for r in rows if r[key] is None), key=lambda r: r["code"])
        return known + unknown

    by_share = ranked(district_rows, "share")
    by_growth = ranked(district_rows, "growth")
    for rank, row in enumerate(by_share, start=1):
        row["rank_share"] = rank if row["share"] is not None else None
    for rank, row in enumerate(by_growth, start=1):
        row["rank_growth"] = rank if row["growth"] is not None else None

    agri = sum((s["agri"] for s in sums.values()), ZERO)
    assistance = sum((s["assistance"] for s in sums.values()), ZERO)
    last_year = sum((s["last_year"] for s in sums.values()), ZERO)
    city_target = target_of.get(None)
    city = {
        "agri_total": agri,
        "assistance_total": assistance,
        "last_year_total": last_year,
        "share": _rate(assistance, agri),
        "growth": _growth(assistance, last_year),
        "target": city_target,
        "completion": _rate(assistance, city_target),
        "units_total": len(lines),
        "units_meeting_share": sum(1 for _u, r in lines if r.meets_share),
        "units_below_share": len(below_share),
        "units_below_last_year": len(below_last_year),
        "units_without_declaration": len(no_declaration),
    }
    laggards = {u.pk for u, _r in below_share} | {u.pk for u, _r in below_last_year}
    laggards |= {u.pk for u, _r in no_declaration}

    def as_json(row: dict) -> dict:
        return {
            key: _text(value) if isinstance(value, Decimal) else value for key, value in row.items()
        }

    return {
        "version": DATA_VERSION,
        "year": year,
        "quarter": quarter,
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "as_of": as_of.isoformat(),
        "required_share": _text(ratio),
        "growth_required": growth_required,
        "time_progress": _text(time_progress.quantize(RATE_PLACES)),
        "city": as_json(city),
        "districts": [as_json(r) for r in by_share],
        "districts_by_growth": [as_json(r) for r in by_growth],
        "top_units": top_share,
        "top_units_growth": top_growth,
        "below_share": [_unit_line(u, r, districts) for u, r in below_share],
        "below_last_year": [_unit_line(u, r, districts) for u, r in below_last_year],
        "no_declaration": [_unit_line(u, r, districts) for u, r in no_declaration],
        "laggard_unit_ids": sorted(laggards),
    }


# The text ----------------------------------------------------------------------------------
# A bulletin is an official document in Chinese (data, not interface): it is written in
# Chinese whatever the reader's interface language.


def quarter_cn(year: int, quarter: int) -> str:
    return f"{year}年第{QUARTER_NUMERALS[quarter]}季度"


def bulletin_title(year: int, quarter: int) -> str:
    return f"关于{quarter_cn(year, quarter)}消费帮扶工作进展情况的通报"


def date_cn(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _money(value) -> str:
    """万元 in running text, 亿元 from a hundred million up (ui.md)."""
    if value is None:
        return "—"
    amount = Decimal(value)
    text = yiyuan(amount) if abs(amount) >= YI else wanyuan(amount)
    return text.replace(" ", "")


def _pct(value) -> str:
    return percent(value)


def _points(value) -> str:
    """A difference of two shares in percentage points, one decimal."""
    return percent(abs(Decimal(value))).removesuffix("%")


def _change(value) -> str:
    """增长12.3% / 下降4.0% / 持平."""
    if value is None:
        return "—"
    amount = Decimal(value)
    if amount > 0:
        return f"增长{_pct(amount)}"
    if amount < 0:
        return f"下降{_pct(-amount)}"
    return "持平"


def _names(units: list[dict], describe) -> str:
    shown = "、".join(describe(unit) for unit in units[:NAMES_IN_TEXT])
    if len(units) > NAMES_IN_TEXT:
        shown += f"等{len(units)}家单位（完整名单见附表）"
    return shown


PARAGRAPH = "\u3000\u3000"  # two full-width spaces: the first-line indent of Chinese documents


def bulletin_text(data: dict, *, issuer: str, issued_on: datetime.date) -> str:
    """The bulletin's text, in the style of a government 通报, written from ``data``:
    一、总体情况 二、各区进展 三、存在问题（点名未达标单位） 四、下一步工作要求."""
    year, quarter = data["year"], data["quarter"]
    last_day = datetime.date.fromisoformat(data["last_day"])
    ratio = Decimal(data["required_share"])
    city = data["city"]
    months = f"1—{last_day.month}月"
    parts = ["各区协作办、各预算单位：", ""]
    parts.append(
        f"{PARAGRAPH}为落实消费帮扶工作部署，推动预算单位按不低于{_pct(ratio)}的比例采购脱贫地区"
        f"农副产品，现将{year}年{months}（截至{quarter_cn(year, quarter)}末）全市预算单位"
        "消费帮扶采购情况通报如下。"
    )

    # 一、总体情况
    parts += ["", "一、总体情况"]
    overall = (
        f"{PARAGRAPH}截至{date_cn(last_day)}，全市{city['units_total']}家预算单位累计申报农副产品"
        f"采购总额{_money(city['agri_total'])}，采购帮扶产品{_money(city['assistance_total'])}"
    )
    if city["share"] is not None:
        share = Decimal(city["share"])
        overall += f"，占比{_pct(share)}"
        if share >= ratio:
            overall += f"，达到不低于{_pct(ratio)}的比例要求"
        else:
            overall += f"，低于{_pct(ratio)}的比例要求{_points(ratio - share)}个百分点"
    if city["growth"] is not None:
        overall += (
            f"；与上年同期（{_money(city['last_year_total'])}）相比{_change(city['growth'])}。"
        )
    else:
        overall += "；上年同期无帮扶采购记录。"
    parts.append(overall)
    if city["target"] is not None:
        completion = Decimal(city["completion"])
        progress = Decimal(data["time_progress"])
        pace = "高于" if completion >= progress else "低于"
        parts.append(
            f"{PARAGRAPH}全市年度采购目标{_money(city['target'])}，已完成{_pct(completion)}，"
            f"{pace}时序进度（{_pct(progress)}）{_points(completion - progress)}个百分点。"
        )
    else:
        parts.append(f"{PARAGRAPH}{year}年度全市采购目标尚未下达。")
    units_total = city["units_total"] or 1
    clauses = [
        f"{city['units_meeting_share']}家单位采购比例达到要求，"
        f"占{_pct(Decimal(city['units_meeting_share']) / units_total)}"
    ]
    if city["units_below_share"]:
        clauses.append(f"{city['units_below_share']}家单位未达到比例要求")
    if data["growth_required"] and city["units_below_last_year"]:
        clauses.append(f"{city['units_below_last_year']}家单位采购额低于上年同期")
    if city["units_without_declaration"]:
        clauses.append(f"{city['units_without_declaration']}家单位尚未申报农副产品采购总额")
    else:
        clauses.append("各单位均已申报农副产品采购总额")
    parts.append(PARAGRAPH + "；".join(clauses) + "。")

    # 二、各区进展
    parts += ["", "二、各区进展"]
    ranked = [d for d in data["districts"] if d["share"] is not None]
    if ranked:
        parts.append(
            f"{PARAGRAPH}按采购占比排序，各区依次为："
            + "、".join(f"{d['name']}（{_pct(d['share'])}）" for d in ranked)
            + "。"
        )
        short = [d["name"] for d in ranked if Decimal(d["share"]) < ratio]
        if short:
            parts.append(f"{PARAGRAPH}其中，{'、'.join(short)}采购占比低于{_pct(ratio)}。")
        else:
            parts.append(f"{PARAGRAPH}各区采购占比均达到{_pct(ratio)}的要求。")
    else:
        parts.append(f"{PARAGRAPH}各区尚无申报数据，暂不排序。")
    growing = [d for d in data["districts_by_growth"] if d["growth"] is not None]
    if growing:
        parts.append(
            f"{PARAGRAPH}按同比增幅排序，各区依次为："
            + "、".join(f"{d['name']}（{_change(d['growth'])}）" for d in growing)
            + "。"
        )
    with_target = [d for d in data["districts"] if d["completion"] is not None]
    if with_target:
        progress = Decimal(data["time_progress"])
        best = max(with_target, key=lambda d: (Decimal(d["completion"]), d["code"]))
        behind = [d for d in with_target if Decimal(d["completion"]) < progress]
        sentence = (
            f"{PARAGRAPH}年度目标完成方面，{best['name']}完成率最高，达{_pct(best['completion'])}"
        )
        if len(behind) == len(with_target) > 1:
            worst = min(with_target, key=lambda d: (Decimal(d["completion"]), d["code"]))
            sentence += (
                f"；各区完成率均低于时序进度（{_pct(progress)}），其中{worst['name']}最低，"
                f"为{_pct(worst['completion'])}。"
            )
        elif behind:
            sentence += (
                "；"
                + "、".join(f"{d['name']}（{_pct(d['completion'])}）" for d in behind)
                + f"完成率低于时序进度（{_pct(progress)}）。"
            )
        else:
            sentence += f"；各区完成率均达到时序进度（{_pct(progress)}）。"
        parts.append(sentence)
    else:
        parts.append(f"{PARAGRAPH}各区年度采购目标尚未下达。")
    parts.append(f"{PARAGRAPH}各区详细情况见附表。")

    # 三、存在问题
    parts += ["", "三、存在问题"]
    problems = []
    if data["below_share"]:
        problems.append(
            f"部分单位采购比例未达要求。以下{len(data['below_share'])}家单位帮扶产品采购占比"
            f"低于{_pct(ratio)}："
            + _names(
                data["below_share"],
                lambda u: (
                    f"{u['name']}（{u['district_name']}，占比{_pct(u['share'])}，"
                    f"差额{_money(u['shortfall'])}）"
                ),
            )
            + "。"
        )
    if data["below_last_year"]:
        problems.append(
            "部分单位采购额低于上年同期。按照“当年采购额不低于上年实际采购额”的要求，以下"
            f"{len(data['below_last_year'])}家单位采购额低于上年同期："
            + _names(
                data["below_last_year"],
                lambda u: (
                    f"{u['name']}（{u['district_name']}，本年{_money(u['assistance_total'])}"
                    f"，上年同期{_money(u['last_year_total'])}）"
                ),
            )
            + "。"
        )
    if data["no_declaration"]:
        problems.append(
            f"部分单位未按时申报。以下{len(data['no_declaration'])}家单位尚未申报农副产品采购"
            "总额，无法核算采购比例："
            + _names(data["no_declaration"], lambda u: f"{u['name']}（{u['district_name']}）")
            + "。"
        )
    if problems:
        numerals = "一二三"
        parts += [
            f"{PARAGRAPH}（{numerals[index]}）{problem}" for index, problem in enumerate(problems)
        ]
    else:
        parts.append(f"{PARAGRAPH}截至本期末，各预算单位均达到采购比例要求并按时申报。")

    # 四、下一步工作要求
    parts += ["", "四、下一步工作要求"]
    if quarter < 4:
        catch_up = "要加大帮扶产品采购力度，确保年底前达到比例要求、不低于上年采购额"
    else:
        catch_up = "要认真分析原因，在下一年度采购计划中予以弥补，并将整改情况报所在区协作办"
    parts += [
        f"{PARAGRAPH}（一）各区协作办要对照本通报，督促辖区内未达标单位逐一分析原因、制定整改措施，"
        "确保年度目标按期完成。",
        f"{PARAGRAPH}（二）未达到比例要求或采购额低于上年同期的单位{catch_up}；可通过832平台、"
        "消费帮扶专柜专馆专区、线上商城等渠道采购认定的帮扶产品。",
        f"{PARAGRAPH}（三）尚未申报的单位要在10个工作日内通过平台补报农副产品采购总额，并上传"
        "采购凭证。",
        f"{PARAGRAPH}（四）市协作办将持续跟踪各区、各单位工作进展，按季度通报。",
        "",
        f"{PARAGRAPH}附表：各区采购占比及目标完成情况排名、预算单位排名及未达标单位名单",
        "",
        issuer,
        date_cn(issued_on),
    ]
    return "\n".join(parts)


HEADING = re.compile(r"^[一二三四五六七八九十]+、")
DATE_LINE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")


def bulletin_paragraphs(body: str) -> list[dict]:
    """The text as paragraphs for the page: section headings (一、…) set bold, the issuer and
    date at the end set right, as in a printed 通报."""
    lines = body.splitlines()
    signature_from = len(lines)
    while signature_from > 0 and not lines[signature_from - 1].strip():
        signature_from -= 1
    if signature_from >= 2 and DATE_LINE.match(lines[signature_from - 1].strip()):
        signature_from -= 2
    else:
        signature_from = len(lines)
    paragraphs = []
    for index, line in enumerate(lines):
        if index >= signature_from:
            kind = "signature" if line.strip() else "blank"
        elif not line.strip():
            kind = "blank"
        elif HEADING.match(line.strip()):
            kind = "heading"
        else:
            kind = "text"
        paragraphs.append({"kind": kind, "text": line})
    return paragraphs
