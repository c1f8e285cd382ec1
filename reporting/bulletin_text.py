"""The bulletin's text (通报): an official document in Chinese, written from the figures of
``reporting.bulletins`` in the sections of a government bulletin (总体情况, 各区进展, 存在问题,
下一步工作要求), and read back into paragraphs for its page.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from portal.formatting import percent, wanyuan, yiyuan

# The text names this many units of each list; the appendix tables name them all.
NAMES_IN_TEXT = 30
YI = Decimal(100_000_000)
QUARTER_NUMERALS = {1: "一", 2: "二", 3: "三", 4: "四"}


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
