"""Small-cell suppression of a report table (docs/reports.md "Suppression").

A report is a list of lines, one per region and period: a count per stratum and the line's total
(the sum of its cells); for tests also a positives line. The rules, in order:

1. **Primary**: a count of 1–4 is suppressed («<5»). 0 and counts of 5 or more are shown.
2. **Positives follow counts**: a positives cell is suppressed when its count is, and when the
   negatives it implies (count − positives) are 1–4 while the count is shown.
3. **Complementary** (within a line, whose total is published): while a line's suppressed cells
   could be recovered by subtracting the shown ones from the total — fewer than two suppressed
   cells, or suppressed cells summing to less than 5 — the smallest shown non-zero cell is
   suppressed too; when no shown non-zero cell is left, the total is suppressed.
4. A suppressed total suppresses every non-zero cell of its line.

No totals across regions or periods are published in one report, so the lines are independent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SMALL = range(1, 5)
MARK = "<5"


@dataclass(frozen=True)
class Cell:
    count: int
    shown: bool

    @property
    def text(self) -> str:
        return str(self.count) if self.shown else MARK

    @property
    def value(self) -> int | None:
        return self.count if self.shown else None


@dataclass(frozen=True)
class Line:
    cells: dict[str, Cell]
    total: Cell


def _hide_line(counts: Mapping[str, int], hidden: set[str], total: int, *, hide_total: bool = False) -> Line:
    order = list(counts)
    total_shown = total not in SMALL and not hide_total
    if total_shown:
        while hidden and (len(hidden) < 2 or sum(counts[k] for k in hidden) < 5):
            candidates = [k for k in order if k not in hidden and counts[k] > 0]
            if not candidates:
                total_shown = False
                break
            hidden.add(min(candidates, key=lambda k: (counts[k], order.index(k))))
    if not total_shown:
        hidden |= {k for k in order if counts[k] > 0}
    return Line({k: Cell(counts[k], k not in hidden) for k in order}, Cell(total, total_shown))


def suppress(counts: Mapping[str, int]) -> Line:
    """One line of counts (ordered strata) with its total, suppressed by rules 1, 3 and 4."""
    return _hide_line(counts, {k for k, c in counts.items() if c in SMALL}, sum(counts.values()))


def suppress_positives(positives: Mapping[str, int], counts: Line) -> Line:
    """The positives line of a counts line already suppressed (rules 1–4)."""
    hidden = {
        k
        for k, p in positives.items()
        if p in SMALL or not counts.cells[k].shown or (counts.cells[k].count - p) in SMALL
    }
    total = sum(positives.values())
    line = _hide_line(positives, hidden, total)
    negatives = counts.total.count - total
    if line.total.shown and (not counts.total.shown or negatives in SMALL):
        line = _hide_line(positives, hidden, total, hide_total=True)
    return line
