"""What `parksim validate` says a park holds: worked out by hand on a tiny park, checked
against the model's own white list on the demo park, and the same in text and JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from sim.model.world import World
from sim.scenario import summary
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS, run_cli

DEMO = SCENARIOS / "demo_park.yaml"

TINY = """\
name: tiny
days: 20
regions:
  - id: park
    name: 示范园区
    timeline: [{day: 3, level: controlled}]
  - id: far
enterprises:
  - {id: a, name: 甲厂, sector: s1, region: park, above_scale: true, baseline_output: 5,
     staff: 10, tags: [backbone]}
  - id: b
    sector: s1
    region: park
    baseline_output: 1
    staff: 50
    inputs: [{good: g, from: c, per_output: 0.1, alternative: d}]
  - {id: c, sector: s2, region: park, baseline_output: 2, staff: 5}
  - {id: d, sector: s2, region: park, baseline_output: 1, staff: 1, outbound_share: 0.5}
  - {id: e, sector: s3, region: park, baseline_output: 1, staff: 30, migrant_share: 0.5}
logistics:
  truck_load: 5
  passes_per_day: 3
  pass_valid_days: 7
  grants: [{day: 4, firms: [a]}]
  transfer_stations:
    - {id: gate, opening_day: 2.5, bays: 2, hours_per_day: 10,
       handling_hours: {uniform: {from: 1, to: 3}}, admit_share: 0.5}
reopening:
  service_teams: 2
  review_days: {uniform: {from: 1, to: 2}}
  fail_prob: 0.2
  liaison: {firms_per_team: 2, tags: [backbone]}
  whitelists:
    - {id: big, day: 7, top_n: {n: 2, by: staff}}
    - {id: first, day: 2, firms: [b]}
    - {id: same_day, day: 1.5, tags: [backbone]}
    - {id: up, day: 5, suppliers_of_listed: true}
    - {id: sectors, day: 8, sectors: [s2], above_scale: true}
    - {id: late, day: 50, firms: [e]}
  approvals:
    - {id: district, start_day: 3, end_day: 9, per_day: 1, eligible: {max_staff: 10}}
workforce:
  quarantine_days: 10
  chartered_buses: [{day: 4, seats: 7}]
"""


def tiny(tmp_path: Path, extra: str = "") -> summary.ParkSummary:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY + extra, encoding="utf-8")
    return summary.summarise(load_scenario(path))


def test_a_tiny_park_worked_out_by_hand(tmp_path: Path) -> None:
    s = tiny(tmp_path)
    assert (s.firms, s.above_scale, s.staff, s.baseline_output) == (5, 1, 96, 10.0)
    assert [(g.name, g.firms, g.output_share) for g in s.sectors] == [
        ("s1", 2, 0.6),
        ("s2", 2, 0.3),
        ("s3", 1, 0.1),
    ]
    assert [(g.name, g.firms) for g in s.classes] == [(None, 5)]
    # released by day (a fraction: the next whole day), then as written: first, then
    # same_day (1.5: day 2); up lists c (b's source) and d (b's alternative); big lists the
    # two largest by staff, b and e; sectors lists a, c, d, all listed already
    assert [(b.id, b.when.day, b.listed, b.new, b.after_horizon) for b in s.whitelists] == [
        ("first", 2, 1, 1, False),
        ("same_day", 1.5, 1, 1, False),
        ("up", 5, 2, 2, False),
        ("big", 7, 2, 1, False),
        ("sectors", 8, 3, 0, False),
        ("late", 50, 1, 0, True),
    ]
    assert s.whitelists[4].selects == "sectors: s2; above scale"
    (rule,) = s.approvals
    assert (rule.eligible, rule.per_day, rule.end.day if rule.end else None) == (3, 1, 9)
    (gate,) = s.stations
    # 2 bays × 10 h / 2 h (the mean of 1..3) = 10 trips, 50 goods at 5 a truck
    assert (gate.handling_hours, gate.trips_per_day, gate.goods_per_day) == (2, 10, 50)
    assert gate.tested_per_day is None and gate.admit_share == 0.5
    assert s.passes == summary.Passes(3, 7, 1, 5, ("lockdown", "controlled"), 1)
    assert s.teams == summary.Teams(2, 1.5, 0.2, 2, 1, ("backbone",))
    assert (s.migrants.people, s.migrants.share_of_staff) == (15, 15 / 96)
    assert s.migrants.all_back_on_day_0 and s.migrants.chartered_seats == 7
    park = s.zones[0]
    assert [(st.level, st.when.day, st.when.date) for st in park.steps] == [
        ("normal", 0, None),
        ("controlled", 3, None),
    ]
    assert (park.firms, s.zones[1].firms, s.start_date) == (5, 0, None)


def test_the_text_says_it_all_in_days_or_dates(tmp_path: Path) -> None:
    text = summary.render(tiny(tmp_path), "tiny.yaml")
    assert "Firms: 5 in 3 sectors, 1 above scale (规上), 96 staff, baseline output 10 a day" in text
    assert "  same_day  day 1.5  lists 1, new 1  [tags: backbone]" in text
    assert text.index("  first ") < text.index("  same_day ")
    assert "  late      day 50   lists 1, new 0  [firms: e]  (after the horizon" in text
    assert "park (示范园区; firms 5, suppliers 0): normal from day 0, controlled from day 3" in text
    assert "2 bays x 10 h / 2 h a trip = 10 trips a day (50 goods)" in text
    assert "return: all back on day 0 (no `migrant_return` given), then 10 days of" in text
    dated = summary.render(tiny(tmp_path, "start_date: 2022-04-01\n"), "tiny.yaml")
    assert "  same_day  2022-04-03 (day 1.5)  lists 1, new 1" in dated
    assert "controlled from 2022-04-04 (day 3)" in dated
    assert "gate: open 2022-04-03 (day 2.5);" in dated  # a station opens during day 2
    assert "horizon 20 days (2022-04-01 to 2022-04-20)" in dated


def test_columns_line_up_with_chinese_names() -> None:
    rows = summary._table([["甲厂", "1"], ["abcd", "22"]])
    assert rows == ["  甲厂   1", "  abcd  22"]


def _model_agrees(park_summary: summary.ParkSummary, park: object) -> None:
    """At the end of each release day, the model's white list holds exactly the firms
    the batches so far listed."""
    listed_by: dict[int, int] = {}
    total = 0
    for b in park_summary.whitelists:
        total += b.new
        if not b.after_horizon:
            listed_by[math.ceil(b.when.day)] = total
    assert len(listed_by) >= 3
    for day, listed in listed_by.items():
        world = World(park, 0, days=day + 1)  # type: ignore[arg-type]
        world.run()
        assert int(np.sum(world.shared.whitelisted)) == listed, day


def test_the_batches_list_what_the_model_lists(tmp_path: Path) -> None:
    park = load_scenario(DEMO, sets=["days=16"])
    s = summary.summarise(park)
    assert [(b.id, b.listed, b.new) for b in s.whitelists] == [
        ("essentials", 12, 12),
        ("backbone", 11, 10),
        ("upstream", 6, 3),
    ]
    _model_agrees(s, park)
    path = tmp_path / "tiny.yaml"
    # without the approval rule, which lists firms of its own from day 3
    no_approvals = TINY[: TINY.index("  approvals:")] + TINY[TINY.index("workforce:") :]
    path.write_text(no_approvals, encoding="utf-8")
    park = load_scenario(path)
    _model_agrees(summary.summarise(park), park)


def test_json_holds_what_the_text_shows(tmp_path: Path) -> None:
    for s in (summary.summarise(load_scenario(DEMO)), tiny(tmp_path)):
        data = json.loads(json.dumps(summary.as_json(s)))
        back = summary.from_json(data)
        assert back == s
        assert summary.render(back, "f") == summary.render(s, "f")


def test_a_station_with_no_handling_time_clears_without_limit(tmp_path: Path) -> None:
    path = tmp_path / "fast.yaml"
    path.write_text(
        TINY.replace("handling_hours: {uniform: {from: 1, to: 3}}", "handling_hours: 0"),
        encoding="utf-8",
    )
    s = summary.summarise(load_scenario(path))
    assert s.stations[0].trips_per_day == math.inf
    data = summary.as_json(s)
    assert data["stations"][0]["trips_per_day"] is None
    assert summary.from_json(json.loads(json.dumps(data))) == s
    assert "= unlimited trips a day" in summary.render(s, "f")


def test_validate_prints_the_summary_and_json_matches_it() -> None:
    text = run_cli("validate", str(DEMO))
    assert text.returncode == 0, text.stderr
    assert "Firms: 38 in 4 sectors, 13 above scale" in text.stdout
    assert "  backbone    2022-04-11 (day 10)  lists 11, new 10  [tags: backbone]" in text.stdout
    as_json = run_cli("validate", str(DEMO), "--json")
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    expected = summary.summarise(load_scenario(DEMO))
    assert data == json.loads(json.dumps(summary.as_json(expected)))
    assert summary.render(summary.from_json(data), str(DEMO)) + "\n" == text.stdout


def test_the_example_in_the_docs_is_what_validate_prints() -> None:
    doc = (SCENARIOS.parent / "docs" / "commands.md").read_text(encoding="utf-8")
    start = doc.index("$ parksim validate scenarios/demo_park.yaml\n")
    shown = doc[start:].split("\n", 1)[1].split("```", 1)[0]
    expected = summary.render(summary.summarise(load_scenario(DEMO)), "scenarios/demo_park.yaml")
    assert shown == expected + "\n"


def test_validate_prints_on_a_console_without_chinese() -> None:
    """A Windows pipe in a Western code page cannot print 规上: escapes, not a crash."""
    env = {"PYTHONIOENCODING": "cp1252"}
    text = run_cli("validate", str(DEMO), env=env)
    assert text.returncode == 0, text.stderr
    assert "13 above scale (\\u89c4\\u4e0a)" in text.stdout
    as_json = run_cli("validate", str(DEMO), "--json", env=env)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["above_scale"] == 13


REGION = """\
name: r2
days: 30
replications: 2
regions:
  - {id: za, timeline: [{day: 0, level: lockdown}, {day: 10, level: normal}]}
  - {id: zb, timeline: [{day: 0, level: lockdown}, {day: 15, level: normal}]}
  - {id: out}
parks:
  - {id: a, name: 金山, zones: [za], service_teams: 2, workforce: {employee_station_beds: 5}}
  - {id: b, zones: [zb], passes_per_day: 3}
corridors:
  - {id: ab, between: [a, b], lead_days: 2, passes_per_day: 1, stations: [gate]}
logistics:
  transfer_stations: [{id: gate}]
reopening:
  mutual_recognition: {delay_days: 3}
  whitelists: [{day: 1, firms: [f2], suppliers_of_listed: true}]
enterprises:
  - {id: f1, sector: s, region: za, baseline_output: 10, staff: 10}
  - {id: f2, sector: s, region: zb, baseline_output: 30, staff: 10,
     inputs: [{good: g, from: [f1, f3], per_output: 1}]}
  - {id: f3, sector: s, region: za, baseline_output: 0.001, staff: 1}
"""


def test_a_region_says_its_parks_corridors_and_recognition(tmp_path: Path) -> None:
    path = tmp_path / "r2.yaml"
    path.write_text(REGION, encoding="utf-8")
    facts = summary.summarise(load_scenario(path))
    a, b = facts.parks
    assert (a.firms, a.service_teams, a.passes_per_day, a.own_workforce) == (
        2,
        2,
        None,
        ("employee_station_beds",),
    )
    assert b.inputs_from_other_parks == 1  # one line, though both its sources are in a
    (ab,) = facts.corridors
    assert (ab.between, ab.lead_days, ab.stations, ab.input_lines) == (("a", "b"), 2, ("gate",), 1)
    text = summary.render(facts, "r2.yaml")
    line = "  a (金山; zones za): firms 2, above scale 0, staff 11, 25.0 % of output; teams 2; "
    assert line in text
    assert "passes the region's" in text
    assert "  ab: a ↔ b; lead 2; passes 1; stations gate; 1 input lines along it" in text
    assert "Mutual recognition of white lists: every park; delay 3 days" in text
    assert summary.from_json(summary.as_json(facts)) == facts


def test_a_single_park_prints_no_region_section(tmp_path: Path) -> None:
    text = summary.render(summary.summarise(load_scenario(DEMO)), "demo.yaml")
    assert "Parks of the region" not in text
    assert summary.summarise(load_scenario(DEMO)).parks == ()
