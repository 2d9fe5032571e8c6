"""What a comparison explains (issue 18): each option's bottlenecks with paired
differences, its stations' queues, relapses after reaching 80 %, and whether the
ranking holds at the ends of uncertain inputs. Hand-built traces, numbers worked out
on paper. (The paired statistics themselves: tests/experiment/test_compare.py.)"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.comparison import (
    PASSES,
    PASSES_ID,
    STATION,
    SUPPLIER,
    Comparison,
    OptionRuns,
    RobustEnd,
    Robustness,
    Row,
    compare,
    compare_sources,
    option_runs,
    source_costs,
    station_loads,
)
from sim.metrics import LOST_OUTPUT_DAYS, RELAPSED_80
from tests.test_metrics import HOLDING, RELAPSING


def _trace(rep, producers, stations, cost_prod, cost_logi, queue=None, cleared=None, waited=0.0):
    """A replication with the totals the bottleneck ranking reads: one park firm (the
    first producer), then external suppliers; `queue[d]` trips waiting at each station."""
    days = len(queue) if queue is not None else 1
    funnel = np.zeros((days, len(stations), 5))
    if queue is not None:
        funnel[:, :, 3] = np.asarray(queue, dtype=float).reshape(days, len(stations))
        funnel[:, :, 2] = np.asarray(cleared, dtype=float).reshape(days, len(stations))
        funnel[-1, :, 4] = waited
    return SimpleNamespace(
        replication=rep,
        days=days,
        n_firms=1,
        baseline_total=10.0,
        producers=tuple(producers),
        stations=tuple(stations),
        park_ids=(),  # one park (a region's parks: tests/files/test_parks.py)
        cost_by_producer=np.asarray(cost_prod, dtype=float),
        cost_by_logistics=np.asarray(cost_logi, dtype=float),
        funnel=funnel,
    )


def test_source_costs_name_every_source_in_baseline_days():
    t = _trace(0, ["firm_a", "chipco"], ["north"], [0.0, 5.0], [20.0, 1.0])
    assert source_costs(t) == {  # type: ignore[arg-type]
        ("park_firm", "firm_a"): 0.0,
        (SUPPLIER, "chipco"): 0.5,
        (STATION, "north"): 2.0,
        (PASSES, PASSES_ID): 0.1,
    }


def test_each_option_ranks_its_bottlenecks_with_paired_differences():
    base = [
        _trace(0, ["f", "chipco"], ["north"], [0, 10], [10, 0]),
        _trace(1, ["f", "chipco"], ["north"], [0, 20], [30, 0]),
    ]
    # more teams: the station costs more (swamped); the supplier the same
    teams = [
        _trace(0, ["f", "chipco"], ["north"], [0, 10], [40, 0]),
        _trace(1, ["f", "chipco"], ["north"], [0, 20], [50, 0]),
    ]
    # a second station: north costs nothing, south a little
    second = [
        _trace(0, ["f", "chipco"], ["north", "south"], [0, 10], [0, 5, 0]),
        _trace(1, ["f", "chipco"], ["north", "south"], [0, 20], [0, 5, 0]),
    ]
    rows = compare_sources({"baseline": base, "teams": teams, "second": second})  # type: ignore[dict-item]
    got = {(r.option, r.kind, r.id): r for r in rows}
    # baseline: station 2.0, supplier 1.5 baseline-days (means over the two replications)
    assert [(r.rank, r.id, r.mean) for r in rows if r.option == "baseline"] == [
        (1, "north", 2.0),
        (2, "chipco", 1.5),
    ]
    north = got[("teams", STATION, "north")]
    assert (north.rank, north.mean, north.diff, north.n_pairs) == (1, 4.5, 2.5, 2)
    assert north.diff_ci95 is not None and north.significant is False  # two unequal pairs
    assert got[("teams", SUPPLIER, "chipco")].diff == 0.0
    # an option that removes a bottleneck lists it, at 0, with its negative difference
    gone = got[("second", STATION, "north")]
    assert (gone.mean, gone.diff) == (0.0, -2.0)
    assert gone.rank == 3
    # one the baseline does not have is compared with 0 there
    assert got[("second", STATION, "south")].diff == 0.5
    assert not any(r.kind == PASSES for r in rows)  # cost nothing anywhere


def test_station_loads_peak_mean_cleared_and_wait():
    queue0, queue1 = [0, 4, 2], [0, 2, 6]
    runs = [
        _trace(0, ["f"], ["north"], [0], [0, 0], queue0, [0, 1, 3], waited=6.0),
        _trace(1, ["f"], ["north"], [0], [0, 0], queue1, [0, 2, 5], waited=10.0),
    ]
    (load,) = station_loads({"baseline": runs})  # type: ignore[dict-item]
    # mean queue by day: 0, 3, 4 → peak 4 on day 2; mean over days and runs 14/6
    assert (load.option, load.station, load.peak_queue, load.peak_day) == (
        "baseline",
        "north",
        4.0,
        2,
    )
    assert load.mean_queue == pytest.approx(14 / 6)
    assert load.cleared == 4.0  # (3 + 5) / 2
    assert load.mean_wait_days == pytest.approx(16 / 8)
    assert station_loads({"x": [_trace(0, ["f"], [], [0], [0])]}) == ()  # type: ignore[dict-item]


def test_option_runs_report_relapses_only_when_asked():
    runs = [
        SimpleNamespace(replication=0, capacity=np.array(RELAPSING)),
        SimpleNamespace(replication=1, capacity=np.array(HOLDING)),
    ]

    def metrics(t, sustain):
        return {LOST_OUTPUT_DAYS: float(np.sum(1 - t.capacity))}

    import sim.comparison as comparison

    mp = pytest.MonkeyPatch()
    mp.setattr(comparison, "replication_metrics", metrics)
    mp.setattr(comparison, "cause_totals", lambda t: {})
    try:
        plain = option_runs("a", runs, 3)  # type: ignore[arg-type]
        flagged = option_runs("a", runs, 3, 0.1)  # type: ignore[arg-type]
    finally:
        mp.undo()
    assert RELAPSED_80 not in plain.metrics[0]
    assert flagged.metrics[0][RELAPSED_80] == 1 and flagged.metrics[1][RELAPSED_80] == 0


def test_the_share_relapsed_is_compared_like_any_metric():
    base = OptionRuns("baseline", {0: {RELAPSED_80: 0}, 1: {RELAPSED_80: None}}, {0: {}, 1: {}})
    opt = OptionRuns("teams", {0: {RELAPSED_80: 1}, 1: {RELAPSED_80: 1}}, {0: {}, 1: {}})
    cmp = compare([base, opt])
    row = cmp.row("teams", RELAPSED_80)
    assert (row.mean, row.n, row.diff, row.n_pairs) == (1.0, 2, 1.0, 1)
    assert cmp.row("baseline", RELAPSED_80).n == 1  # the replication never at 80 % left out


# --------------------------------------------------------------------------- robustness


def _cmp(lost: dict[str, float], d80: dict[str, float], sig: bool = True) -> Comparison:
    """A comparison with these mean lost outputs and days to 80 %; differences from the
    baseline's, significant or not."""
    rows = []
    for metric, means in ((LOST_OUTPUT_DAYS, lost), ("days_to_80", d80)):
        for name, mean in means.items():
            diff = mean - means["baseline"]
            rows.append(
                Row(name, metric, mean, None, 10, diff, (diff - 1, diff + 1), 10, sig and diff != 0)
            )
    return Comparison("baseline", tuple(lost), (LOST_OUTPUT_DAYS, "days_to_80"), tuple(rows), 10)


def test_a_ranking_that_holds_and_differences_that_keep_their_sign():
    nominal = _cmp(
        {"baseline": 40, "teams": 35, "second": 39}, {"baseline": 46, "teams": 36, "second": 45}
    )
    low = _cmp(
        {"baseline": 42, "teams": 38, "second": 41}, {"baseline": 48, "teams": 40, "second": 47}
    )
    high = _cmp(
        {"baseline": 38, "teams": 33, "second": 37.5}, {"baseline": 44, "teams": 35, "second": 43}
    )
    rob = Robustness(nominal, (RobustEnd("k", "low", "1", low), RobustEnd("k", "high", "3", high)))
    assert rob.ranking(nominal) == ["teams", "second", "baseline"]
    assert rob.changed() == []
    assert rob.signs("teams", LOST_OUTPUT_DAYS) == [-1, -1, -1]
    assert rob.keeps_sign("teams", LOST_OUTPUT_DAYS) and rob.keeps_sign("second", "days_to_80")
    assert rob.significant_everywhere("teams", LOST_OUTPUT_DAYS)
    assert rob.flips("second", LOST_OUTPUT_DAYS) == []


def test_a_ranking_that_changes_and_a_difference_that_flips():
    nominal = _cmp(
        {"baseline": 40, "teams": 35, "second": 39}, {"baseline": 46, "teams": 36, "second": 45}
    )
    # at the high end the second station beats more teams, and teams loses to the baseline
    high = _cmp(
        {"baseline": 38, "teams": 39, "second": 36}, {"baseline": 44, "teams": 44, "second": 40}
    )
    end = RobustEnd("logistics.truck_load", "high", "20", high)
    rob = Robustness(nominal, (end,))
    assert rob.changed() == [end]
    assert rob.ranking(high) == ["second", "baseline", "teams"]
    assert not rob.keeps_sign("teams", LOST_OUTPUT_DAYS)
    assert rob.flips("teams", LOST_OUTPUT_DAYS) == [end]
    # a difference that becomes exactly 0 does not keep its sign either
    assert rob.signs("teams", "days_to_80") == [-1, 0]
    assert not rob.keeps_sign("teams", "days_to_80")
    assert end.label == "logistics.truck_load = 20"
