"""Summary metrics: days-to-X with sustain, lost output, confidence intervals."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.metrics import (
    METRICS,
    PARK,
    RELAPSE_RULE,
    SHARE_METRICS,
    _first_at_or_below,
    axis_label,
    cause_totals,
    ci95,
    daily,
    days_to,
    days_to_median,
    label,
    relapse,
    relapsed,
    relapses,
    replication_metrics,
    summarise,
    summary,
)
from sim.record import WORKFORCE_PARTS, Recorded
from tests.model._park import firm, trace

# --- days_to --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q, level, sustain, want",
    [
        # first day at or above the level that holds for `sustain` days
        ([0.1, 0.5, 0.6, 0.7, 0.9], 0.5, 3, 1),
        # a dip: day 1 holds for 2 days only, day 4 holds for 3
        ([0.1, 0.6, 0.6, 0.2, 0.6, 0.6, 0.6, 0.2], 0.5, 3, 4),
        # with sustain 1 the first touch counts
        ([0.1, 0.6, 0.6, 0.2, 0.6, 0.6, 0.6, 0.2], 0.5, 1, 1),
        # exactly at the level counts as reached
        ([0.0, 0.8, 0.8, 0.8], 0.8, 3, 1),
        # never reached
        ([0.1, 0.2, 0.49, 0.3], 0.5, 1, None),
        # reached for fewer than `sustain` days in the middle: not reached
        ([0.1, 0.9, 0.9, 0.1, 0.1], 0.8, 3, None),
        # reached on the last two days, fewer than `sustain` but to the horizon's end
        ([0.1, 0.2, 0.3, 0.9, 0.95], 0.8, 3, 3),
        # reached on the very last day
        ([0.1, 0.2, 0.3, 0.4, 0.85], 0.8, 7, 4),
        # reached on day 0 and held
        ([1.0, 1.0, 1.0], 0.95, 3, 0),
        # empty curve
        ([], 0.5, 3, None),
    ],
)
def test_days_to(q, level, sustain, want):
    assert days_to(np.array(q, dtype=float), level, sustain) == want


def test_days_to_tolerates_rounding_just_below_the_level():
    assert days_to(np.array([0.0, 0.8 - 1e-13, 0.8]), 0.8, 2) == 1
    assert days_to(np.array([0.0, 0.8 - 1e-9, 0.8]), 0.8, 2) == 2


def test_days_to_does_not_modify_its_input():
    q = np.array([0.1, 0.9, 0.9])
    days_to(q, 0.5, 2)
    np.testing.assert_array_equal(q, [0.1, 0.9, 0.9])


@settings(max_examples=200, deadline=None)
@given(
    q=st.lists(st.floats(0, 1), min_size=1, max_size=30),
    level=st.floats(0.01, 1),
    sustain=st.integers(1, 10),
)
def test_days_to_matches_its_definition(q, level, sustain):
    arr = np.array(q)
    got = days_to(arr, level, sustain)
    n = len(q)

    def holds(d: int) -> bool:
        end = min(d + sustain, n)
        return all(x >= level - 1e-12 for x in q[d:end])

    want = next((d for d in range(n) if holds(d)), None)
    assert got == want


# --- per-replication metrics on a run ---------------------------------------------------


def ramp_trace():
    """Normal zone, one firm, 10-day ramp from t=0: Q = 0.1, 0.2, ..., 1.0, 1.0, ..."""
    return trace([firm("a", ramp_days=10)], days=20)


def test_replication_metrics_of_a_ten_day_ramp():
    m = replication_metrics(ramp_trace(), sustain=3)
    # in the order of summary.json, runs.parquet and comparison.csv
    assert list(m) == list(METRICS)
    # Q(d) = (d+1)/10: 0.5 on day 4, 0.8 on day 7, 0.95 first on day 9 (Q = 1.0)
    assert (m["days_to_50"], m["days_to_80"], m["days_to_95"]) == (4, 7, 9)
    # lost: sum of 1 − k/10 for k = 1..10 = 4.5 baseline-days
    assert m["lost_output_days"] == pytest.approx(4.5)
    assert m["resilience"] == pytest.approx(1 - 4.5 / 20)
    assert m["min_capacity"] == pytest.approx(0.1)
    assert m["final_capacity"] == 1.0
    assert m["final_resumption"] == 1.0


def test_cause_totals_of_a_ten_day_ramp():
    totals = cause_totals(ramp_trace())
    assert totals["ramp_up"] == pytest.approx(4.5)
    assert sum(totals.values()) == pytest.approx(4.5)


def test_metrics_when_the_park_never_recovers():
    levels = {"capped": {"operate": "all", "review": False, "output_cap": 0.6}}
    tr = trace([firm("a")], days=10, level="capped", control_levels=levels)
    m = replication_metrics(tr, sustain=3)
    assert m["days_to_50"] == 0
    assert m["days_to_80"] is None and m["days_to_95"] is None
    assert m["lost_output_days"] == pytest.approx(4.0)
    assert m["resilience"] == pytest.approx(0.6)


# --- confidence intervals and summaries --------------------------------------------------


def test_ci95_of_three_values():
    # mean 2, sd 1, n 3: half-width t(0.975, 2) × 1 / √3 = 4.302653 / 1.732051
    lo, hi = ci95([1.0, 2.0, 3.0])
    half = 4.302652729749464 / math.sqrt(3)
    assert lo == pytest.approx(2 - half, rel=1e-12)
    assert hi == pytest.approx(2 + half, rel=1e-12)


def test_ci95_of_one_value_is_a_point_and_of_none_is_none():
    assert ci95([4.5]) == (4.5, 4.5)
    assert ci95([]) is None


def test_ci95_of_equal_values_has_zero_width():
    assert ci95([3.0, 3.0, 3.0, 3.0]) == (3.0, 3.0)


def test_ci95_covers_the_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(2024)
    hits = 0
    for _ in range(2000):
        lo, hi = ci95(rng.normal(10.0, 3.0, size=8))
        hits += lo <= 10.0 <= hi
    # binomial sd at 2000 trials is ~0.5 %: 93–97 % is a 4-sigma band
    assert 0.93 < hits / 2000 < 0.97


def test_summarise_counts_none_as_not_reached():
    s = summarise([10, None, 14, 12])
    assert s["mean"] == 12.0
    assert s["reached"] == 3
    assert s["values"] == [10, None, 14, 12]
    lo, hi = s["ci95"]
    assert lo == pytest.approx(12 - 4.302652729749464 * 2 / math.sqrt(3))
    assert hi == pytest.approx(12 + 4.302652729749464 * 2 / math.sqrt(3))


def test_summarise_with_nothing_reached():
    s = summarise([None, None])
    assert s == {"mean": None, "ci95": None, "values": [None, None], "reached": 0}


def test_summary_over_replications():
    traces = [ramp_trace(), ramp_trace()]
    metrics, causes = summary(traces, sustain=3)
    assert list(metrics) == list(METRICS)
    assert metrics["days_to_80"]["values"] == [7, 7]
    assert metrics["days_to_80"]["ci95"] == [7.0, 7.0]
    assert metrics["days_to_80"]["median"] == 7.0
    assert metrics["days_to_80"]["median_ci95"] == [7.0, 7.0]
    assert causes["ramp_up"]["mean"] == pytest.approx(4.5)
    assert causes["labour"]["mean"] == 0.0
    assert set(causes) == set(traces[0].causes)


# --- days-to-X as censored estimates (issue 15.9) ------------------------------------

DAYS_TO_95 = [20, 21, 21, 22, 23, 23, 24, 25, 26, 28, 30, None, None]
"""Thirteen replications; two never reach 95 % within the 40-day horizon."""


def _hand_km(values, z=1.959963984540054):
    """Kaplan–Meier by hand: at each day t with d of the n still below the level reaching
    it, S ← S (1 − d/n), Greenwood V ← V + d / (n (n − d)); log-log band S^(e^(±z √V / |ln S|))."""
    s, v, rows = 1.0, 0.0, []
    for t in sorted({x for x in values if x is not None}):
        n = sum(1 for x in values if x is None or x >= t)
        d = sum(1 for x in values if x == t)
        s *= 1 - d / n
        v += d / (n * (n - d))
        k = math.exp(z * math.sqrt(v) / abs(math.log(s)))
        rows.append((t, s, s**k, s ** (1 / k)))
    return rows


def test_days_to_median_is_the_kaplan_meier_median_worked_out_by_hand():
    rows = _hand_km(DAYS_TO_95)
    # S(t): 12/13, 10/13 (two on day 21), 9/13, 7/13, then 6/13 on day 24: the median
    assert [round(s * 13) for _, s, _, _ in rows[:5]] == [12, 10, 9, 7, 6]
    # lower end: the band's low side first <= 0.5 on day 21 (0.442; 0.566 on day 20);
    # upper end: its high side first <= 0.5 on day 28 (0.475; 0.554 on day 26)
    band = {t: (round(lo, 3), round(hi, 3)) for t, _, lo, hi in rows}
    assert band[20][0] == 0.566 and band[21][0] == 0.442
    assert band[26][1] == 0.554 and band[28][1] == 0.475
    assert days_to_median(DAYS_TO_95, horizon=40) == (24.0, (21.0, 28.0))


def test_days_to_median_at_another_confidence_level():
    # A 50 % interval (z = 0.674): the band's low side is first <= 0.5 on day 23 (0.441;
    # 0.597 on day 22), its high side on day 25 (0.474; 0.551 on day 24). The median
    # does not depend on the level.
    band = {
        t: (round(lo, 3), round(hi, 3)) for t, _, lo, hi in _hand_km(DAYS_TO_95, 0.6744897501960817)
    }
    assert band[22][0] == 0.597 and band[23][0] == 0.441
    assert band[24][1] == 0.551 and band[25][1] == 0.474
    assert days_to_median(DAYS_TO_95, horizon=40, confidence=0.5) == (24.0, (23.0, 25.0))


def test_the_median_is_the_first_day_the_survival_is_at_or_within_rounding_of_one_half():
    times = np.array([3.0, 7.0, 9.0])
    assert _first_at_or_below(times, np.array([0.9, 0.5, 0.2]), 0.5) == 7.0
    # inclusive up to 1e-12 above: a product of ratios that should be 0.5 may round up
    assert _first_at_or_below(times, np.array([0.9, 0.5 + 1e-12, 0.2]), 0.5) == 7.0
    assert _first_at_or_below(times, np.array([0.9, 0.5 + 2e-12, 0.2]), 0.5) == 9.0
    assert _first_at_or_below(times, np.array([0.9, 0.8, 0.6]), 0.5) is None


def test_days_to_median_when_too_few_reach_the_level():
    # six replications, two censored: S = 5/6, 1/2 (median 12), 1/3 and no lower;
    # the band's high side stays above 0.5 (0.676 after day 15): the upper end is
    # beyond the horizon. The mean of those that reached would say 12.25.
    values = [10, 12, 12, 15, None, None]
    rows = _hand_km(values)
    assert round(rows[-1][3], 3) == 0.676
    assert days_to_median(values, horizon=30) == (12.0, (10.0, None))
    # fewer than half ever reach it: the median itself is beyond the horizon
    assert days_to_median([10, None, None], horizon=30)[0] is None
    assert days_to_median([None, None], horizon=30) == (None, (None, None))
    assert days_to_median([], horizon=30) == (None, (None, None))


def _at_95_on(day: int | None, days: int = 40):
    """A one-firm trace whose capacity is 0.5 until `day`, then 1 (never: 0.9 from day 5)."""
    tr = trace([firm("a", initially_open=True)], days=days)
    q = np.full(days, 0.5)
    if day is None:
        q[5:] = 0.9
    else:
        q[day:] = 1.0
    old = tr.series["output"]
    tr.series["output"] = Recorded(
        old.name, old.group, old.unit, old.doc, old.axes, old.daily, q * tr.baseline_total
    )
    return tr


def test_summary_days_to_95_is_censored_with_its_count_and_the_old_mean():
    traces = [_at_95_on(d) for d in DAYS_TO_95]
    metrics, _ = summary(traces, sustain=3)
    m = metrics["days_to_95"]
    assert m["median"] == 24.0 and m["median_ci95"] == [21.0, 28.0]
    assert (m["reached"], m["n"], m["censored_at"]) == (11, 13, 40)
    assert m["values"] == DAYS_TO_95
    # the mean over those that reached, kept for older readers (biased low)
    assert m["mean"] == pytest.approx(263 / 11)
    assert "Kaplan-Meier" in m["estimate"]
    # days to 50 %: every replication is at 0.5 from day 0
    assert metrics["days_to_50"]["median"] == 0.0
    assert "median" not in metrics["lost_output_days"]


# --- daily indicators ---------------------------------------------------------------


def _declare(tr, name: str, axes: tuple[tuple[str, ...], ...], values: np.ndarray) -> None:
    """Add a daily series to a trace as a mechanism `extra` would have declared it."""
    tr.series[name] = Recorded(name, "extra", "trips", "a test series", axes, True, values)


def test_daily_indicators_follow_the_declarations():
    # Today's indicators in their order, then each other declared daily series under
    # its own name: a number per day in group `park`, an array one row per label.
    tr = trace([firm("a", initially_open=True), firm("b")], days=3)
    _declare(tr, "by_gate", (("north", "south"),), np.arange(6.0).reshape(3, 2))
    _declare(tr, "extra_total", (), np.array([7.0, 8.0, 9.0]))
    _declare(tr, "by_gate_and_good", (("n", "s"), ("x", "y")), np.zeros((3, 2, 2)))
    rows = daily(tr, skip=("lost", "funnel"))  # what causes.csv and logistics.csv hold
    keys = [(m, g) for m, g, _ in rows]
    assert keys[:2] == [("capacity", PARK), ("capacity", "s")]
    assert [m for m, _, _ in rows if m.startswith("staff_")] == [
        f"staff_{p}" for p in WORKFORCE_PARTS
    ]
    # today's indicators end with relief; the mechanisms' own series follow (on-site
    # capacity, returning staff, …), then the ones declared here
    assert keys.index(("relief_spent", PARK)) < keys.index(("by_gate", "north"))
    assert keys[-7:] == [
        ("by_gate", "north"),
        ("by_gate", "south"),
        ("extra_total", PARK),
        ("by_gate_and_good", "n/x"),
        ("by_gate_and_good", "n/y"),
        ("by_gate_and_good", "s/x"),
        ("by_gate_and_good", "s/y"),
    ]
    values = {(m, g): v for m, g, v in rows}
    np.testing.assert_array_equal(values[("by_gate", "south")], [1, 3, 5])
    np.testing.assert_array_equal(values[("extra_total", PARK)], [7, 8, 9])
    np.testing.assert_array_equal(values[("capacity", PARK)], tr.capacity)
    # a park without above-scale firms has no resumption_above_scale rows
    assert "resumption_above_scale" not in {m for m, _ in keys}
    # unless skipped, series other files hold are indicators too (lost output by cause)
    assert ("lost", "not_allowed") in {(m, g) for m, g, _ in daily(tr)}


def test_a_declared_series_may_not_take_the_name_of_an_indicator():
    tr = trace([firm("a", initially_open=True)], days=2)
    _declare(tr, "failed_firms", (), np.zeros(2))
    message = (
        "the declared series 'failed_firms' has the name of an indicator of "
        "timeseries.csv; give it another name"
    )
    with pytest.raises(ValueError) as err:
        daily(tr)
    assert str(err.value) == message


def test_share_metrics_are_the_indicators_in_share():
    assert SHARE_METRICS == (
        "capacity",
        "resumption",
        "resumption_weighted",
        "resumption_above_scale",
        "resumed",
        "resumed_above_scale",
        "workforce",
    )


# --- two firms, staggered starts: what each metric reads -----------------------------


def test_days_to_counts_a_value_within_rounding_of_the_level_exactly_at_the_edge():
    # the tolerance is inclusive: q = level − 1e-12 is reached, anything below is not
    assert days_to(np.array([0.8 - 1e-12]), 0.8, 1) == 0
    assert days_to(np.array([0.8 - 2e-12]), 0.8, 1) is None


def test_the_levels_are_50_80_and_95_percent_exactly():
    # Output caps just below each level, two days each, then none: 0.497 (just under
    # 50 %), 0.795, 0.945, 1.0. Each level is first reached when the cap above it starts.
    caps = {"c50": 0.497, "c80": 0.795, "c95": 0.945}
    levels = {k: {"operate": "all", "review": False, "output_cap": v} for k, v in caps.items()}
    levels["normal"] = {"operate": "all", "review": False}
    timeline = [{"day": 2 * k, "level": name} for k, name in enumerate([*caps, "normal"])]
    tr = trace([firm("a")], days=8, level=timeline, control_levels=levels)
    np.testing.assert_allclose(tr.capacity, [0.497] * 2 + [0.795] * 2 + [0.945] * 2 + [1] * 2)
    m = replication_metrics(tr, sustain=1)
    assert (m["days_to_50"], m["days_to_80"], m["days_to_95"]) == (2, 4, 6)


def staggered_trace():
    """a (baseline 3) runs from day 0; b (baseline 1) is in a zone locked down until
    day 4, the last day: Q = 0.75 on days 0–3 and 1.0 on day 4."""
    regions = [
        {"id": "park", "timeline": [{"day": 0, "level": "normal"}]},
        {
            "id": "late",
            "timeline": [{"day": 0, "level": "lockdown"}, {"day": 4, "level": "normal"}],
        },
        {"id": "out"},
    ]
    firms = [firm("a", baseline_output=3), firm("b", region="late")]
    return trace(firms, days=5, regions=regions)


def test_final_values_are_those_of_the_last_day():
    m = replication_metrics(staggered_trace(), sustain=3)
    # the last day differs from the day before and from day 1: read on the last day
    assert m["final_capacity"] == 1.0
    assert m["final_resumption"] == 1.0
    assert m["min_capacity"] == 0.75
    # 80 % and 95 % are first reached on the last day: held to the horizon's end
    assert (m["days_to_50"], m["days_to_80"], m["days_to_95"]) == (0, 4, 4)


def test_lost_output_is_baseline_minus_output_in_baseline_days_and_in_value():
    m = replication_metrics(staggered_trace(), sustain=3)
    # b's 1 unit a day is missing on days 0–3: 4 value units, 4 × 0.25 baseline-days
    assert m["lost_output_value"] == 4.0
    assert m["lost_output_days"] == 1.0
    assert m["resilience"] == pytest.approx(1 - 1.0 / 5)


def test_failed_firms_and_relief_are_read_at_the_end_of_the_last_day():
    # Both firms closed all run (lockdown), costs 0.125 + 0.125 a day, no revenue.
    # a: 10 days of cash (2.5), below zero at the close of day 10, grace 1: out of
    # business at that close, the last day. b: plenty of cash, and a wage subsidy of
    # 0.0625 per worker (4 staff) = 0.25 a day, which only b may receive.
    fin = {
        "margin": 0.0,
        "fixed_cost_share": 0.125,
        "wage_share": 0.125,
        "grace_days": 1,
        "relief": {
            "measures": [
                {
                    "id": "jobs",
                    "kind": "wage_subsidy",
                    "per_worker_per_day": 0.0625,
                    "eligible": {"tags": ["livelihood"]},
                }
            ]
        },
    }
    firms = [firm("a", cash_days=10), firm("b", cash_days=1000, staff=4, tags=["livelihood"])]
    tr = trace(firms, days=11, level="lockdown", finance=fin)
    failed = tr.state_counts[:, tr.states.index("failed")]
    assert (failed[1], failed[-2], failed[-1]) == (0, 0, 1)
    np.testing.assert_array_equal(tr.relief_spent, 0.25 * np.arange(1, 12))
    m = replication_metrics(tr, sustain=3)
    assert m["failed_firms"] == 1
    assert m["relief_spent"] == 11 * 0.25
    assert m["lost_output_value"] == 2 * 11


def test_summary_of_one_replication_and_of_none():
    tr = staggered_trace()
    metrics, causes = summary([tr], sustain=3)
    assert metrics["final_capacity"] == {
        "mean": 1.0,
        "ci95": [1.0, 1.0],
        "values": [1.0],
        "reached": 1,
    }
    assert list(causes) == list(tr.causes)
    assert causes["not_allowed"]["mean"] == 1.0  # b, a quarter of the park, for 4 days
    metrics, causes = summary([], sustain=3)
    assert causes == {}
    assert set(metrics) == set(METRICS)
    empty = {"mean": None, "ci95": None, "values": [], "reached": 0}
    assert all(v == empty for k, v in metrics.items() if not k.startswith("days_to_"))
    for k in ("days_to_50", "days_to_80", "days_to_95"):
        v = metrics[k]
        assert {x: v[x] for x in empty} == empty
        assert (v["n"], v["median"], v["median_ci95"]) == (0, None, [None, None])
        assert v["censored_at"] == 0  # no replication, no horizon


def test_group_indicators_read_each_measure_of_each_group():
    # a (tag x; baseline 3, 4 staff) runs from day 0 in zone park, which locks down on
    # day 3: from then on a has resumed but does not operate, and its staff stay home.
    # b (tags x and y; baseline 1, 2 staff) is in zone late, locked down until day 2.
    regions = [
        {
            "id": "park",
            "timeline": [{"day": 0, "level": "normal"}, {"day": 3, "level": "lockdown"}],
        },
        {
            "id": "late",
            "timeline": [{"day": 0, "level": "lockdown"}, {"day": 2, "level": "normal"}],
        },
        {"id": "out"},
    ]
    firms = [
        firm("a", baseline_output=3, staff=4, tags=["x"], initially_open=True),
        firm("b", region="late", staff=2, tags=["x", "y"]),
    ]
    rows = {(m, g): v for m, g, v in daily(trace(firms, days=5, regions=regions))}
    want = {
        # group x: a alone on days 0-1, both on day 2, a resumed but idle on days 3-4
        ("resumption", "tag:x"): [1 / 2, 1 / 2, 1, 1 / 2, 1 / 2],
        ("resumed", "tag:x"): [1 / 2, 1 / 2, 1, 1, 1],
        ("capacity", "tag:x"): [3 / 4, 3 / 4, 1, 1 / 4, 1 / 4],
        ("workforce", "tag:x"): [4 / 6, 4 / 6, 1, 2 / 6, 2 / 6],
        ("staff_on_post", "tag:x"): [4, 4, 6, 2, 2],
        # group y: b alone, from day 2
        ("resumption", "tag:y"): [0, 0, 1, 1, 1],
        ("resumed", "tag:y"): [0, 0, 1, 1, 1],
        ("capacity", "tag:y"): [0, 0, 1, 1, 1],
        ("workforce", "tag:y"): [0, 0, 1, 1, 1],
        ("staff_on_post", "tag:y"): [0, 0, 2, 2, 2],
    }
    for key, values in want.items():
        np.testing.assert_allclose(rows[key], values, rtol=1e-12, err_msg=str(key))


def test_tables_and_axes_name_the_metrics():
    assert label("days_to_80") == "days to 80 % capacity"
    assert label("output_saved_per_money") == "output saved per unit of relief (vs baseline)"
    assert label("lost:labour") == "lost:labour"  # one it does not know keeps its name
    # an axis names the unit where the label does not, else reads like the table
    assert axis_label("min_capacity") == "lowest capacity (share of baseline)"
    assert axis_label("lost_output_days") == "lost output (baseline-days)"
    assert axis_label("lost:labour") == "lost:labour"


# --- relapses after reaching a level (issue 18.6) ----------------------------------------

# Touches 80 % on day 2, holds it three days, then falls back to 55 % for two weeks before
# recovering: days to 80 % says day 2, which alone would mislead.
RELAPSING = [0.3, 0.6, 0.8, 0.82, 0.81, 0.6, *[0.55] * 14, 0.85, 0.9, 0.9]
# The same crossing, then a dip to 72 %: within a margin of 10 points.
HOLDING = [0.3, 0.6, 0.8, 0.82, 0.81, 0.75, 0.72, 0.78, 0.85, 0.9]


def test_a_curve_that_falls_back_after_reaching_80_percent_is_flagged():
    r = relapse(np.array(RELAPSING), 0.8, 3, 0.10)
    assert r is not None and r.relapsed
    assert r.crossed == 2  # days to 80 % still counts the first sustained crossing
    assert r.day == 5  # the first day below 70 %
    assert r.low == pytest.approx(0.55)
    assert r.days_below == 15  # day 5 and the 14 days at 55 %


def test_a_dip_within_the_margin_is_not_a_relapse():
    r = relapse(np.array(HOLDING), 0.8, 3, 0.10)
    assert r is not None and not r.relapsed
    assert (r.crossed, r.day, r.days_below) == (2, None, 3)
    assert r.low == pytest.approx(0.72)
    # with a margin of 5 points the same dip is a relapse, from day 6 (72 % < 75 %)
    tight = relapse(np.array(HOLDING), 0.8, 3, 0.05)
    assert tight is not None and tight.day == 6


def test_falling_exactly_the_margin_is_not_more_than_it():
    q = np.array([0.8, 0.8, 0.8, 0.7, 0.7 - 1e-13, 0.8 - 0.1 - 1e-12, 0.8 - 1e-12, 0.9])
    r = relapse(q, 0.8, 3, 0.1)
    assert r is not None and r.day is None
    assert r.days_below == 3  # 0.8 − 1e-12 is at the level, within rounding
    r = relapse(np.array([0.8, 0.8, 0.8, 0.6999]), 0.8, 3, 0.1)
    assert r is not None and r.day == 3


def test_no_relapse_without_a_sustained_crossing():
    # touches 80 % for two days only (sustain 3), then falls: never reached, so no relapse
    assert relapse(np.array([0.5, 0.85, 0.85, 0.4, 0.4]), 0.8, 3, 0.1) is None
    assert relapse(np.array([]), 0.8, 3, 0.1) is None
    # dips before the sustained crossing do not count
    r = relapse(np.array([0.85, 0.3, 0.8, 0.8, 0.8, 0.8]), 0.8, 3, 0.1)
    assert r is not None and (r.crossed, r.day, r.low) == (2, None, 0.8)


def test_relapses_section_counts_per_level_and_replication():
    runs = [
        SimpleNamespace(capacity=np.array(RELAPSING)),
        SimpleNamespace(capacity=np.array(HOLDING)),
        SimpleNamespace(capacity=np.array([0.1, 0.2, 0.3])),
    ]
    out = relapses(runs, 3, 0.1)  # type: ignore[arg-type]
    assert list(out) == ["days_to_50", "days_to_80", "days_to_95"]
    d80 = out["days_to_80"]
    assert (d80["n"], d80["reached"], d80["relapsed"]) == (3, 2, 1)
    assert d80["days"] == [5, None, None]
    assert d80["lows"] == pytest.approx([0.55, 0.72, None])  # type: ignore[list-item]
    assert d80["days_below"] == [15, 3, None]
    assert (d80["level"], d80["margin"], d80["sustain_days"]) == (0.8, 0.1, 3)
    # at 50 % the relapsing curve never falls more than 10 points below (55 % ≥ 40 %)
    d50 = out["days_to_50"]
    assert (d50["reached"], d50["relapsed"], d50["days"]) == (2, 0, [None, None, None])
    assert out["days_to_95"]["reached"] == 0
    assert d80["rule"] == RELAPSE_RULE
    # just below 80 % all along: never reached, however close
    close = relapses([SimpleNamespace(capacity=np.full(5, 0.795))], 3, 0.1)  # type: ignore[list-item]
    assert close["days_to_80"]["reached"] == 0


def test_relapsed_is_one_zero_or_none_per_replication():
    assert relapsed(SimpleNamespace(capacity=np.array(RELAPSING)), 3, 0.1) == 1  # type: ignore[arg-type]
    assert relapsed(SimpleNamespace(capacity=np.array(HOLDING)), 3, 0.1) == 0  # type: ignore[arg-type]
    assert relapsed(SimpleNamespace(capacity=np.array([0.2, 0.3])), 3, 0.1) is None  # type: ignore[arg-type]
    assert relapsed(SimpleNamespace(capacity=np.full(5, 0.795)), 3, 0.1) is None  # type: ignore[arg-type]
    assert label("relapsed_80") == "share relapsed after reaching 80 %"


def test_cost_elsewhere_is_what_other_parks_lost_for_want_of_each_parks_goods() -> None:
    from sim.metrics import cost_elsewhere

    # rows: the park that lost output; columns: the park whose goods were missing, then
    # the outside suppliers
    cost = np.array(
        [
            [5.0, 3.0, 0.0, 7.0],
            [2.0, 11.0, 4.0, 1.0],
            [6.0, 0.5, 13.0, 0.0],
        ]
    )
    region = SimpleNamespace(park_ids=("a", "b", "c"), cost_by_park=cost)
    got = cost_elsewhere(region)  # type: ignore[arg-type]
    np.testing.assert_array_equal(got, [8.0, 3.5, 4.0])  # its column, less its own row
    assert cost_elsewhere(SimpleNamespace(park_ids=(), cost_by_park=cost)).shape == (0,)  # type: ignore[arg-type]
