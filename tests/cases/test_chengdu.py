"""Seed 004: the Qingtaishan station funnel, 177 declared, 99 admitted, 83 cleared by 5 May."""

from __future__ import annotations

import numpy as np

from sim.experiment.runner import run_replications
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

REPORTED = {"declared": 177, "admitted": 99, "cleared": 83}


def test_chengdu_funnel_within_15_percent_of_the_article() -> None:
    park = load_scenario(SCENARIOS / "chengdu_transfer_station.yaml")
    sc = park.scenario
    assert sc.start_date is not None and sc.start_date.isoformat() == "2022-04-23"
    day_5_may = 12
    traces = run_replications(park, 20)
    funnel = np.stack([t.funnel[day_5_may, 0, :3] for t in traces])
    mean = funnel.mean(axis=0)
    for k, (name, value) in enumerate(REPORTED.items()):
        assert abs(mean[k] - value) <= 0.15 * value, (name, mean[k], value)
    assert len(park.firms) >= 200
