"""Suppression: for random tables, no hidden value can be recovered from what is shown.

The reader's knowledge is modelled as in suppression.py: shown cells exactly, '<t' cells from 1
to t-1, hidden cells any value from 0, and the total when shown. A hidden cell is recovered when
exactly one value of it is consistent with all of that; the check here enumerates the values
itself rather than reuse the module's own bound arithmetic.
"""
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from association_tool.stats.suppression import HIDDEN, SHOWN, SMALL, clamp_threshold, single, suppress

counts = st.lists(st.one_of(st.integers(0, 12), st.integers(0, 300)), min_size=1, max_size=6)
thresholds = st.integers(3, 10)


def _possible(cells, total, threshold):
    """For each hidden cell, the set of its values consistent with what is shown (brute force)."""
    ranges = []
    for cell in cells:
        if cell.state == SHOWN:
            ranges.append([cell.value])
        elif cell.state == SMALL:
            ranges.append(list(range(1, threshold)))
        else:  # hidden: any value from 0; the total (or the other cells) bounds it below
            bound = (total.value if total.state == SHOWN else max(c.value for c in cells)) + threshold
            ranges.append(list(range(0, bound + 1)))
    seen = [set() for _ in cells]
    for combo in itertools.product(*ranges):
        if total.state == SHOWN and sum(combo) != total.value:
            continue
        for i, v in enumerate(combo):
            seen[i].add(v)
    return seen


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 25), min_size=1, max_size=4), thresholds)
def test_no_hidden_cell_can_be_worked_out(values, threshold):
    cells, total = suppress(values, threshold)
    seen = _possible(cells, total, threshold)
    for cell, values_possible in zip(cells, seen):
        if cell.state != SHOWN:
            assert len(values_possible) > 1, (values, threshold, cells, total)
    if total.state != SHOWN:
        assert total.value == 0 or total.state in (SMALL, HIDDEN)


@settings(max_examples=300, deadline=None)
@given(counts, thresholds)
def test_every_small_number_is_hidden_and_zeros_and_the_rest_are_true(values, threshold):
    cells, total = suppress(values, threshold)
    for value, cell in zip(values, cells):
        assert cell.value == value
        if 0 < value < threshold:
            assert cell.state == SMALL and cell.text(threshold) == f"<{threshold}"
        if cell.state == SHOWN:
            assert cell.text(threshold) == str(value)
        if cell.state == HIDDEN:
            assert cell.text(threshold) == "×"
    assert total.value == sum(values)
    if 0 < total.value < threshold:
        assert total.state == SMALL
    # Never more hidden than needed: with no small cell, everything shows.
    if not any(0 < v < threshold for v in values) and not 0 < sum(values) < threshold:
        assert all(c.state == SHOWN for c in cells) and total.state == SHOWN


def test_a_single_small_cell_takes_the_next_smallest_with_it():
    cells, total = suppress([20, 3, 9, 0], 5)
    assert [c.text(5) for c in cells] == ["20", "<5", "×", "0"] and total.text(5) == "32"


def test_two_cells_the_total_would_pin_hide_the_total_or_a_zero():
    cells, total = suppress([4, 4], 5)
    assert [c.text(5) for c in cells] == ["<5", "<5"] and total.text(5) == "×"
    cells, total = suppress([4, 4, 0], 5)
    assert [c.text(5) for c in cells] == ["<5", "<5", "×"] and total.text(5) == "8"


def test_single_figures_and_the_threshold_setting():
    assert single(0, 5).text(5) == "0" and single(4, 5).text(5) == "<5" and single(5, 5).text(5) == "5"
    assert clamp_threshold("7") == 7 and clamp_threshold("x") == 5 and clamp_threshold(1) == 3


def test_a_total_hidden_in_one_table_is_hidden_wherever_it_shows():
    """Three levels of four clients each: the total 12 would pin every '<5' at 4, so it is
    hidden; the clients reached (the same 12) and the other tables' totals are hidden with it."""
    from datetime import date

    from association_tool.stats import figures

    counts = {"people": {"reached": 12, "new": 12, "ended": 0, "anonymous_contacts": 0},
              "level": {"advice": 4, "client_guidance": 4, "intensive": 4},
              "age_group": {"30_44": 12}, "referral": {"self": 12}, "end_reason": {},
              "anonymous_age_group": {}, "contact_channel": {}, "contact_month": {},
              "errand_type": {}, "errand_accompanied": {},
              "activity": {}, "groups": {}, "group_people": {"named": 0, "anonymous": 0},
              "group_count_estimated": 0, "group_kind_sessions": {}, "helper_minutes": {},
              "helper_people": {}, "goals": {}, "goal_status": {},
              **{f"review_{q}": {} for q in figures.REVIEW_QUESTIONS}}
    period = figures.Period(date(2025, 1, 1), date(2025, 12, 31))
    from association_tool import create_app  # labels need an app for their language
    import os
    os.environ.setdefault("SECRET_KEY", "test")
    with create_app().test_request_context():
        report = figures.build_report(counts, period, 5)
    assert [r.text for r in report.table("level").rows] == ["<5", "<5", "<5"]
    assert report.table("level").total.text == "×"
    assert {r.key: r.text for r in report.table("people").rows}["reached"] == "×"
    assert report.table("age_group").total.text == "×" and report.table("referral").total.text == "×"
    assert all(r.share == "" for r in report.table("age_group").rows)
    # The twelve in one age band would give the total back: they hide too.
    assert {r.key: r.text for r in report.table("age_group").rows}["30_44"] == "×"
