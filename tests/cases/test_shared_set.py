"""One model, five cases: the behavioural parameters the case scenarios share hold one
value in every scenario they apply to (the medians of the joint calibration,
scenarios/calibration/five_cases.yaml; docs/calibration.md#one-model-five-cases).

A value changed in one scenario and not the others would quietly re-tune a case; this
test fails first. Case-specific values (Jinshan's approval pace, Chengdu's passes) are
facts of their place and are not checked here.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

PREPARING = ("changzhou_2020", "jinshan_2022", "kunshan_electronics", "linyi_priority")
"""Cases whose firms prepare and apply to reopen (Chengdu's are open throughout)."""
LIAISED = ("changzhou_2020", "jinshan_2022", "kunshan_electronics")
SPRING_2020 = ("changzhou_2020", "linyi_priority")
"""The two cases of the 2020 Spring Festival: one return curve each for migrants and
locals, by calendar date."""


def scenario(name: str):
    return load_scenario(SCENARIOS / f"{name}.yaml").scenario


def on(points, start: date, when: date) -> float:
    day = (when - start).days
    return float(np.interp(day, [p.day for p in points], [p.share for p in points], left=np.nan))


def test_one_preparation_time_for_every_case_that_reopens() -> None:
    dists = {n: scenario(n).reopening.apply_days.model_dump() for n in PREPARING}
    assert len({repr(d) for d in dists.values()}) == 1, dists
    assert "lognormal" in next(iter(dists.values()))


def test_one_liaison_speed_up() -> None:
    speedups = {n: scenario(n).reopening.liaison.speedup for n in LIAISED}
    assert len(set(speedups.values())) == 1, speedups


@pytest.mark.parametrize(
    "when", [date(2020, 2, 10), date(2020, 2, 24), date(2020, 3, 5), date(2020, 3, 9)]
)
def test_one_2020_return_curve_for_migrants_and_locals_by_date(when: date) -> None:
    migrants, locals_ = {}, {}
    for n in SPRING_2020:
        sc = scenario(n)
        migrants[n] = on(sc.workforce.migrant_return, sc.start_date, when)
        locals_[n] = on(sc.workforce.local_return, sc.start_date, when)
    assert migrants["changzhou_2020"] == pytest.approx(migrants["linyi_priority"]), migrants
    assert locals_["changzhou_2020"] == pytest.approx(locals_["linyi_priority"]), locals_
