"""Small-number suppression: no cell counting people shows a number under the threshold, and no
hidden cell can be worked out from the shown cells and the total.

A table here is one breakdown: cells that add up to its total (people by age band, contacts by
channel). What a reader of a suppressed table knows is modelled as:

- a shown cell: its exact value; zeros always show;
- a cell shown as ``<t`` (primary suppression): a value from 1 to t-1;
- a cell shown as hidden (complementary suppression): any value of at least 0;
- the total, when shown.

Primary suppression hides every cell from 1 to t-1. Then, while the shown cells and the total
would pin some hidden cell to one value (a single small cell, two hidden cells the total leaves
no room between), the next smallest shown non-zero cell is hidden too; when no such cell is
left, a zero cell; when none of those either, the total. A total under the threshold is itself
shown as ``<t``.
"""
from __future__ import annotations

from dataclasses import dataclass

SHOWN = "shown"
SMALL = "small"  # primary: shown as "<t"
HIDDEN = "hidden"  # complementary: shown as hidden, no bound given

DEFAULT_THRESHOLD = 5
MIN_THRESHOLD = 3
MAX_THRESHOLD = 100


@dataclass(frozen=True)
class Cell:
    """One number as a report may show it."""

    value: int
    state: str = SHOWN

    @property
    def shown(self) -> bool:
        return self.state == SHOWN

    def text(self, threshold: int) -> str:
        """The cell as a report prints it: the number, '<t', or '×' for a hidden cell."""
        if self.state == SMALL:
            return f"<{threshold}"
        if self.state == HIDDEN:
            return "×"
        return str(self.value)


def clamp_threshold(value) -> int:
    """A threshold the suppression can work with (a threshold of 2 would reveal every 1)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return DEFAULT_THRESHOLD
    return max(MIN_THRESHOLD, min(MAX_THRESHOLD, number))


def bounds(states: list[str], values: list[int], threshold: int) -> list[tuple[float, float]]:
    """What a reader knows of each cell: (lowest, highest) possible value, before the total."""
    result = []
    for state, value in zip(states, values):
        if state == SHOWN:
            result.append((value, value))
        elif state == SMALL:
            result.append((1, threshold - 1))
        else:
            result.append((0, float("inf")))
    return result


def pinned(states: list[str], values: list[int], threshold: int, total_known: bool) -> list[int]:
    """The indexes of hidden cells that a reader could work out exactly."""
    known = bounds(states, values, threshold)
    hidden = [i for i, state in enumerate(states) if state != SHOWN]
    if not total_known:
        return [i for i in hidden if known[i][0] == known[i][1]]
    total = sum(values)
    result = []
    for i in hidden:
        others_low = sum(low for j, (low, _high) in enumerate(known) if j != i)
        others_high = sum(high for j, (_low, high) in enumerate(known) if j != i)
        low = max(known[i][0], total - others_high)
        high = min(known[i][1], total - others_low)
        if low >= high:
            result.append(i)
    return result


def suppress(values: list[int], threshold: int, *, with_total: bool = True
             ) -> tuple[list[Cell], Cell | None]:
    """Suppress one breakdown: return its cells and its total (None when it has no total)."""
    values = [int(v) for v in values]
    states = [SMALL if 0 < v < threshold else SHOWN for v in values]
    total = sum(values)
    total_state = SMALL if with_total and 0 < total < threshold else SHOWN
    total_known = with_total and total_state == SHOWN
    while pinned(states, values, threshold, total_known):
        candidates = sorted((v, i) for i, v in enumerate(values) if states[i] == SHOWN and v > 0)
        if not candidates:
            candidates = [(v, i) for i, v in enumerate(values) if states[i] == SHOWN]
        if candidates:
            states[candidates[0][1]] = HIDDEN
        elif total_known:
            total_state, total_known = HIDDEN, False
        else:  # every cell hidden, no total: nothing more to hide
            break
    cells = [Cell(v, s) for v, s in zip(values, states)]
    return cells, (Cell(total, total_state) if with_total else None)


def single(value: int, threshold: int) -> Cell:
    """One count standing alone (new clients, network meetings held)."""
    return Cell(value, SMALL if 0 < value < threshold else SHOWN)
