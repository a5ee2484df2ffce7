"""Small-cell suppression (docs/reports.md "Suppression"): counts 1–4 are «<5», 0 and ≥5 shown,
and no suppressed cell can be recovered from the shown cells and the line's total."""

from __future__ import annotations

import itertools

from egisz_api.reports.suppression import MARK, Line, suppress, suppress_positives


def shown(line: Line) -> dict[str, str]:
    return {k: c.text for k, c in line.cells.items()}


def test_one_to_four_are_suppressed_zero_and_five_shown() -> None:
    for small in (1, 2, 3, 4):
        line = suppress({"a": small, "b": 0, "c": 5, "d": 9})
        assert line.cells["a"].text == MARK and line.cells["a"].value is None
        assert line.cells["b"].text == "0"
    assert shown(suppress({"a": 0, "b": 5, "c": 100})) == {"a": "0", "b": "5", "c": "100"}
    assert suppress({"a": 0, "b": 5}).total.text == "5"


def test_a_lone_suppressed_cell_takes_the_smallest_other_with_it() -> None:
    line = suppress({"a": 3, "b": 6, "c": 10})
    assert shown(line) == {"a": MARK, "b": MARK, "c": "10"}
    assert line.total.text == "19"


def test_suppressed_cells_summing_under_five_take_another() -> None:
    # 1 + 1 hidden under a shown total would be recoverable (each must be 1)
    line = suppress({"a": 1, "b": 1, "c": 7, "d": 8})
    assert shown(line) == {"a": MARK, "b": MARK, "c": MARK, "d": "8"}


def test_a_small_total_is_suppressed_with_its_cells() -> None:
    line = suppress({"a": 3, "b": 0, "c": 0})
    assert line.total.text == MARK and shown(line) == {"a": MARK, "b": "0", "c": "0"}


def test_no_other_non_zero_cell_suppresses_the_total() -> None:
    # a hidden cell of 4 beside zeros: its value is the total, so the total goes too
    line = suppress({"a": 4, "b": 0})
    assert line.total.text == MARK


def test_positives_follow_their_counts_and_hide_small_negatives() -> None:
    counts = suppress({"pcr": 6, "express": 20, "antibody": 0})
    assert shown(counts) == {"pcr": "6", "express": "20", "antibody": "0"}
    positives = suppress_positives({"pcr": 5, "express": 12, "antibody": 0}, counts)
    # 6 − 5 = 1 negative PCR: the 5 is hidden, and the 12 with it (complementary)
    assert shown(positives) == {"pcr": MARK, "express": MARK, "antibody": "0"}
    # positives total 17 of 26: 9 negatives, shown
    assert positives.total.text == "17"
    hidden_counts = suppress({"pcr": 3, "express": 9})
    assert not suppress_positives({"pcr": 0, "express": 9}, hidden_counts).cells["pcr"].shown


def test_positives_total_hidden_when_it_leaves_few_negatives() -> None:
    counts = suppress({"pcr": 10, "express": 10})
    positives = suppress_positives({"pcr": 8, "express": 10}, counts)
    assert positives.total.text == MARK  # 20 − 18 = 2 negatives
    assert shown(positives)["pcr"] == MARK and shown(positives)["express"] == MARK


def _recoverable(line: Line) -> bool:
    """Whether a suppressed cell's value is pinned by the shown cells and the shown total: the
    hidden cells are known to be ≥ 1; if they are one, or their sum leaves them no freedom below 5,
    a value follows."""
    hidden = [c.count for c in line.cells.values() if not c.shown and c.count]
    if not hidden or not line.total.shown:
        return False
    remainder = line.total.count - sum(c.count for c in line.cells.values() if c.shown)
    return len(hidden) == 1 or remainder < 5


def test_no_line_of_small_counts_is_recoverable() -> None:
    for values in itertools.product((0, 1, 2, 4, 5, 7), repeat=3):
        line = suppress(dict(zip("abc", values, strict=True)))
        assert not _recoverable(line), values
        for k, c in line.cells.items():
            assert c.shown or c.count > 0, (values, k)
            if 1 <= c.count <= 4:
                assert not c.shown, values
