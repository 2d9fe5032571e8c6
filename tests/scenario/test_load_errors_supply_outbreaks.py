"""Config errors of the keys for supplier ramps and park shares, pass validity, the
outbreak rate schedule, testing and ramping after a suspension: each names the file,
line, column, key path and what was expected (the scenario is `test_load_errors.BASE`,
whose supplier `sup` has `capacity` on line 10; text appended starts at line 24)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scenario.test_load_errors import BASE, edit, error_of, only, write


def test_a_park_share_above_one(tmp_path: Path) -> None:
    path = write(tmp_path, edit("capacity: 5", "capacity: 5\n    park_share: 1.5"))
    p = only(error_of(path))
    assert (p.line, p.column, p.path) == (11, 5, ("suppliers", 0, "park_share"))
    assert "less than or equal to 1" in p.message
    assert "found 1.5" in p.message
    assert str(p).startswith(f"{path}:11:5: suppliers[0].park_share: ")


def test_a_supplier_ramp_of_negative_days(tmp_path: Path) -> None:
    p = only(error_of(write(tmp_path, edit("capacity: 5", "capacity: 5\n    ramp_days: -2"))))
    assert (p.line, p.column, p.path) == (11, 5, ("suppliers", 0, "ramp_days"))
    assert "greater than or equal to 0" in p.message
    assert "found -2" in p.message


def test_a_default_supplier_ramp_that_is_not_a_number(tmp_path: Path) -> None:
    p = only(error_of(write(tmp_path, BASE + "supply:\n  supplier_ramp_days: ten\n")))
    assert (p.line, p.column, p.path) == (25, 3, ("supply", "supplier_ramp_days"))
    assert "valid number" in p.message
    assert "found 'ten'" in p.message


@pytest.mark.parametrize("days", ["0", "0.5", "-1"])
def test_a_pass_valid_for_less_than_a_day(tmp_path: Path, days: str) -> None:
    p = only(error_of(write(tmp_path, BASE + f"logistics:\n  pass_valid_days: {days}\n")))
    assert (p.line, p.column, p.path) == (25, 3, ("logistics", "pass_valid_days"))
    assert "greater than or equal to 1" in p.message
    assert f"found {days}" in p.message


def test_rate_schedule_factors_negative_or_not_numbers(tmp_path: Path) -> None:
    text = BASE + (
        "outbreaks:\n"
        "  rate_per_1000_staff_day: 1\n"
        "  rate_schedule:\n"
        "    - {day: 0, factor: -1}\n"
        "    - {day: 5, factor: high}\n"
    )
    err = error_of(write(tmp_path, text))
    assert len(err.problems) == 2
    neg, word = err.problems
    assert (neg.line, neg.column, neg.path) == (27, 16, ("outbreaks", "rate_schedule", 0, "factor"))
    assert "greater than or equal to 0" in neg.message and "found -1" in neg.message
    assert (word.line, word.path) == (28, ("outbreaks", "rate_schedule", 1, "factor"))
    assert "valid number" in word.message and "found 'high'" in word.message


def test_rate_schedule_out_of_order(tmp_path: Path) -> None:
    text = (
        BASE
        + "outbreaks:\n  rate_schedule:\n    - {day: 9, factor: 1}\n    - {day: 5, factor: 2}\n"
    )
    p = only(error_of(write(tmp_path, text)))
    assert (p.line, p.column, p.path) == (25, 3, ("outbreaks", "rate_schedule"))
    assert "in order of `day`: entry 1 (day 5) comes after entry 0 (day 9)" in p.message


def test_a_scheduled_rate_above_the_largest_rate(tmp_path: Path) -> None:
    text = BASE + (
        "outbreaks:\n  rate_per_1000_staff_day: 10\n  rate_schedule: [{day: 0, factor: 500}]\n"
    )
    p = only(error_of(write(tmp_path, text)))
    assert (p.line, p.path) == (24, ("outbreaks",))
    assert "reaches 5000 cases per 1,000 staff-days" in p.message
    assert "at most 1000" in p.message


def test_testing_coverage_above_one_and_a_missing_effect(tmp_path: Path) -> None:
    text = BASE + (
        "outbreaks:\n"
        "  testing:\n"
        "    - {day: 3, coverage: 1.5, effect: 0.5}\n"
        "    - {day: 8, coverage: 0.5}\n"
    )
    err = error_of(write(tmp_path, text))
    assert len(err.problems) == 2
    cov, missing = err.problems
    assert (cov.line, cov.column, cov.path) == (26, 16, ("outbreaks", "testing", 0, "coverage"))
    assert "less than or equal to 1" in cov.message and "found 1.5" in cov.message
    assert (missing.line, missing.path) == (27, ("outbreaks", "testing", 1, "effect"))
    assert "required key is missing" in missing.message


def test_testing_phases_out_of_order(tmp_path: Path) -> None:
    text = BASE + (
        "outbreaks:\n"
        "  testing:\n"
        "    - {day: 9, coverage: 1, effect: 1}\n"
        "    - {day: 2, coverage: 1, effect: 1}\n"
    )
    p = only(error_of(write(tmp_path, text)))
    assert (p.line, p.path) == (25, ("outbreaks", "testing"))
    assert "testing entries must be in order of `day`: entry 1 (day 2)" in p.message


def test_ramp_after_suspension_is_true_or_false(tmp_path: Path) -> None:
    p = only(error_of(write(tmp_path, BASE + "outbreaks:\n  ramp_after_suspension: yes\n")))
    assert (p.line, p.column, p.path) == (25, 3, ("outbreaks", "ramp_after_suspension"))
    assert "true or false" in p.message


def test_the_new_keys_from_the_command_line(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    p = only(error_of(path, sets=["suppliers.0.park_share=2"]))
    assert p.file == "--set suppliers.0.park_share=2"
    assert p.path == ("suppliers", 0, "park_share")
    p = only(error_of(path, sets=["logistics.pass_valid_days=0"]))
    assert p.path == ("logistics", "pass_valid_days")
