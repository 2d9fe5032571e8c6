"""Edge scenarios that must run and make sense (or be refused clearly).

Each goes through `parksim run` (`sim.cli.main`, in-process) into a results
folder and checks what a planner would read off it: a sector with no firms, a
park with no external suppliers, a transfer station that never opens, a
horizon of one day, a supply cycle between two firms; and 0 replications, or
0 firms in all, refused with the key named.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections import defaultdict
from pathlib import Path

import pytest

from sim.cli import main
from sim.output.results import verify

PARK = """\
name: edge
days: {days}
replications: {reps}
regions:
  - {{id: park, timeline: [{{day: 0, level: lockdown}}, {{day: 5, level: normal}}]}}
  - {{id: far, timeline: [{{day: 0, level: lockdown}}]}}
"""


def parksim(*args: str) -> tuple[int, str]:
    """`parksim ARGS` in this process: exit code and stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([str(a) for a in args])
    return code, err.getvalue()


def run(tmp_path: Path, body: str, *extra: str, days: int = 20, reps: int = 2) -> Path:
    """Write a scenario, run it, check the folder verifies; return the folder."""
    scen = tmp_path / "edge.yaml"
    scen.write_text(PARK.format(days=days, reps=reps) + body, encoding="utf-8")
    out = tmp_path / "out"
    code, err = parksim("run", scen, "--out", out, "--quiet", "--no-plots", *extra)
    assert code == 0, err
    assert verify(out) == []
    return out


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:  # CSVs start with a byte-order mark
        return list(csv.DictReader(f))


def series(out: Path, metric: str, group: str = "park") -> dict[int, list[float]]:
    """Daily values of one timeseries metric, per replication."""
    by_rep: dict[int, list[float]] = defaultdict(list)
    for r in rows(out / "timeseries.csv"):
        if r["metric"] == metric and r["group"] == group:
            by_rep[int(r["replication"])].append(float(r["value"]))
    return dict(by_rep)


def lost_by_cause(out: Path) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for r in rows(out / "causes.csv"):
        total[r["cause"]] += float(r["lost_output"])
    return dict(total)


FIRM = "{{id: {id}, sector: {sector}, region: park, baseline_output: 1, staff: 0, ramp_days: 0"


def firm(fid: str, sector: str = "s", extra: str = "") -> str:
    return "  - " + FIRM.format(id=fid, sector=sector) + (f", {extra}" if extra else "") + "}\n"


def test_a_sector_with_no_firms_has_no_column_and_breaks_nothing(tmp_path):
    # The `chips` class makes 0 firms, yet a white list, a relief measure and an
    # input rule all name its sector.
    out = run(
        tmp_path,
        "firm_classes:\n"
        "  chips: {sector: chips, region: park, baseline_output: 1, staff: 5}\n"
        "  asm: {sector: assembly, region: park, baseline_output: 1, staff: 5,\n"
        "        inputs: [{good: die, from_sector: chips, per_output: 0.5}]}\n"
        "generate: [{class: chips, count: 0}, {class: asm, count: 3}]\n"
        "reopening: {whitelists: [{day: 1, sectors: [chips]}]}\n"
        "finance:\n"
        "  cash_days: 60\n"
        "  relief: {measures: [{id: r, kind: rent_waiver, share: 0.5,\n"
        "                        eligible: {sectors: [chips]}}]}\n",
    )
    groups = {r["group"] for r in rows(out / "timeseries.csv") if r["metric"] == "capacity"}
    assert {g for g in groups if ":" not in g} == {"park", "assembly"}
    assert {"class:asm", "batch:whitelists[0]"} <= groups  # no class:chips: it has no firm
    summary = json.loads((out / "summary.json").read_text())
    assert summary["firms"] == 3
    assert summary["metrics"]["relief_spent"]["mean"] == 0  # nobody is eligible
    # no chips firm to draw from: the assembly firms have no input line and recover
    assert not any(c.startswith("input:") for c in lost_by_cause(out))
    assert all(v[-1] == 1.0 for v in series(out, "capacity").values())


def test_a_park_with_no_external_suppliers_runs_on_its_own_links(tmp_path):
    out = run(
        tmp_path,
        "enterprises:\n"
        + firm("a")
        + firm("b", extra="inputs: [{good: parts, from: a, per_output: 0.5}]"),
    )
    assert "suppliers: []" in (out / "scenario.resolved.yaml").read_text()
    bottlenecks = rows(out / "bottlenecks.csv")
    assert all(b["kind"] != "supplier" for b in bottlenecks)
    cap = series(out, "capacity")
    for values in cap.values():
        assert values[:5] == [0.0] * 5  # locked down
        assert values[-1] == 1.0


def test_a_station_that_never_opens_holds_controlled_freight_for_good(tmp_path):
    # Parts come from a zone locked down for the whole run, so the route is
    # controlled and must pass the station, which opens after the horizon.
    out = run(
        tmp_path,
        "suppliers:\n"
        "  - {id: far_parts, region: far, capacity: 100, lead_days: 1, whitelisted: true}\n"
        "logistics: {transfer_stations: [{id: gate, opening_day: 1000}]}\n"
        "enterprises:\n" + firm("a", extra="inputs: [{good: p, from: far_parts, per_output: 1}]"),
        days=30,
    )
    funnel = rows(out / "logistics.csv")
    assert funnel and {r["station"] for r in funnel} == {"gate"}
    assert all(
        r["declared_total"] == r["admitted_total"] == r["cleared_total"] == "0" for r in funnel
    )
    lost = lost_by_cause(out)
    assert lost["logistics"] > 0
    for values in series(out, "capacity").values():
        assert values[5] == 1.0  # reopens on its 7 days of stock ...
        assert values[-1] == 0.0  # ... and stops for good once they are used
    top = rows(out / "bottlenecks.csv")[0]
    assert (top["kind"], top["id"]) == ("passes", "waiting_for_pass_or_open_station")


def test_a_horizon_of_one_day_gives_one_row_per_metric_and_replication(tmp_path):
    scen = tmp_path / "one.yaml"
    scen.write_text(PARK.format(days=1, reps=3) + "enterprises:\n" + firm("a") + firm("b", "t"))
    out = tmp_path / "out"
    code, err = parksim("run", scen, "--out", out, "--quiet")  # with plots
    assert code == 0, err
    assert verify(out) == []
    ts = rows(out / "timeseries.csv")
    keys = [(r["metric"], r["group"], r["replication"]) for r in ts]
    assert len(keys) == len(set(keys))
    assert {r["day"] for r in ts} == {"0"}
    assert len([k for k in keys if k[0] == "capacity"]) == 3 * 3  # park, s, t
    summary = json.loads((out / "summary.json").read_text())
    assert summary["days"] == 1
    assert summary["metrics"]["lost_output_days"]["values"] == [1.0, 1.0, 1.0]
    assert summary["metrics"]["days_to_50"]["reached"] == 0
    assert (out / "plots" / "recovery.png").stat().st_size > 0


def test_a_supply_cycle_between_two_firms_recovers_when_both_open(tmp_path):
    cycle = (
        "enterprises:\n"
        + firm("a", extra="inputs: [{good: x, from: b, per_output: 0.5}]")
        + firm("b", extra="inputs: [{good: y, from: a, per_output: 0.5}]")
    )
    out = run(tmp_path, cycle, days=40)
    for values in series(out, "capacity").values():
        assert values[:5] == [0.0] * 5
        assert values[5:] == [1.0] * 35  # the stock bridges the first deliveries
    assert not any(c.startswith("input:") and v > 0 for c, v in lost_by_cause(out).items())


def test_a_supply_cycle_without_stock_can_never_start(tmp_path):
    # Neither firm can produce without the other's goods: a deadlock the causes name.
    cycle = (
        "supply: {stock_days: 0}\nenterprises:\n"
        + firm("a", extra="inputs: [{good: x, from: b, per_output: 0.5}]")
        + firm("b", extra="inputs: [{good: y, from: a, per_output: 0.5}]")
    )
    out = run(tmp_path, cycle, days=15)
    assert all(v == [0.0] * 15 for v in series(out, "capacity").values())
    lost = lost_by_cause(out)
    assert lost["input:x"] > 0 and lost["input:y"] > 0
    assert series(out, "resumption") == {0: [0.0] * 5 + [1.0] * 10, 1: [0.0] * 5 + [1.0] * 10}


@pytest.mark.parametrize("how", ["option", "yaml"])
def test_zero_replications_are_refused_with_the_key_named(tmp_path, how):
    scen = tmp_path / "zero.yaml"
    reps = 0 if how == "yaml" else 2
    scen.write_text(PARK.format(days=5, reps=reps) + "enterprises:\n" + firm("a"))
    out = tmp_path / "out"
    extra = ["--replications", "0"] if how == "option" else []
    code, err = parksim("run", scen, "--out", out, "--quiet", *extra)
    assert code == 2
    assert "replications" in err and "greater than or equal to 1" in err
    where = "--set replications=0" if how == "option" else f"{scen}:3:"
    assert where in err, err
    assert not out.exists() and not out.with_name("out.partial").exists()


def test_a_scenario_that_makes_no_firms_is_refused(tmp_path):
    # It used to run, writing NaN capacity everywhere.
    scen = tmp_path / "none.yaml"
    scen.write_text(
        PARK.format(days=5, reps=1)
        + "firm_classes: {c: {sector: s, region: park, baseline_output: 1, staff: 1}}\n"
        + "generate: [{class: c, count: 4}]\n"
    )
    code, err = parksim("run", scen, "--out", tmp_path / "o", "--set", "scale.firms=0")
    assert code == 2
    assert "scale.firms: the scenario makes no firms" in err
