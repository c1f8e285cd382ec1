"""Charts for the PDF summary, drawn as inline SVG in Python (WeasyPrint renders SVG; a PDF has
no JavaScript): horizontal bars with a label, the bar and its value, and optionally a reference
line (the target, 100%). Geometry only uses floats; the figures stay Decimal."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = '"Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif'
PRIMARY = "#1f4e8c"
LEADING = "#9b1c1c"
REFERENCE = "#b45309"
MUTED = "#6b7280"


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    text: str


def hbar_chart(
    bars: list[Bar],
    *,
    reference: Decimal | None = None,
    reference_label: str = "",
    width: int = 640,
    label_width: int = 150,
    row_height: int = 24,
) -> SafeString:
    """One bar per item, in the order given; the largest in the accent colour."""
    value_width = 120
    plot = width - label_width - value_width
    top = 18 if reference is not None else 4
    height = top + row_height * len(bars) + 6
    largest = max([b.value for b in bars] + [reference or Decimal(0), Decimal(0)])
    scale = plot / float(largest) if largest > 0 else 0.0
    leader = max(bars, key=lambda b: b.value).value if bars else None
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family=\'{FONT}\' font-size="11">'
    ]
    for index, bar in enumerate(bars):
        y = top + index * row_height
        length = max(float(bar.value) * scale, 0.0)
        colour = LEADING if bar.value == leader and bar.value > 0 else PRIMARY
        parts.append(
            f'<text x="{label_width - 6}" y="{y + row_height * 0.65:.1f}" text-anchor="end" '
            f'fill="#1a1a1a">{escape(bar.label)}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" '
            f'height="{row_height - 8}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{label_width + length + 4:.1f}" y="{y + row_height * 0.65:.1f}" '
            f'fill="#1a1a1a">{escape(bar.text)}</text>'
        )
    if reference is not None and scale:
        x = label_width + float(reference) * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 2}" '
            f'stroke="{REFERENCE}" stroke-width="1.2" stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{top - 7}" text-anchor="middle" fill="{REFERENCE}" '
            f'font-size="10">{escape(reference_label)}</text>'
        )
    parts.append(
        f'<line x1="{label_width}" y1="{top}" x2="{label_width}" y2="{height - 4}" '
        f'stroke="{MUTED}" stroke-width="0.8"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text inside is escaped above
