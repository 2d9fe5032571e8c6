"""Staff on post: migrant return and quarantine, housing under lockdown, buses, crews."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.workforce import ONSITE_PARTS, RETURNING_PARTS, Workforce, return_share
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


# --- locals come back gradually (issue 15.3) --------------------------------------------


def returning(tr, part: str) -> np.ndarray:
    return tr.series["returning"].values[:, RETURNING_PARTS.index(part)]


def onsite(tr, part: str) -> np.ndarray:
    return tr.series["onsite_capacity"].values[:, ONSITE_PARTS.index(part)]


def test_a_local_return_curve_delays_staff_on_post_and_output():
    # 100 locals, commuting allowed; a share 0.2 can come on day 0, rising linearly to
    # 0.6 on day 4 and staying there: 20, 30, 40, 50, 60, 60 on post, output alike,
    # all of the loss blamed on labour.
    wf = {"local_return": [{"day": 0, "share": 0.2}, {"day": 4, "share": 0.6}]}
    tr = trace([firm("a", staff=100)], days=6, workforce=wf)
    np.testing.assert_allclose(tr.capacity, [0.2, 0.3, 0.4, 0.5, 0.6, 0.6], rtol=0, atol=1e-15)
    assert np.all(only_cause(tr, "labour"))
    np.testing.assert_array_equal(column(tr, "on_post"), [20, 30, 40, 50, 60, 60])
    np.testing.assert_array_equal(column(tr, "local_on_post"), [20, 30, 40, 50, 60, 60])
    np.testing.assert_array_equal(returning(tr, "locals_away"), [80, 70, 60, 50, 40, 40])
    check_invariants(tr)


def test_nobody_local_comes_before_the_first_point_and_migrants_are_not_held_by_it():
    # Locals: none before day 2, all from day 2. The 40 migrants are all back on day 0
    # (no quarantine): the firm runs at 0.4 on days 0 and 1, then at 1.
    wf = {"local_return": [{"day": 2, "share": 1}]}
    tr = trace([firm("a", staff=100, migrant_share=0.4)], days=4, workforce=wf)
    np.testing.assert_array_equal(tr.capacity, [0.4, 0.4, 1, 1])
    np.testing.assert_array_equal(column(tr, "migrant_on_post"), 40)


def test_without_a_local_curve_every_local_is_there_from_day_0():
    # The default, and a curve of one point (day 0, share 1), give the same run.
    firms = [firm("a", staff=100, migrant_share=0.4), firm("b", staff=30, migrant_share=0.1)]
    wf = {"migrant_return": [{"day": 0, "share": 0}, {"day": 6, "share": 1}]}
    a = trace(firms, days=8, workforce=wf)
    b = trace(firms, days=8, workforce={**wf, "local_return": [{"day": 0, "share": 1}]})
    assert a.series == b.series
    np.testing.assert_array_equal(returning(a, "locals_away"), 0)


def test_a_firm_open_from_the_start_keeps_its_locals():
    wf = {"local_return": [{"day": 5, "share": 1}]}
    tr = trace([firm("a", staff=100, initially_open=True)], days=3, workforce=wf)
    np.testing.assert_array_equal(tr.capacity, 1.0)


def test_locals_under_lockdown_are_housed_only_once_they_can_come():
    # No commuting; 50 dorm beds for 100 locals, but only 30 can come on day 0, 60
    # from day 3 (linear in between: 40, 50): on post min(back, 50).
    wf = {"local_return": [{"day": 0, "share": 0.3}, {"day": 3, "share": 0.6}]}
    tr = trace(
        [firm("a", staff=100, dorm_beds=50)],
        level="closed",
        control_levels=NO_COMMUTING,
        days=5,
        workforce=wf,
    )
    np.testing.assert_array_equal(column(tr, "on_post"), [30, 40, 50, 50, 50])


CLASSES = {"big": {}, "small": {}}
"""Two firm classes (no defaults needed: the firms are listed)."""


def test_a_class_has_its_own_local_return_curve():
    # Park-wide: every local from day 0 (no curve). Class `small`: a tenth a day from
    # day 0 (0.1 on day 0 ... 0.5 on day 4). A listed firm without a class, and one of
    # class `big`, follow the park-wide rule.
    firms = [
        firm("s", staff=100, **{"class": "small"}),
        firm("b", staff=100, **{"class": "big"}),
        firm("none", staff=100),
    ]
    wf = {
        "classes": {"small": {"local_return": [{"day": 0, "share": 0.1}, {"day": 9, "share": 1}]}}
    }
    tr = trace(firms, days=5, workforce=wf, firm_classes=CLASSES)
    np.testing.assert_allclose(
        tr.capacity, (np.array([0.1, 0.2, 0.3, 0.4, 0.5]) + 2) / 3, rtol=0, atol=1e-15
    )
    np.testing.assert_array_equal(returning(tr, "locals_away"), [90, 80, 70, 60, 50])


# --- migrants leave when their origin lets them (issue 15.3) ----------------------------


REGIONS = [
    {"id": "park", "timeline": [{"day": 0, "level": "normal"}]},
    {"id": "out"},
    {"id": "home", "timeline": [{"day": 0, "level": "lockdown"}, {"day": 5, "level": "normal"}]},
]
"""The park at `normal`; region `home` in lockdown on days 0–4, normal from day 5."""


def test_an_origin_in_lockdown_holds_its_migrants_until_its_level_lifts():
    # 100 staff, 50 migrants: 30 (share 0.6) from `home`, 20 along the curve, all back
    # on day 0. Quarantine 3 days. The 20 are on post from day 3. `home` lets people
    # leave from day 5 (lockdown forbids commuting, hence departures): the 30 set off
    # on day 5, are on the road days 5–6, arrive on day 7, quarantine days 7–9 and are
    # on post from day 10.
    wf = {
        "quarantine_days": 3,
        "migrant_return": [{"day": 0, "share": 1}],
        "origins": [{"region": "home", "share": 0.6, "travel_days": 2}],
    }
    tr = trace([firm("a", staff=100, migrant_share=0.5)], days=12, regions=REGIONS, workforce=wf)
    np.testing.assert_allclose(tr.capacity, [0.5] * 3 + [0.7] * 7 + [1.0] * 2, rtol=0, atol=1e-15)
    assert np.all(only_cause(tr, "labour")[:10])
    np.testing.assert_array_equal(returning(tr, "migrants_at_origin"), [30] * 5 + [0] * 7)
    np.testing.assert_array_equal(
        returning(tr, "migrants_travelling"), [0] * 5 + [30] * 2 + [0] * 5
    )
    np.testing.assert_array_equal(
        column(tr, "quarantined"), [20] * 3 + [0] * 4 + [30] * 3 + [0] * 2
    )
    np.testing.assert_array_equal(column(tr, "away"), [30] * 7 + [0] * 5)
    check_invariants(tr)


def test_an_origin_that_is_open_lets_its_migrants_go_at_once():
    # `home` at normal throughout: the 30 set off on day 0, travel 1 day, no
    # quarantine: on post from day 1.
    regions = [REGIONS[0], REGIONS[1], {"id": "home"}]
    wf = {"origins": [{"region": "home", "share": 0.6}], "migrant_return": NOBODY_RETURNS}
    tr = trace([firm("a", staff=100, migrant_share=0.5)], days=3, regions=regions, workforce=wf)
    np.testing.assert_allclose(tr.capacity, [0.5, 0.8, 0.8], rtol=0, atol=1e-15)


def test_migrants_leave_over_days_and_a_new_lockdown_holds_the_rest():
    # `home`: lockdown days 0–4, normal day 5, lockdown days 6–7, normal from day 8.
    # 30 migrants from home leave over 3 days of departures: 10 on day 5, none on days
    # 6–7, 10 on day 8, 10 on day 9. No travel, no quarantine: on post the day they leave.
    timeline = [
        {"day": 0, "level": "lockdown"},
        {"day": 5, "level": "normal"},
        {"day": 6, "level": "lockdown"},
        {"day": 8, "level": "normal"},
    ]
    regions = [REGIONS[0], REGIONS[1], {"id": "home", "timeline": timeline}]
    wf = {
        "origins": [{"region": "home", "share": 1, "travel_days": 0, "leave_over_days": 3}],
        "migrant_return": NOBODY_RETURNS,
    }
    tr = trace([firm("a", staff=100, migrant_share=0.3)], days=11, regions=regions, workforce=wf)
    np.testing.assert_array_equal(column(tr, "migrant_on_post"), [0] * 5 + [10] * 3 + [20, 30, 30])


def test_a_level_may_let_people_leave_although_they_may_not_commute():
    # `home` is at `sealed`: no commuting, but departures allowed.
    levels = {
        "normal": {"operate": "all", "review": False},
        "sealed": {"operate": "all", "review": False, "commuting": False, "departures": True},
    }
    regions = [
        {"id": "park", "timeline": [{"day": 0, "level": "normal"}]},
        {"id": "out"},
        {"id": "home", "timeline": [{"day": 0, "level": "sealed"}]},
    ]
    wf = {
        "origins": [{"region": "home", "share": 1, "travel_days": 0}],
        "migrant_return": NOBODY_RETURNS,
    }
    tr = trace(
        [firm("a", staff=10, migrant_share=1)],
        days=2,
        regions=regions,
        control_levels=levels,
        workforce=wf,
    )
    np.testing.assert_array_equal(tr.capacity, 1.0)
    no = {**levels, "sealed": {**levels["sealed"], "departures": False}}
    tr = trace(
        [firm("a", staff=10, migrant_share=1)],
        days=2,
        regions=regions,
        control_levels=no,
        workforce=wf,
    )
    np.testing.assert_array_equal(tr.capacity, 0.0)


def test_shares_of_several_origins_split_each_firms_migrants_and_the_rest_follow_the_curve():
    # 50 migrants: 0.3 → 15 from `home` (locked until day 5), 0.5 → 25 from `far`
    # (open, 2 days on the road), the other 10 back along the curve on day 0.
    regions = [*REGIONS, {"id": "far"}]
    wf = {
        "migrant_return": [{"day": 0, "share": 1}],
        "origins": [
            {"region": "home", "share": 0.3, "travel_days": 0},
            {"region": "far", "share": 0.5, "travel_days": 2},
        ],
    }
    w = world([firm("a", staff=100, migrant_share=0.5)], days=7, regions=regions, workforce=wf)
    np.testing.assert_array_equal(w.get(Workforce).origin_count, [[15], [25]])
    tr = w.run()
    np.testing.assert_array_equal(column(tr, "migrant_on_post"), [10, 10, 35, 35, 35, 50, 50])


def test_a_chartered_bus_fetches_origin_migrants_only_where_they_may_leave():
    # All 40 migrants come from `home` (locked until day 5). A bus of 25 seats on day 2
    # finds nobody it may take; a bus of 25 on day 5 takes 25 of them (they arrive that
    # day, no travel); the other 15 set off on day 5 and travel 2 days.
    wf = {
        "origins": [{"region": "home", "share": 1, "travel_days": 2}],
        "migrant_return": NOBODY_RETURNS,
        "chartered_buses": [{"day": 2, "seats": 25}, {"day": 5, "seats": 25}],
    }
    tr = trace([firm("a", staff=100, migrant_share=0.4)], days=8, regions=REGIONS, workforce=wf)
    np.testing.assert_array_equal(column(tr, "migrant_on_post"), [0] * 5 + [25, 25, 40])
    np.testing.assert_array_equal(returning(tr, "migrants_travelling"), [0] * 5 + [15, 15, 0])


def test_a_class_may_have_its_own_origins():
    # Class `small` draws every migrant from `home` (locked until day 5); the other
    # firm's migrants follow the curve (all back on day 0).
    firms = [
        firm("s", staff=10, migrant_share=1, **{"class": "small"}),
        firm("b", staff=10, migrant_share=1, **{"class": "big"}),
    ]
    wf = {
        "migrant_return": [{"day": 0, "share": 1}],
        "classes": {"small": {"origins": [{"region": "home", "share": 1, "travel_days": 0}]}},
    }
    tr = trace(firms, days=7, regions=REGIONS, workforce=wf, firm_classes=CLASSES)
    np.testing.assert_array_equal(tr.capacity, [0.5] * 5 + [1.0] * 2)


# --- on-site housing grows (issue 15.4) --------------------------------------------------


def test_housing_grows_day_by_day_up_to_its_ceiling():
    # No commuting, firms run without review. 100 locals, 10 dorm beds; a tenth of the
    # staff more each day from day 0 (allowed at once), up to half the staff in all:
    # beds 20, 30, 40, 50, 50 → output 0.2 ... 0.5, lost to labour. Without growth: 0.1.
    f = firm("a", staff=100, dorm_beds=10, closed_loop=True)
    wf = {"housing": {"growth_per_day": 0.1, "ceiling_share": 0.5}}
    kw = {"level": "closed", "control_levels": NO_COMMUTING, "days": 5}
    tr = trace([f], workforce=wf, **kw)
    np.testing.assert_allclose(tr.capacity, [0.2, 0.3, 0.4, 0.5, 0.5], rtol=0, atol=1e-15)
    assert np.all(only_cause(tr, "labour"))
    np.testing.assert_array_equal(onsite(tr, "added_beds"), [10, 20, 30, 40, 40])
    np.testing.assert_array_equal(onsite(tr, "dorm_beds"), 10)
    check_invariants(tr)
    np.testing.assert_allclose(trace([f], **kw).capacity, 0.1, rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    "starts, want",
    [("allowed", [0, 0, 0.4, 0.5, 0.6, 1, 1]), ("open", [0, 0, 0.3, 0.4, 0.5, 1, 1])],
)
def test_housing_starts_when_a_firm_is_allowed_or_when_it_opens(starts, want):
    # Lockdown (closed-loop only, no commuting) until day 5. `a` (closed-loop, 20 dorm
    # beds for 100 staff) is white-listed on day 1 and reviewed [1, 2): it runs from
    # day 2. Adding a tenth of its staff a day from day 1 (allowed) it houses 40, 50,
    # 60 on days 2–4; from day 2 (open) 30, 40, 50. From day 5 locals commute.
    timeline = [{"day": 0, "level": "lockdown"}, {"day": 5, "level": "controlled"}]
    f = firm("a", staff=100, dorm_beds=20, closed_loop=True)
    tr = trace(
        [f],
        level=timeline,
        days=7,
        reopening={"whitelists": [{"day": 1, "firms": ["a"]}], "review_days": 1},
        workforce={"housing": {"growth_per_day": 0.1, "starts": starts}},
    )
    np.testing.assert_allclose(tr.capacity, want, rtol=0, atol=1e-15)
    assert np.all(only_cause(tr, "labour")[2:5])


def test_housing_does_not_grow_where_locals_commute_or_a_firm_is_not_allowed():
    # Under `controlled` (commuting) nothing is added; under lockdown a firm that is
    # not white-listed is not allowed and adds nothing either.
    wf = {"housing": {"growth_per_day": 0.5}}
    tr = trace([firm("a", staff=100)], level="controlled", days=3, workforce=wf)
    np.testing.assert_array_equal(onsite(tr, "added_beds"), 0)
    tr = trace([firm("a", staff=100, closed_loop=True)], level="lockdown", days=3, workforce=wf)
    np.testing.assert_array_equal(onsite(tr, "added_beds"), 0)


def test_a_firm_with_more_dorm_beds_than_the_ceiling_adds_none():
    wf = {"housing": {"growth_per_day": 0.1, "ceiling_share": 0.3}}
    tr = trace(
        [firm("a", staff=100, dorm_beds=40)],
        level="closed",
        control_levels=NO_COMMUTING,
        days=3,
        workforce=wf,
    )
    np.testing.assert_array_equal(onsite(tr, "added_beds"), 0)
    np.testing.assert_allclose(tr.capacity, 0.4, rtol=0, atol=1e-15)


def test_a_class_has_its_own_housing_growth():
    # `big` adds a fifth of its staff a day up to all of it; `small` (park-wide rule)
    # a tenth a day up to half.
    firms = [
        firm("b", staff=100, **{"class": "big"}),
        firm("s", staff=100, **{"class": "small"}),
    ]
    wf = {
        "housing": {"growth_per_day": 0.1, "ceiling_share": 0.5},
        "classes": {"big": {"housing": {"growth_per_day": 0.2}}},
    }
    tr = trace(
        firms,
        level="closed",
        control_levels=NO_COMMUTING,
        days=6,
        workforce=wf,
        firm_classes=CLASSES,
    )
    big = np.array([0.2, 0.4, 0.6, 0.8, 1.0, 1.0])
    small = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.5])
    np.testing.assert_allclose(tr.capacity, (big + small) / 2, rtol=0, atol=1e-15)


def test_hotel_beds_add_to_the_shared_beds_by_priority_while_they_are_rented():
    # No commuting. `first` (priority) has 80 dorm beds for 100 staff, `second` none;
    # 10 employee-station beds; 30 hotel beds rented from day 2 to day 3 (0 from day 4).
    # Days 0–1: first takes the 10 station beds (90 on post), second none → (0.9 + 0) / 2.
    # Days 2–3: 40 shared beds: first 20 (full), second 20 → (1.0 + 0.2) / 2.
    firms = [
        firm("second", staff=100),
        firm("first", staff=100, dorm_beds=80, tags=["livelihood"]),
    ]
    wf = {
        "employee_station_beds": 10,
        "hotel_beds": [{"day": 2, "beds": 30}, {"day": 4, "beds": 0}],
    }
    tr = trace(
        firms,
        level="closed",
        control_levels=NO_COMMUTING,
        days=6,
        workforce=wf,
        reopening={"priority": ["livelihood"]},
    )
    np.testing.assert_allclose(tr.capacity, [0.45, 0.45, 0.6, 0.6, 0.45, 0.45], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(onsite(tr, "shared_beds"), [10, 10, 40, 40, 10, 10])
    np.testing.assert_array_equal(onsite(tr, "shared_beds_taken"), [10, 10, 40, 40, 10, 10])


def test_hotel_beds_and_growing_housing_add_up():
    # 100 locals, no dorm beds; the firm adds 10 beds a day up to 30; 15 hotel beds
    # from day 1: on post 10, 35, 45, 45.
    wf = {
        "housing": {"growth_per_day": 0.1, "ceiling_share": 0.3},
        "hotel_beds": [{"day": 1, "beds": 15}],
    }
    tr = trace(
        [firm("a", staff=100)], level="closed", control_levels=NO_COMMUTING, days=4, workforce=wf
    )
    np.testing.assert_array_equal(column(tr, "on_post"), [10, 35, 45, 45])


def test_a_liaison_speeds_up_the_departures_of_its_firms_migrants():
    # 40 migrants each from `home` (open), leaving over 4 days of departures, no travel:
    # the plain firm's on post 10, 20, 30, 40; the liaised one's (speedup 2) 20, 40.
    regions = [REGIONS[0], REGIONS[1], {"id": "home"}]
    firms = [
        firm("plain", staff=40, migrant_share=1),
        firm("liaised", staff=40, migrant_share=1, tags=["livelihood"]),
    ]
    wf = {
        "migrant_return": NOBODY_RETURNS,
        "origins": [{"region": "home", "share": 1, "travel_days": 0, "leave_over_days": 4}],
    }
    reopening = {
        "priority": ["livelihood"],
        "service_teams": 1,
        "liaison": {"firms_per_team": 1, "speedup": 2},
    }
    w = world(firms, days=4, regions=regions, workforce=wf, reopening=reopening)
    assert list(w.firms.liaison) == [False, True]
    tr = w.run()
    np.testing.assert_array_equal(column(tr, "migrant_on_post"), [30, 60, 70, 80])
