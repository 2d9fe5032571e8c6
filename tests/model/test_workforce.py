"""Staff on post: migrant return and quarantine, housing under lockdown, buses, crews."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.workforce import Workforce, return_share
from sim.record import WORKFORCE_PARTS
from tests.model._park import check_invariants, firm, only_cause, trace, world

NO_COMMUTING = {"closed": {"operate": "all", "review": False, "commuting": False}}
"""A level where firms run without review but locals cannot commute."""
NOBODY_RETURNS = [{"day": 0, "share": 0}]


def column(tr, part: str) -> np.ndarray:
    return tr.workforce[:, WORKFORCE_PARTS.index(part)]


# --- migrant return and quarantine ------------------------------------------------------


def test_migrants_all_back_on_day_0_clear_a_14_day_quarantine_on_day_14():
    # 100 staff, 40 migrants; all return on day 0 and quarantine on days 0–13.
    wf = {"quarantine_days": 14, "migrant_return": [{"day": 0, "share": 1}]}
    tr = trace([firm("a", staff=100, migrant_share=0.4)], days=20, workforce=wf)
    np.testing.assert_array_equal(tr.capacity, [0.6] * 14 + [1.0] * 6)
    assert np.all(only_cause(tr, "labour")[:14])
    np.testing.assert_array_equal(column(tr, "quarantined"), [40] * 14 + [0] * 6)
    np.testing.assert_array_equal(column(tr, "away"), 0)
    np.testing.assert_array_equal(column(tr, "on_post"), [60] * 14 + [100] * 6)
    np.testing.assert_array_equal(column(tr, "migrant_on_post"), [0] * 14 + [40] * 6)


def test_a_quarantine_or_isolation_beyond_the_run_keeps_days_plus_one_ring_rows():
    # Someone leaving after the last day never leaves within the run, so the rings
    # stop at days + 1 rows whatever the scenario says (99,999 days used to allocate
    # 100,000 rows per firm). In a 20-day run a quarantine of 20 days (left on day
    # d + 20) and an isolation of 19 (back on day d + 20) already never end: the
    # counts are the same as with 99,999 days, which keep 21 rows, not 100,000.
    firms = [firm("a", staff=100, migrant_share=0.4), firm("b", staff=50, migrant_share=0.2)]
    back = [{"day": 0, "share": 0.2}, {"day": 10, "share": 1}]
    traces = []
    for q, iso in ((99_999, 99_999), (20, 19)):
        w = world(
            firms,
            days=20,
            workforce={"migrant_return": back, "quarantine_days": q},
            outbreaks={
                "rate_per_1000_staff_day": 30.0,
                "isolated_per_case": 3,
                "isolation_days": iso,
            },
        )
        assert w.get(Workforce).quarantine.shape[0] == min(q, 21) + 1
        assert w.get(Workforce).isolation.shape[0] == min(iso, 21) + 1
        traces.append(w.run())
    for name in ("output", "workforce", "cases", "state_counts", "lost"):
        np.testing.assert_array_equal(getattr(traces[0], name), getattr(traces[1], name))
    assert column(traces[0], "quarantined").max() > 0
    assert column(traces[0], "isolated").max() > 0


def test_the_default_return_curve_brings_every_migrant_back_on_day_0():
    # `workforce.migrant_return` defaults to [{day: 0, share: 1}]: with no
    # quarantine the migrants are on post from day 0.
    tr = trace([firm("a", staff=10, migrant_share=0.5)], days=3)
    np.testing.assert_array_equal(tr.capacity, 1.0)


def test_a_fractional_quarantine_rounds_up_to_whole_days():
    wf = {"quarantine_days": 2.5, "migrant_return": [{"day": 0, "share": 1}]}
    tr = trace([firm("a", staff=10, migrant_share=0.5)], days=5, workforce=wf)
    np.testing.assert_array_equal(tr.capacity, [0.5, 0.5, 0.5, 1, 1])


def test_migrants_return_along_the_curve_and_are_all_back_at_its_end():
    # Share back: 0 on day 0 rising linearly to 1 on day 10. Each day's draw is a
    # binomial of those still away, so the count falls monotonically and reaches
    # zero on day 10 (when the conditional probability is 1).
    wf = {"migrant_return": [{"day": 0, "share": 0}, {"day": 10, "share": 1}]}
    firms = [firm(f"f{i}", staff=200, migrant_share=0.5) for i in range(5)]
    tr = trace(firms, days=12, workforce=wf)
    away = column(tr, "away")
    assert away[0] == 500
    assert np.all(np.diff(away) <= 0)
    assert away[9] > 0 and away[10] == 0
    # halfway (day 5) half should be back: 250 expected, sd ~11
    assert 200 < away[5] < 300
    np.testing.assert_array_equal(tr.capacity[10:], 1.0)


def test_return_share_interpolates_and_is_zero_before_the_first_point():
    pts = [(5.0, 0.2), (15.0, 0.6)]
    assert return_share(pts, 0) == 0.0
    assert return_share(pts, 5) == pytest.approx(0.2)
    assert return_share(pts, 10) == pytest.approx(0.4)
    assert return_share(pts, 99) == pytest.approx(0.6)


def test_chartered_bus_seats_go_to_firms_by_priority():
    # Nobody returns along the curve; a bus of 50 seats arrives on day 2.5 (whole
    # day 3). 'first' (priority) has 40 migrants away and gets 40 seats; 'second'
    # gets the remaining 10 of its 40. Quarantine 2 days: on post from day 5.
    firms = [
        firm("second", staff=100, migrant_share=0.4),
        firm("first", staff=100, migrant_share=0.4, tags=["livelihood"]),
    ]
    wf = {
        "quarantine_days": 2,
        "migrant_return": NOBODY_RETURNS,
        "chartered_buses": [{"day": 2.5, "seats": 50}],
    }
    tr = trace(firms, days=8, workforce=wf, reopening={"priority": ["livelihood"]})
    np.testing.assert_array_equal(column(tr, "away"), [80] * 3 + [30] * 5)
    np.testing.assert_array_equal(column(tr, "quarantined"), [0] * 3 + [50] * 2 + [0] * 3)
    # day 5 on: second at 0.7, first at 1.0 → (0.7 + 1.0) / 2
    np.testing.assert_allclose(tr.capacity, [0.6] * 5 + [0.85] * 3, rtol=0, atol=1e-15)


def test_more_bus_seats_than_migrants_away_bring_everyone():
    wf = {"migrant_return": NOBODY_RETURNS, "chartered_buses": [{"day": 1, "seats": 1000}]}
    tr = trace([firm("a", staff=100, migrant_share=0.4)], days=3, workforce=wf)
    np.testing.assert_array_equal(column(tr, "away"), [40, 0, 0])
    np.testing.assert_array_equal(tr.capacity, [0.6, 1, 1])


# --- housing under lockdown -----------------------------------------------------------


HOUSED = [
    firm("a", staff=100, dorm_beds=30, bus_seats=20),
    firm("b", staff=50, dorm_beds=10, tags=["livelihood"]),
]
"""a (no priority): 30 beds + 20 seats; b (priority): 10 beds, no seats."""


@pytest.mark.parametrize(
    "clean_a, operating, beds, want",
    [
        # bus allowed: a houses 50, b 10; station beds 50 by priority: b 40, a 10
        (99, [True, True], 50, [60, 50]),
        # a had a case 13 days ago (< 14): no bus; a houses 30, still gets 10 beds
        (13, [True, True], 50, [40, 50]),
        # 14 clean days are enough
        (14, [True, True], 50, [60, 50]),
        # b is not operating: it takes no beds, a gets them all
        (99, [True, False], 50, [100, 0]),
        # no station beds at all: beds and seats only
        (99, [True, True], 0, [50, 10]),
        # plenty of beds: everyone present is housed
        (99, [True, True], 1000, [100, 50]),
    ],
)
def test_on_post_without_commuting_is_beds_plus_seats_plus_station_beds(
    clean_a, operating, beds, want
):
    wf = {"employee_station_beds": beds, "clean_days_for_bus": 14}
    w = world(
        HOUSED,
        level="closed",
        control_levels=NO_COMMUTING,
        workforce=wf,
        reopening={"priority": ["livelihood"]},
    )
    share = w.get(Workforce).post(np.array(operating), np.array([clean_a, 99.0]))
    np.testing.assert_array_equal(w.get(Workforce).on_post, want)
    np.testing.assert_allclose(share[np.array(operating)], (np.array(want) / [100, 50])[operating])


def test_commuting_brings_every_local_whatever_the_housing():
    w = world(HOUSED, level="controlled", workforce={"employee_station_beds": 0})
    share = w.get(Workforce).post(np.array([True, True]), np.array([0.0, 0.0]))
    np.testing.assert_array_equal(w.get(Workforce).on_post, [100, 50])
    np.testing.assert_array_equal(share, [1.0, 1.0])


def test_no_commuting_in_a_run():
    # As the first case above, through a run: a at 0.6, b at 1.0, baselines 1.
    wf = {"employee_station_beds": 50, "clean_days_for_bus": 14}
    tr = trace(
        HOUSED,
        level="closed",
        control_levels=NO_COMMUTING,
        workforce=wf,
        reopening={"priority": ["livelihood"]},
        days=5,
    )
    np.testing.assert_allclose(tr.capacity, 0.8, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(column(tr, "on_post"), 110)
    check_invariants(tr)


def test_lockdown_then_controlled_lets_locals_commute():
    # A white-listed closed-loop firm with 20 beds for 100 staff runs at 0.2 under
    # lockdown (reviewed [1,2) after its day-1 listing), then at 1.0 once the zone
    # is controlled on day 5 and locals may commute.
    timeline = [{"day": 0, "level": "lockdown"}, {"day": 5, "level": "controlled"}]
    f = firm("a", staff=100, dorm_beds=20, closed_loop=True)
    tr = trace(
        [f],
        level=timeline,
        days=7,
        reopening={"whitelists": [{"day": 1, "firms": ["a"]}], "review_days": 1},
    )
    np.testing.assert_allclose(tr.capacity, [0, 0, 0.2, 0.2, 0.2, 1, 1], rtol=0, atol=1e-15)
    assert np.all(only_cause(tr, "labour")[2:5])


# --- minimum crew -----------------------------------------------------------------------


@pytest.mark.parametrize("min_crew, want", [(0.0, 0.5), (0.5, 0.5), (0.51, 0.0), (1.0, 0.0)])
def test_min_crew_share_stops_a_line_below_it(min_crew, want):
    wf = {"migrant_return": NOBODY_RETURNS, "min_crew_share": min_crew}
    tr = trace([firm("a", staff=10, migrant_share=0.5)], days=3, workforce=wf)
    np.testing.assert_array_equal(tr.capacity, want)
    assert np.all(only_cause(tr, "labour"))


def test_a_firm_without_staff_is_not_held_back_by_labour():
    tr = trace([firm("robots", staff=0)], days=3, workforce={"min_crew_share": 0.5})
    np.testing.assert_array_equal(tr.capacity, 1.0)


def test_a_liaison_speeds_up_its_firms_migrant_return():
    # Schema: a liaison divides the migrant-return delay of its firms by `speedup`.
    # Curve 0 → 1 over days 0–10: the liaised firm (priority, the one slot) has all
    # its migrants back by day 5; the other only half of them, in expectation.
    firms = [
        firm("plain", staff=100, migrant_share=0.4),
        firm("liaised", staff=100, migrant_share=0.4, tags=["livelihood"]),
    ]
    wf = {"migrant_return": [{"day": 0, "share": 0}, {"day": 10, "share": 1}]}
    cfg = {"priority": ["livelihood"], "service_teams": 1}
    for rep in range(5):
        w = world(
            firms,
            replication=rep,
            days=6,
            workforce=wf,
            reopening={**cfg, "liaison": {"firms_per_team": 1, "speedup": 2}},
        )
        w.run()
        assert list(w.firms.liaison) == [False, True]
        assert w.get(Workforce).away[1] == 0
        assert 5 < w.get(Workforce).away[0] < 35  # 20 expected, sd ~3
    # without a liaison both firms follow the same curve
    w = world(firms, days=6, workforce=wf, reopening=cfg)
    w.run()
    assert w.get(Workforce).away[1] > 0


def test_bus_seats_for_one_firm_do_not_reshuffle_another_firms_return_draws():
    # Common random numbers within the mechanism: on day 1 a chartered bus brings
    # back 100 of the ~140 migrants 'first' still has away; 'second' (later in the
    # file, no seat left for it) must see the same daily return draws with or
    # without that bus.
    firms = [
        firm("first", staff=300, migrant_share=0.5, tags=["livelihood"]),
        firm("second", staff=300, migrant_share=0.5),
    ]
    curve = [{"day": 0, "share": 0}, {"day": 20, "share": 1}]
    away = {}
    for seats in (0, 100):
        wf = {"migrant_return": curve, "chartered_buses": [{"day": 1, "seats": seats}]}
        w = world(firms, days=15, workforce=wf, reopening={"priority": ["livelihood"]})
        series: list[np.ndarray] = []
        w.env.process(_watch(w, series))
        w.run()
        away[seats] = np.array(series)
    assert away[100][1, 0] < away[0][1, 0] - 90  # the bus did bring 'first' back
    np.testing.assert_array_equal(away[100][:, 1], away[0][:, 1])


def _watch(w, series):
    """Record each firm's migrants still away at mid-day."""
    yield w.env.timeout(0.5)
    while True:
        series.append(w.get(Workforce).away.copy())
        yield w.env.timeout(1.0)
