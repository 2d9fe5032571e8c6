"""Kunshan (undated): closed-loop plants keep the county producing; relief keeps firms alive.

The article gives no figure to reproduce (no date, count or share), so most of
these tests assert its two qualitative claims on common random numbers: each
option runs replications 0..N-1 with the scenario's seed, and the difference is
taken replication by replication (option − baseline). Their directions follow
from the model's rules and their sizes from the scenario's assumptions (beds,
case rate, cash): they are demonstrations, not validation (`test_claim_*`,
`test_assumption_*`; `test_definition_*` checks a rule that holds by definition).

Provenance (docs/cases.md): nothing was calibrated to a Kunshan figure (its
preparation time and liaison speed-up are the behavioural set the five cases
share, fitted to the other cases' figures). The one **out-of-sample** figure comes
from another source — Suzhou's press conference of 6 May 2022: Kunshan's
above-scale firms had all reopened by 5 May — and is read on the scenario's
*assumed* calendar (day 0 = 1 Apr 2022); the run misses it by ~9 points (strict
xfail), and a test holds the miss to its documented band.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.experiment.runner import run_replications
from sim.metrics import replication_metrics
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

SCENARIO = SCENARIOS / "kunshan_electronics.yaml"
NO_CLOSED_LOOP = SCENARIOS / "policies" / "kunshan_no_closed_loop.yaml"
NO_RELIEF = SCENARIOS / "policies" / "kunshan_no_relief.yaml"
N = 12
"""Replications per option (the scenario runs 20)."""
LOCKDOWN_DAYS = slice(1, 12)
"""Days 1-11: both zones are locked down (zone_b moves to `controlled` on day 12)."""
AFTER_PREPARING = slice(6, 12)
"""Days 6-11: the white-listed plants have mostly prepared and reopened."""
FULLY_RESUMED_BY = dt.date(2022, 5, 5)
"""Suzhou, 6 May 2022: Kunshan's above-scale firms had all reopened by 5 May."""
FULL_BELOW = 0.02
"""How far below "fully" still counts as full (the convention of the Changzhou case)."""


@pytest.fixture(scope="module")
def runs():
    """Parks, traces and per-replication metrics of the baseline and both counterfactuals."""
    out = {}
    for name, policies in (
        ("baseline", []),
        ("no_closed_loop", [NO_CLOSED_LOOP]),
        ("no_relief", [NO_RELIEF]),
    ):
        park = load_scenario(SCENARIO, policies)
        traces = run_replications(park, N)
        sustain = park.scenario.reporting.sustain_days
        out[name] = (park, traces, [replication_metrics(t, sustain) for t in traces])
    return out


def _paired(runs, option: str, metric: str) -> np.ndarray:
    """Option − baseline, per replication where both have a value."""
    base, opt = runs["baseline"][2], runs[option][2]
    return np.array(
        [
            o[metric] - b[metric]
            for b, o in zip(base, opt, strict=True)
            if o[metric] is not None and b[metric] is not None
        ],
        dtype=float,
    )


def test_input_scenario_dates_and_no_published_figures() -> None:
    park = load_scenario(SCENARIO)
    sc = park.scenario
    assert sc.start_date == dt.date(2022, 4, 1)  # assumed: the article is undated
    assert sc.reporting.observations == []  # the article gives no figure
    assert len(park.firms) == 116


def test_input_counterfactuals_change_only_their_lever(runs) -> None:
    base = runs["baseline"][0].firms
    no_loop = runs["no_closed_loop"][0].firms
    no_relief = runs["no_relief"][0]
    assert any(f.closed_loop for f in base)
    assert not any(f.closed_loop for f in no_loop)
    # same firms, sizes, links and cash: only the closed-loop flag differs
    assert [f.model_copy(update={"closed_loop": False}) for f in base] == list(no_loop)
    assert no_relief.firms == base
    assert no_relief.scenario.finance.relief.measures == []


def test_assumption_closed_loop_plants_produce_during_lockdown(runs) -> None:
    """Under lockdown white-listed closed-loop plants run, limited by the staff their
    beds and buses hold: how much they make follows from those assumed shares. They
    first prepare (the preparation time shared by the five cases, median ~6 days), so
    the check is on the second half of the lockdown, days 6-11."""
    for t in runs["baseline"][1]:
        assert t.capacity[AFTER_PREPARING].mean() >= 0.1


def test_definition_without_closed_loop_nothing_runs_under_lockdown(runs) -> None:
    """Zero by the lockdown level's definition (`closed_loop_only`): a check of the
    rule and of the overlay, not a finding."""
    for t in runs["no_closed_loop"][1]:
        assert np.all(t.capacity[LOCKDOWN_DAYS] == 0.0)


def test_claim_closed_loop_loses_less_output_and_recovers_sooner(runs) -> None:
    lost = _paired(runs, "no_closed_loop", "lost_output_days")
    assert len(lost) == N
    assert lost.mean() >= 10.0  # baseline-days: half a month of the county's output
    assert np.mean(lost > 0) >= 0.9
    days = _paired(runs, "no_closed_loop", "days_to_80")
    reached_base = sum(m["days_to_80"] is not None for m in runs["baseline"][2])
    reached_opt = sum(m["days_to_80"] is not None for m in runs["no_closed_loop"][2])
    assert reached_opt <= reached_base
    assert len(days) >= N // 2
    assert days.mean() >= 5.0
    assert np.mean(days > 0) >= 0.75


def test_claim_relief_package_reduces_failures(runs) -> None:
    failed = _paired(runs, "no_relief", "failed_firms")
    assert len(failed) == N
    assert failed.mean() >= 4.0  # firms, out of 116
    assert np.all(failed >= 0)
    assert np.mean(failed > 0) >= 0.9
    spent = [m["relief_spent"] for m in runs["baseline"][2]]
    assert min(spent) > 0
    assert all(m["relief_spent"] == 0 for m in runs["no_relief"][2])
    assert _paired(runs, "no_relief", "lost_output_days").mean() > 0


def _above_scale_on_5_may(runs) -> float:
    park, traces, _ = runs["baseline"]
    d = (FULLY_RESUMED_BY - park.scenario.start_date).days
    return float(np.mean([t.resumption_above_scale[d] for t in traces]))


@pytest.mark.xfail(
    strict=True,
    reason="documented miss (docs/cases.md): ~91 % of the 48 above-scale firms operate on "
    "5 May (assumed calendar) against 'fully resumed': the shared preparation time and the "
    "6 review teams leave the sealed zone's firms behind",
)
def test_out_of_sample_kunshan_fully_resumed_by_5_may(runs) -> None:
    assert _above_scale_on_5_may(runs) >= 1.0 - FULL_BELOW


def test_out_of_sample_kunshan_fully_resumed_by_5_may_missed_as_documented(runs) -> None:
    """Above-scale resumption on 5 May (on the assumed calendar) against "fully
    resumed": the run has ~91 %, four or five of its 48 above-scale firms not yet
    operating (the sealed zone's firms still in preparation or review, zones locked
    down again after cases). The miss, held where docs/cases.md says: 85-96 %."""
    above = _above_scale_on_5_may(runs)
    assert 0.85 <= above <= 0.96, above
