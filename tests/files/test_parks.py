"""`parks.csv`, `park_causes.csv` and the `park` line of the bottleneck rankings (issue
20.3), on the three-park region of `tests/_region.py`, worked out by hand; a run of a
single park writes none of them."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from sim.comparison import PARK_SOURCE, compare_sources, compare_traces
from sim.files import bottlenecks, causes, folders, parks, timeseries
from sim.files.explain_md import closure_line, park_lines
from sim.files.manifest import RUN
from sim.files.names import merged
from sim.model.world import run
from sim.output.results import write_run
from sim.output.verify import check_folder
from sim.record import Trace
from sim.scenario.expand import Park
from tests._region import PARKS, region_park
from tests.model._park import firm
from tests.model._park import park as tiny_park


def _write(tmp_path: Path, park: Park, reps: int = 2) -> tuple[Path, list[Trace]]:
    traces = [run(park, r) for r in range(reps)]
    out = write_run(
        tmp_path / "run",
        park,
        traces,
        scenario_file=None,
        started=dt.datetime.now(dt.UTC),
        executor="serial",
        plots=False,
    )
    return out, traces


@pytest.fixture(scope="module")
def region_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Trace]]:
    return _write(tmp_path_factory.mktemp("region"), region_park())


def test_parks_csv_worked_out_by_hand(region_run: tuple[Path, list[Trace]]) -> None:
    out, _ = region_run
    with (out / parks.PARKS).open(encoding="utf-8-sig") as f:
        rows = {r["park"]: r for r in csv.DictReader(f)}
    assert list(rows) == ["north", "south", "east"]  # ranked by the cost to the others
    north, south, east = rows["north"], rows["south"], rows["east"]
    assert [north["rank"], south["rank"], east["rank"]] == ["1", "2", "3"]
    assert north["name"] == "北区" and south["name"] == ""
    assert (north["firms"], north["baseline"]) == ("2", "3")
    # north's closure: s_asm lost 4 a day on days 3-6, all for want of north's parts,
    # 16 of the region's 39 (north 18, south 21)
    assert float(north["cost_elsewhere_value"]) == 16.0
    assert float(north["cost_elsewhere_share"]) == pytest.approx(16 / 39)
    assert float(south["cost_elsewhere_value"]) == 0.0
    # days to 80 %: north from day 6, south from day 7 (after its dip), east at once
    assert [r["days_to_80"] for r in (north, south, east)] == ["6", "7", "0"]
    assert north["reached_80"] == north["replications"] == "2"
    assert float(north["lost_output_days"]) == 6.0  # six days of its own baseline
    assert float(south["lost_output_days"]) == pytest.approx(21 / 5)
    assert (north["top_cause"], float(north["top_cause_value"])) == ("not_allowed", 18.0)
    assert (south["top_cause"], float(south["top_cause_value"])) == ("input:part_n_part", 16.0)
    assert east["top_cause"] == ""
    assert float(north["final_capacity"]) == 1.0


def test_parks_csv_reads_back(region_run: tuple[Path, list[Trace]]) -> None:
    out, traces = region_run
    rows = parks.read(out / parks.PARKS)
    assert [r.park for r in rows] == ["north", "south", "east"]
    assert rows[0].shown == "北区" and rows[1].shown == "south"
    assert rows[0].days_to_80 == 6 and rows[0].cost_elsewhere_value == 16.0
    written = parks.park_rows(traces, region_park(), 1)
    assert [(r.park, r.rank, r.cost_elsewhere_value) for r in written] == [
        (r.park, r.rank, r.cost_elsewhere_value) for r in rows
    ]


def test_park_causes_split_each_parks_loss_of_its_own_baseline(
    region_run: tuple[Path, list[Trace]],
) -> None:
    out, traces = region_run
    ids, names, lost = parks.read_causes(out / parks.CAUSES, replications=2, days=20)
    assert ids == list(PARKS)
    assert names == list(traces[0].causes)
    daily = timeseries.read(out / timeseries.FILE)
    for p, pid in enumerate(ids):
        capacity = daily[("capacity", f"park:{pid}")]
        np.testing.assert_allclose(lost[:, :, p, :].sum(axis=2), 1 - capacity, atol=1e-9)
    south = ids.index("south")
    k = names.index("input:part_n_part")
    np.testing.assert_allclose(lost[0, :, south, k], [0] * 3 + [0.8] * 4 + [0] * 13)
    # the region's causes.csv still holds the region's loss, in the region's baseline-days
    region_names, region_lost = causes.read(out / causes.FILE)
    np.testing.assert_allclose(
        region_lost[0, :, region_names.index("input:part_n_part")] * 9,
        lost[0, :, south, k] * 5,
        atol=1e-9,
    )


def test_timeseries_holds_the_park_groups_and_not_the_lost_output_by_park(
    region_run: tuple[Path, list[Trace]],
) -> None:
    out, _ = region_run
    daily = timeseries.read(out / timeseries.FILE)
    groups = {g for _, g in daily}
    assert {"park:north", "park:south", "park:east"} <= groups
    assert not any(m == "lost_by_park" for m, _ in daily)
    assert {m for m, g in daily if g == "park:north"} == {
        "capacity",
        "resumption",
        "resumed",
        "workforce",
        "staff_on_post",
    }


def test_bottlenecks_gain_a_park_line(region_run: tuple[Path, list[Trace]]) -> None:
    out, _ = region_run
    ranked = bottlenecks.read(out / bottlenecks.FILE)
    found = {(b.kind, b.id): b for b in ranked}
    north = found[(PARK_SOURCE, "north")]
    assert north.lost_output_days == pytest.approx(16 / 9)  # region baseline 9
    assert north.name == "北区"
    # the firm whose parts were missing has the same cost: the park line sums it
    assert found[("park_firm", "n_part")].lost_output_days == pytest.approx(16 / 9)
    assert (PARK_SOURCE, "south") not in found  # cost the others nothing


def test_the_folder_verifies_and_lists_the_park_files(
    region_run: tuple[Path, list[Trace]],
) -> None:
    out, _ = region_run
    assert check_folder(out) == []
    assert set(parks.FILES) <= set(folders.KIND_FILES[RUN])


def test_a_single_park_writes_no_park_file_and_no_park_line(tmp_path: Path) -> None:
    park = tiny_park(
        [firm("a"), firm("b", inputs=[{"good": "g", "from": "a", "per_output": 1.0}])],
        level=[{"day": 0, "level": "lockdown"}, {"day": 3, "level": "normal"}],
        days=8,
    )
    out, traces = _write(tmp_path, park)
    assert not any((out / name).exists() for name in parks.FILES)
    assert all(b.kind != PARK_SOURCE for b in bottlenecks.read(out / bottlenecks.FILE))
    assert not any(g.startswith("park:") for _, g in timeseries.read(out / timeseries.FILE))
    assert parks.park_rows(traces, park, 1) == []


def test_the_comparison_names_the_park_whose_closure_cost_the_region_most() -> None:
    base = region_park()
    early = region_park(
        regions=[
            {
                "id": "n_zone",
                "timeline": [{"day": 0, "level": "lockdown"}, {"day": 3, "level": "normal"}],
            },
            {
                "id": "s_zone",
                "timeline": [{"day": 0, "level": "controlled"}, {"day": 2, "level": "normal"}],
            },
            {"id": "e_zone", "timeline": [{"day": 0, "level": "normal"}]},
            {"id": "out"},
        ]
    )
    traces = {
        "baseline": [run(base, r) for r in range(2)],
        "north_early": [run(early, r) for r in range(2)],
    }
    cmp = compare_traces(traces, 1)
    sources = compare_sources(traces)
    north = {s.option: s for s in sources if s.kind == PARK_SOURCE and s.id == "north"}
    assert north["baseline"].mean == pytest.approx(16 / 9)
    # north reopening on day 3 instead of 6: s_asm idles on day 3 only (4 of 9), of a
    # region loss of 18 (north 3 days × 3, south 5 + 4)
    assert north["north_early"].mean == pytest.approx(4 / 9)
    assert north["north_early"].diff == pytest.approx(-12 / 9)
    lines = park_lines(cmp, sources, merged([base, early]))
    assert lines[0] == "- north_early: " + closure_line("北区", 4.0, 4 / 18) + " (Δ -1.33 *)"
    assert lines[1] == "- baseline: " + closure_line("北区", 16.0, 16 / 39)
    assert closure_line("北区", 16.0, 16 / 39) == (
        "park 北区's closure cost the region 16 value units (41% of its loss)"
    )
