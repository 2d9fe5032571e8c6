"""Reported dates of an article as day indices of its scenario."""

from __future__ import annotations

from datetime import date

from sim.scenario.expand import Park


def day_indices(park: Park, day_zero: date, **dates: date) -> dict[str, int]:
    """Day index of each named date, after checking the scenario's day 0 is `day_zero`
    (moving `start_date` in the file must be a deliberate change of these tests)."""
    start = park.scenario.start_date
    assert start == day_zero, f"scenario starts {start}, the tests assume {day_zero}"
    return {name: (when - start).days for name, when in dates.items()}
