"""Linyi, 28 Feb 2020: "firms that reopen first are hurt" when their suppliers have not reopened.

The article gives no figure to reproduce, so most of these tests assert its
qualitative claim on common random numbers (same seed, replications paired):
(a) with the priority order as written, the firms allowed first lose output to
missing inputs (`input:<good>` causes), blamed on in-park suppliers that are
not on the list; (b) reopening those suppliers with them, or letting every
ready firm reopen at once, cuts that loss. The directions follow from the
scenario's structure (the list's tags leave the suppliers out; stocks of 4-8
days) and the sizes from its assumptions: demonstrations, not validation
(`test_claim_*`; `test_input_*` checks the scenario itself).

Provenance (docs/cases.md): nothing was calibrated to a Linyi figure (its
preparation time and 2020 return curves are the behavioural set the five cases
share, fitted to the other cases' figures). The one **out-of-sample** figure
comes from another source — Shandong's industry department, 15 Feb 2020: 80.6 %
of Linyi city's above-scale firms had reopened — standing for the zone on the
scenario's assumed day 0 (10 Feb). The run misses it by ~70 points: the assumed
three weeks in which only the priority groups may apply, and a preparation time
(shared, ~6 days) that Linyi's firms evidently did not need, are far slower than
Linyi was. The miss is marked and held to its documented band.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.experiment.runner import run_replications
from sim.metrics import cause_totals, replication_metrics
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

SCENARIO = SCENARIOS / "linyi_priority.yaml"
POLICIES = SCENARIOS / "policies"
OPTIONS = {
    "baseline": [],
    "with_suppliers": [POLICIES / "linyi_with_suppliers.yaml"],
    "ready_first": [POLICIES / "linyi_ready_first.yaml"],
}
N = 12
"""Replications per option (the scenario runs 20)."""
PHASE_1 = slice(0, 21)
"""Days 0-20: in the baseline only firms on the priority white list may operate."""
LINYI_15_FEB = 0.806
"""Shandong, 15 Feb 2020: share of Linyi city's above-scale industrial firms open."""
PROXY_TOLERANCE = 0.10
"""The city's figure stands for the zone's: a wide tolerance."""


def _input_loss(trace, days: slice = slice(None)) -> float:
    """Output lost to missing inputs (every `input:<good>` cause), in baseline-days."""
    cols = [k for k, c in enumerate(trace.causes) if c.startswith("input:")]
    return float(trace.lost_days[days][:, cols].sum())


@pytest.fixture(scope="module")
def runs():
    out = {}
    for name, policies in OPTIONS.items():
        park = load_scenario(SCENARIO, policies)
        traces = run_replications(park, N)
        sustain = park.scenario.reporting.sustain_days
        out[name] = (park, traces, [replication_metrics(t, sustain) for t in traces])
    return out


def _paired(runs, option: str, value) -> np.ndarray:
    """value(option's trace, metrics) − value(baseline's), replication by replication."""
    base, opt = runs["baseline"], runs[option]
    return np.array(
        [
            value(to, mo) - value(tb, mb)
            for tb, mb, to, mo in zip(base[1], base[2], opt[1], opt[2], strict=True)
        ]
    )


def test_input_scenario_dates_and_no_published_figures() -> None:
    sc = load_scenario(SCENARIO).scenario
    assert sc.start_date == dt.date(2020, 2, 10)  # assumed day 0
    article = dt.date(2020, 2, 28)  # the article's publication date
    assert (article - sc.start_date).days == 18
    assert sc.reporting.observations == []  # the article gives no figure


def test_input_the_priority_order_leaves_the_suppliers_of_priority_firms_closed(runs) -> None:
    park = runs["baseline"][0]
    listed = set(park.scenario.reopening.whitelists[0].tags)
    ids = {f.id for f in park.firms}
    early = {f.id for f in park.firms if listed & set(f.tags)}
    suppliers = {s for f in park.firms if f.id in early for i in f.inputs for s in i.sources} & ids
    assert suppliers, "priority firms buy from park firms"
    assert not suppliers & early, "none of those suppliers is on the priority list"


def test_claim_firms_that_reopen_first_lose_output_to_missing_inputs(runs) -> None:
    """(a) Days 0-20 only listed firms run, so every input loss then is theirs."""
    park, traces, _ = runs["baseline"]
    listed = set(park.scenario.reopening.whitelists[0].tags)
    early = np.array([bool(listed & set(f.tags)) for f in park.firms])
    n = len(park.firms)
    shares = []
    for t in traces:
        produced = float(t.capacity[PHASE_1].sum())
        lost = _input_loss(t, PHASE_1)
        assert lost >= 0.5  # baseline-days
        assert lost / (lost + produced) >= 0.1  # of what the early firms could have made
        shares.append(lost / (lost + produced))
        # the goods missing are those of park firms that are not on the list
        blamed = t.cost_by_producer
        assert blamed[:n][~early].sum() >= 0.9 * blamed.sum()
    assert np.mean([_input_loss(t, PHASE_1) for t in traces]) >= 0.8
    assert np.mean(shares) >= 0.2
    assert np.mean([cause_totals(t)["input:parts"] for t in traces]) > 1.0


@pytest.mark.parametrize(
    ("option", "min_input_cut", "min_lost_cut"),
    [("with_suppliers", 4.0, 4.0), ("ready_first", 2.0, 3.0)],
)
def test_claim_reopening_suppliers_with_their_customers_cuts_the_loss(
    runs, option: str, min_input_cut: float, min_lost_cut: float
) -> None:
    """(b) Paired differences option − baseline, in baseline-days."""
    inputs = _paired(runs, option, lambda t, m: _input_loss(t))
    early = _paired(runs, option, lambda t, m: _input_loss(t, PHASE_1))
    lost = _paired(runs, option, lambda t, m: m["lost_output_days"])
    assert inputs.mean() <= -min_input_cut
    assert np.mean(inputs < 0) >= 0.9
    assert early.mean() < 0
    assert np.mean(early < 0) >= 0.8
    assert lost.mean() <= -min_lost_cut
    assert np.mean(lost < 0) >= 0.9


def _above_scale_on_15_feb(runs) -> float:
    park, traces, _ = runs["baseline"]
    d = (dt.date(2020, 2, 15) - park.scenario.start_date).days
    return float(np.mean([t.resumption_above_scale[d] for t in traces]))


@pytest.mark.xfail(
    strict=True,
    reason="documented miss (docs/cases.md): ~11 % of the zone's above-scale firms open on "
    "15 Feb against Linyi city's 80.6 %; the assumed priority-only phase and the shared "
    "preparation time are far too slow for Linyi",
)
def test_out_of_sample_linyi_city_80_percent_on_15_feb(runs) -> None:
    assert abs(_above_scale_on_15_feb(runs) - LINYI_15_FEB) <= PROXY_TOLERANCE


def test_out_of_sample_linyi_15_feb_missed_as_documented(runs) -> None:
    """The miss stays where docs/cases.md says: 60-78 points below the 80.6 %."""
    above = _above_scale_on_15_feb(runs)
    assert LINYI_15_FEB - 0.78 <= above <= LINYI_15_FEB - 0.60, above
