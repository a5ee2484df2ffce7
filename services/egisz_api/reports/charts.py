"""Server-rendered SVG bar charts of a report (no JavaScript): one horizontal bar per region and
period, its length the line's total. A suppressed total has no bar, only «<5». The chart is a
picture with a text alternative; the table beside it carries the same figures for screen readers."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from egisz_api.reports.service import Report

ROW = 28
LABEL = 190
WIDTH = 640
BAR = WIDTH - LABEL - 70


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None
    text: str


def bars(report: Report, unknown_region: str) -> list[Bar]:
    return [
        Bar(
            f"{row.region or unknown_region} · {row.start.isoformat()}",
            row.counts.total.value,
            row.counts.total.text,
        )
        for row in report.rows
    ]


def bar_chart(items: list[Bar], title: str, description: str, chart_id: str) -> str:
    """An accessible SVG (``role="img"`` named by its ``<title>`` and ``<desc>``)."""
    top = max([b.value or 0 for b in items] + [1])
    height = ROW * max(len(items), 1) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for i, item in enumerate(items):
        y = 4 + i * ROW
        parts.append(
            f'<text x="0" y="{y + 18}" font-size="13" fill="currentColor">{escape(item.label)}</text>'
        )
        length = round(BAR * (item.value or 0) / top)
        if item.value:
            parts.append(
                f'<rect x="{LABEL}" y="{y + 4}" width="{max(length, 1)}" height="{ROW - 10}" '
                'fill="#1d70b8"></rect>'
            )
        parts.append(
            f'<text x="{LABEL + length + 6}" y="{y + 18}" font-size="13" fill="currentColor">'
            f"{escape(item.text)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
