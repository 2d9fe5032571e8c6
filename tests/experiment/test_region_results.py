"""`parksim compare` and `parksim sweep` on a region of parks, unchanged (issue 20.3), on
the three-park region of `tests/_region.py`; a sweep's curve outcome may name one park's
series (`park:north.capacity@7`)."""

from __future__ import annotations

import csv
import datetime as dt

import pyarrow.parquet as pq
import pytest

from sim.cli import main
from sim.experiment import curves
from sim.files import comparison_explain
from sim.files.comparison import JSON
from sim.metrics import daily
from sim.model.world import run
from sim.output.results import verify
from tests._region import region_park, write_region

EARLY_NORTH = (
    "regions:\n"
    "  - {id: n_zone, timeline: [{day: 0, level: lockdown}, {day: 3, level: normal}]}\n"
    "  - {id: s_zone, timeline: [{day: 0, level: controlled}, {day: 2, level: normal}]}\n"
    "  - {id: e_zone, timeline: [{day: 0, level: normal}]}\n"
    "  - {id: out}\n"
)
"""An overlay reopening the north on day 3 instead of day 6."""


def test_compare_runs_on_a_region_and_ranks_the_parks(tmp_path) -> None:
    scenario = write_region(tmp_path)
    overlay = tmp_path / "early_north.yaml"
    overlay.write_text(EARLY_NORTH, encoding="utf-8")
    out = tmp_path / "cmp"
    args = ["compare", str(scenario), "--policy", str(overlay), "--replications", "2"]
    assert main([*args, "--out", str(out), "--quiet", "--no-plots"]) == 0
    assert verify(out) == []
    assert (out / JSON).is_file()
    with (out / comparison_explain.BOTTLENECKS).open(encoding="utf-8-sig") as f:
        parks = {(r["option"], r["id"]): r for r in csv.DictReader(f) if r["kind"] == "park"}
    assert float(parks[("baseline", "north")]["lost_output_days"]) == pytest.approx(16 / 9)
    assert float(parks[("early_north", "north")]["diff"]) == pytest.approx(-12 / 9)
    md = (out / "comparison.md").read_text(encoding="utf-8")
    assert "park 北区's closure cost the region 16 value units (41% of its loss)" in md


def _sweep(tmp_path, outcomes: str):
    scenario = write_region(tmp_path)
    path = tmp_path / "region_sweep.yaml"
    path.write_text(
        f"name: region_sweep\nscenario: {scenario}\nseed: 3\n"
        "parameters:\n  - {path: supply.park_lead_days, name: lead, levels: [1, 2]}\n"
        "design: {method: grid}\nreplications: 2\n"
        f"outcomes: {outcomes}\n",
        encoding="utf-8",
    )
    return path


def test_sweep_runs_on_a_region_with_a_parks_own_curve_outcome(tmp_path) -> None:
    f = _sweep(tmp_path, "[lost_output_days, capacity@6, park:south.capacity@6]")
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--executor", "serial", "--out", str(out), "--quiet"]) == 0
    assert verify(out) == []
    rows = pq.read_table(out / "runs.parquet").to_pylist()
    assert len(rows) == 4
    row = next(r for r in rows if r["lead"] == 2 and r["replication"] == 1)
    park = region_park(supply={"park_lead_days": 2})
    series = {(m, g): v for m, g, v in daily(run(park, 1))}
    assert row["park:south.capacity@6"] == series[("capacity", "park:south")][6]
    assert row["capacity@6"] == series[("capacity", "park")][6]
    # with a lead of 2 days north's parts reach south a day later: still idle on day 7
    base = next(r for r in rows if r["lead"] == 1 and r["replication"] == 1)
    assert base["park:south.capacity@6"] == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("park:west.capacity@6", "no park 'west'; its parks are north, south, east"),
        ("park:north.cases@6", "unknown series 'cases' of a park"),
    ],
)
def test_a_bad_park_curve_says_what_is_wrong(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        curves.parse(name, None, 20, parks=("north", "south", "east"))


def test_a_park_curve_on_a_single_park_is_refused() -> None:
    with pytest.raises(ValueError, match="it has no `parks:`"):
        curves.parse("park:north.capacity@6", None, 20, parks=())


def test_a_park_id_may_hold_dots_and_a_park_curve_reads_its_group() -> None:
    c = curves.parse("park:a.b.resumed@mean(0..3)", dt.date(2022, 4, 1), 20)
    assert (c.series, c.first, c.last) == ("park:a.b.resumed", 0, 3)
    assert curves.split_park(c.series) == ("resumed", "park:a.b")
    kept = curves.park_series(run(region_park(), 0), ["park:north.capacity", "capacity"])
    assert kept["park:north.capacity"] == [0.0] * 6 + [1.0] * 14
    assert list(kept) == ["park:north.capacity", "capacity"]
