"""The synthetic delta region: mutual recognition of white lists shortens the region's
recovery (issue 20's acceptance test).

`scenarios/delta_region.yaml` is three parks (chemicals, electronics, component makers)
whose listed firms buy a critical input from the component makers' park, which stays
under static management longest. With `policies/mutual_recognition.yaml` the component
makers that supply listed firms are listed with the batch and reopen under their own
park's rules. Both options run the same replications with the scenario's seed (common
random numbers) and `sim.comparison` takes the paired difference replication by
replication, with the censored days-to-80 (`sim.comparison`: pairs where only one side
reached 80 % are counted apart). Synthetic and illustrative: a demonstration of the
mechanism, not a validation against a figure.
"""

from __future__ import annotations

import time

import numpy as np

from sim.comparison import compare_traces
from sim.experiment.runner import run_replications
from sim.metrics import DAYS_TO_80, LOST_OUTPUT_DAYS
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

SCENARIO = SCENARIOS / "delta_region.yaml"
RECOGNITION = SCENARIOS / "policies" / "mutual_recognition.yaml"
N = 12
"""Replications per option."""


def test_mutual_recognition_shortens_the_regions_days_to_80_with_a_paired_ci_below_zero():
    started = time.perf_counter()
    base = load_scenario(SCENARIO)
    option = load_scenario(SCENARIO, [RECOGNITION])
    traces = {
        "no_recognition": run_replications(base, N, None, 1),
        "recognition": run_replications(option, N, None, 1),
    }
    rp = base.scenario.reporting
    cmp = compare_traces(traces, rp.sustain_days, rp.relapse_margin)
    row = cmp.row("recognition", DAYS_TO_80)
    # every pair reached 80 %, so the difference is over all N pairs, none censored
    assert (row.n_pairs, row.only_option, row.only_baseline, row.neither) == (N, 0, 0, 0)
    assert row.diff is not None and row.diff_ci95 is not None
    assert row.diff_ci95[1] < 0, row  # faster with recognition: the whole CI below zero
    assert row.significant
    assert row.diff < -5  # by more than a week, in this synthetic region
    lost = cmp.row("recognition", LOST_OUTPUT_DAYS)
    assert lost.diff_ci95 is not None and lost.diff_ci95[1] < 0
    assert time.perf_counter() - started < 20


def test_recognition_lists_the_component_makers_with_the_batches_and_moves_nothing_else():
    base = load_scenario(SCENARIO)
    option = load_scenario(SCENARIO, [RECOGNITION])
    (b,) = run_replications(base, 1, None, 1)
    (o,) = run_replications(option, 1, None, 1)
    # before the first batch (day 3) nothing differs; the batches then list more firms
    np.testing.assert_array_equal(b.output[:3], o.output[:3])
    first = base.scenario.reopening.whitelists[0]
    assert first.suppliers_of_listed and first.parks == ["kunshan"]
    listed = int(first.day) + 1
    resumed_b = b.resumption[listed:]
    resumed_o = o.resumption[listed:]
    assert np.all(resumed_o >= resumed_b - 1e-12)
    assert resumed_o[0] > resumed_b[0]
