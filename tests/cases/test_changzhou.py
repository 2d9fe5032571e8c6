"""Changzhou, 29 Feb 2020: above-scale resumption 97.6 % and 608k workers back on 24 Feb.

The scenario is run once (5 replications, only the days up to 28 Feb) and every
figure is checked on the mean over replications. The days are computed from the
scenario's `start_date`, so moving day 0 moves the checks with it.

Provenance (docs/cases.md, the scenario's header): the figures of 24 Feb are
**calibrated** — jointly with the other cases, by the behavioural set they share
(preparation time, the 2020 return curves of migrants and locals) — or
**derived**; agreement with them is by construction. The **out-of-sample**
figures set nothing: the article's foreign-invested rate, and the Jiangsu
industry department's figures of 28 Feb (交汇点, 29 Feb 2020) — Changzhou's
above-scale resumption at 100 % (met), and, as proxies for Changzhou, the
province's 73 % of staff back on 28 Feb (met) and 26 % on 10 Feb (missed: the
miss is documented and held to a stated band).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from sim.model.workforce import Workforce
from sim.model.world import World
from sim.record import WORKFORCE_PARTS
from sim.scenario.load import load_scenario
from tests.cases._dates import day_indices
from tests.conftest import SCENARIOS

REPLICATIONS = 5
REPORTED_ABOVE_SCALE = 0.976  # 24 Feb, 12:00
TOLERANCE = 0.03
FIRMS_REOPENED = 14_366
ABOVE_SCALE_REOPENED = 4_378
STAFF_ON_POST = 608_000
FROM_OTHER_PROVINCES = 107_000
# out-of-sample
REPORTED_FOREIGN_ABOVE_SCALE = 0.98  # "over 98 %", so far in the 29 Feb article
CHANGZHOU_28_FEB = 1.0  # Jiangsu, 29 Feb 2020: Changzhou's above-scale 复工面 100 % on 28 Feb
FULL_BELOW = 0.02
"""How far below a "100 %" or "over 98 %" the run may be (rounding of the reports)."""
JIANGSU_10_FEB = 0.26  # Jiangsu: 99 % on 28 Feb, "73 points up on 10 Feb"
JIANGSU_STAFF_28_FEB = 0.73  # Jiangsu: 73 % of above-scale firms' staff back on 28 Feb
PROXY_TOLERANCE = {"10 Feb": 0.05, "staff": 0.10}
"""A province's figure stands for the city's: wider tolerances than for the city's own."""


@pytest.fixture(scope="module")
def changzhou():
    """Day indices of the reported dates, the traces, and, on 28 Feb, the
    foreign-invested above-scale resumption and the above-scale firms' staff on post."""
    park = load_scenario(SCENARIOS / "changzhou_2020.yaml")
    days = day_indices(
        park,
        date(2020, 1, 25),
        gate=date(2020, 2, 10),
        week_before=date(2020, 2, 17),
        reported=date(2020, 2, 24),
        feb_28=date(2020, 2, 28),
    )
    traces, foreign, above_staff = [], [], []
    for r in range(REPLICATIONS):
        world = World(park, r, days["feb_28"] + 1)
        traces.append(world.run())
        # The Trace has no resumption by tag nor staff by class: read the last day run.
        firms = world.firms
        fdi = np.array(["foreign_invested" in tags for tags in firms.tags]) & firms.above_scale
        foreign.append(world.operating[fdi].mean())
        on_post = world.get(Workforce).on_post
        above_staff.append(on_post[firms.above_scale].sum() / firms.staff[firms.above_scale].sum())
    return park, days, traces, np.array(foreign), np.array(above_staff)


def mean_of(traces, field: str) -> np.ndarray:
    return np.mean([getattr(t, field) for t in traces], axis=0)


# -- inputs and derived figures: checks of the scenario, not of the model -------------


def test_input_the_above_scale_count_is_derived_from_the_article(changzhou) -> None:
    """4,486 above-scale firms = 4,378 reopened ÷ 97.6 %: the count of 4,378 follows."""
    park, days, traces, *_ = changzhou
    assert traces[0].n_above_scale == round(ABOVE_SCALE_REOPENED / REPORTED_ABOVE_SCALE)
    # the scenario states the same figure for the plot
    obs = [o for o in park.scenario.reporting.observations if o.metric == "resumption_above_scale"]
    assert [(o.day, o.value, o.tolerance) for o in obs] == [
        (days["reported"], REPORTED_ABOVE_SCALE, TOLERANCE)
    ]


# -- calibrated: one parameter was fitted to each --------------------------------------


def test_calibrated_above_scale_resumption_on_24_feb_within_3_points(changzhou) -> None:
    """Fitted jointly: the preparation median shared by the five cases."""
    _, days, traces, *_ = changzhou
    above = mean_of(traces, "resumption_above_scale")[days["reported"]]
    assert abs(above - REPORTED_ABOVE_SCALE) <= TOLERANCE, above


def test_calibrated_firms_and_workers_back_on_24_feb(changzhou) -> None:
    """Fitted jointly: the shared preparation median (14,366; the number of smaller firms
    was set from it before), the share of locals able to work by 10 Feb (608k; the staff
    sizes are an input) and of migrants back by 10 Feb (107k), both shared with Linyi."""
    _, days, traces, *_ = changzhou
    d = days["reported"]
    reopened = np.mean([t.resumption[d] * t.n_firms for t in traces])
    assert abs(reopened - FIRMS_REOPENED) <= 0.05 * FIRMS_REOPENED, reopened
    workforce = mean_of(traces, "workforce")[d]
    on_post = workforce[WORKFORCE_PARTS.index("on_post")]
    migrants = workforce[WORKFORCE_PARTS.index("migrant_on_post")]
    assert abs(on_post - STAFF_ON_POST) <= 0.10 * STAFF_ON_POST, on_post
    assert abs(migrants - FROM_OTHER_PROVINCES) <= 0.15 * FROM_OTHER_PROVINCES, migrants


def test_shape_the_curve_rises_over_the_two_weeks_before(changzhou) -> None:
    """No reported figure: well short of 97.6 % a week before, never falling."""
    _, days, traces, *_ = changzhou
    above = mean_of(traces, "resumption_above_scale")
    assert above[days["week_before"]] <= REPORTED_ABOVE_SCALE - 0.10, above[days["week_before"]]
    assert np.all(np.diff(above[days["gate"] :]) >= -1e-9)


# -- out-of-sample: used to set nothing -------------------------------------------------


def test_out_of_sample_foreign_invested_above_scale_over_98_percent_by_28_feb(changzhou) -> None:
    *_, foreign, _ = changzhou
    assert foreign.mean() >= REPORTED_FOREIGN_ABOVE_SCALE - FULL_BELOW, foreign


def test_out_of_sample_changzhou_above_scale_at_100_percent_on_28_feb(changzhou) -> None:
    _, days, traces, *_ = changzhou
    above = mean_of(traces, "resumption_above_scale")[days["feb_28"]]
    assert above >= CHANGZHOU_28_FEB - FULL_BELOW, above


@pytest.mark.xfail(
    strict=True,
    reason="documented miss (docs/cases.md): the run has ~20.5 % of above-scale firms open "
    "on 10 Feb against Jiangsu's 26 %; only essential firms may run before then",
)
def test_out_of_sample_jiangsu_26_percent_on_10_feb(changzhou) -> None:
    _, days, traces, *_ = changzhou
    above = mean_of(traces, "resumption_above_scale")[days["gate"]]
    assert abs(above - JIANGSU_10_FEB) <= PROXY_TOLERANCE["10 Feb"], above


def test_out_of_sample_jiangsu_10_feb_missed_as_documented(changzhou) -> None:
    """The miss stays where docs/cases.md says: 1-11 points below the 26 %."""
    _, days, traces, *_ = changzhou
    above = mean_of(traces, "resumption_above_scale")[days["gate"]]
    assert JIANGSU_10_FEB - 0.11 <= above <= JIANGSU_10_FEB - 0.01, above


def test_out_of_sample_jiangsu_73_percent_of_staff_on_28_feb(changzhou) -> None:
    """Met since locals come back gradually too (`local_return`, its 10 Feb share fitted
    jointly to the 608k on post of 24 Feb, with the staff sizes an input): ~78 %
    against Jiangsu's 73 %. It used to be missed by 16 points, when every local was on
    post the day the firm opened."""
    *_, above_staff = changzhou
    assert abs(above_staff.mean() - JIANGSU_STAFF_28_FEB) <= PROXY_TOLERANCE["staff"], above_staff
