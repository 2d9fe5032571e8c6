"""Warnings about cross-park policies that can change nothing (issue 20): recognition
with no list of suppliers to recognise, or with a single park; recognition and liaison
across parks in a scenario that is one park. A park named where there are no parks is an
error, not a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario

ONE_PARK = """\
name: t
days: 30
regions:
  - id: park
    timeline: [{day: 0, level: controlled}]
enterprises:
  - {id: a, sector: s, region: park, baseline_output: 3, staff: 10}
"""
# appended text starts at line 8

REGION = """\
name: r
days: 30
regions:
  - {id: za, timeline: [{day: 0, level: lockdown}]}
  - {id: zb}
parks:
  - {id: a, zones: [za]}
  - {id: b, zones: [zb]}
enterprises:
  - {id: f1, sector: s, region: za, baseline_output: 10, staff: 10}
  - {id: f2, sector: s, region: zb, baseline_output: 10, staff: 10,
     inputs: [{good: g, from: f1, per_output: 1}]}
"""
# appended text starts at line 13


def warnings_of(tmp_path: Path, text: str) -> list[tuple[int | None, str, str]]:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    park = load_scenario(path)
    return [(w.line, ".".join(str(k) for k in w.path), w.message) for w in park.warnings]


def test_the_bases_have_no_warning(tmp_path: Path) -> None:
    assert warnings_of(tmp_path, ONE_PARK) == []
    assert warnings_of(tmp_path, REGION) == []


@pytest.mark.parametrize(
    ("extra", "line", "key", "needle"),
    [
        (
            "reopening:\n  mutual_recognition: {delay_days: 2}\n",
            9,
            "reopening.mutual_recognition",
            "no `parks`: it is one park, and there is no other park's list to recognise",
        ),
        (
            "reopening:\n  liaison: {firms_per_team: 3, across_parks: true}\n",
            9,
            "reopening.liaison.across_parks",
            "no `parks`: it is one park, so liaison across parks changes nothing",
        ),
    ],
)
def test_cross_park_keys_in_a_scenario_without_parks_warn(
    tmp_path: Path, extra: str, line: int, key: str, needle: str
) -> None:
    ((got_line, got_key, message),) = warnings_of(tmp_path, ONE_PARK + extra)
    assert (got_line, got_key) == (line, key)
    assert needle in message


def test_a_park_named_in_a_scenario_without_parks_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    batch = "{day: 1, tags: [backbone], parks: [a]}"
    path.write_text(ONE_PARK + f"reopening:\n  whitelists: [{batch}]\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    ((problem,),) = (err.value.problems,)
    assert "unknown park 'a'" in str(problem)


def test_recognition_without_a_batch_listing_suppliers_warns(tmp_path: Path) -> None:
    text = REGION + "reopening:\n  whitelists: [{day: 1, firms: [f2]}]\n  mutual_recognition: {}\n"
    ((line, key, message),) = warnings_of(tmp_path, text)
    assert (line, key) == (15, "reopening.mutual_recognition")
    assert "no white-list batch has `suppliers_of_listed`" in message
    listing = text.replace("firms: [f2]", "firms: [f2], suppliers_of_listed: true")
    assert warnings_of(tmp_path, listing) == []


def test_recognition_by_one_park_alone_warns(tmp_path: Path) -> None:
    text = REGION + (
        "reopening:\n  whitelists: [{day: 1, firms: [f2], suppliers_of_listed: true}]\n"
        "  mutual_recognition: {parks: [b, b]}\n"
    )
    ((line, key, message),) = warnings_of(tmp_path, text)
    assert (line, key) == (15, "reopening.mutual_recognition.parks")
    assert "only park 'b' recognises lists" in message


def test_an_approval_rule_whose_parks_hold_no_eligible_firm_warns(tmp_path: Path) -> None:
    # f2 (3 staff) is small enough but in park b; f1 in park a has 10 staff
    base = REGION.replace(
        "region: zb, baseline_output: 10, staff: 10", "region: zb, baseline_output: 10, staff: 3"
    )
    rule = "reopening:\n  approvals: [{id: r, per_day: 1, eligible: {parks: [a], max_staff: 5}}]\n"
    ((_, key, message),) = warnings_of(tmp_path, base + rule)
    assert key == "reopening.approvals.0.eligible"
    assert "no firm is eligible" in message
    assert warnings_of(tmp_path, base + rule.replace("parks: [a], ", "")) == []
    assert warnings_of(tmp_path, base + rule.replace("parks: [a]", "parks: [a, b]")) == []
