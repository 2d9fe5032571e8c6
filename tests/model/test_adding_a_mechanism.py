"""docs/development.md, "Adding a mechanism", run for real: utility rationing
(`tests/model/utility_rationing.py`, shown verbatim in the doc) plugged in through
the protocol alone, down to its cause in a results folder's causes.csv.

The test adds the schema section by validating with a subclass of `Scenario` (a real
mechanism adds the same field to `schema.Scenario`) and the tuple entry by building
the World with an extended tuple (a real mechanism adds it to `world.MECHANISMS`).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest

from sim.model.state import BASE_CAUSES
from sim.model.world import MECHANISMS, World, run
from sim.output.results import write_run
from sim.scenario.expand import Park, expand
from tests.model import utility_rationing
from tests.model._park import firm, scenario
from tests.model.utility_rationing import UtilityRationing, UtilityScenario

DOC = Path(__file__).resolve().parents[2] / "docs" / "development.md"
WITH_UTILITY = (*MECHANISMS, UtilityRationing)
"""The shipped tuple plus one entry: what `world.MECHANISMS` would become."""


def rationed_park() -> Park:
    # a (baseline 1) and b (3) in zone `park`, c (1) outside; power in `park` rationed
    # to 60 % on days 2 and 3 (the 2.5 of the file means from day 3 on: days 2, 3)
    firms = [
        firm("a", initially_open=True),
        firm("b", baseline_output=3.0, initially_open=True),
        firm("c", region="out", initially_open=True),
    ]
    utility = {"days": [2, 2.5], "share": 0.6, "regions": ["park"]}
    return expand(scenario(firms, days=6, schema=UtilityScenario, utility=utility), None)


def test_the_doc_shows_the_example_module_verbatim():
    doc = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", doc, flags=re.S)
    module = Path(utility_rationing.__file__).read_text(encoding="utf-8")
    assert module in blocks, "copy tests/model/utility_rationing.py into the doc"


def test_the_cause_of_a_new_mechanism_reaches_causes_csv(tmp_path: Path):
    park = rationed_park()
    traces = [World(park, r, mechanisms=WITH_UTILITY).run() for r in range(2)]
    for tr in traces:
        assert tr.causes == (*BASE_CAUSES, "utility")
        np.testing.assert_allclose(tr.capacity, [1, 1, 0.68, 0.68, 1, 1])
        np.testing.assert_allclose(tr.lost_days[:, -1], [0, 0, 0.32, 0.32, 0, 0])
        np.testing.assert_array_equal(tr.series["rationed_firms"].values, [0, 0, 2, 2, 0, 0])
        assert tr.series["rationed_firms"].group == "utility"
    out = write_run(
        tmp_path / "run",
        park,
        traces,
        scenario_file=None,
        started=dt.datetime.now(dt.UTC),
        executor="serial",
        plots=False,
    )
    with (out / "causes.csv").open(encoding="utf-8-sig") as f:  # a byte-order mark first
        rows = [r for r in csv.DictReader(f) if r["cause"] == "utility"]
    assert [(r["day"], r["replication"]) for r in rows] == [
        (str(d), str(r)) for r in range(2) for d in range(6)
    ]
    lost = [float(r["lost_output"]) for r in rows]
    assert lost == pytest.approx([0, 0, 0.32, 0.32, 0, 0] * 2, abs=1e-12)


def test_the_series_of_a_new_mechanism_reaches_timeseries_csv(tmp_path: Path):
    # Declared, not listed anywhere: `rationed_firms` is written after every series of
    # the shipped mechanisms, each day, under its own name and the group `park`.
    park = rationed_park()
    traces = [World(park, r, mechanisms=WITH_UTILITY).run() for r in range(2)]
    out = write_run(
        tmp_path / "run",
        park,
        traces,
        scenario_file=None,
        started=dt.datetime.now(dt.UTC),
        executor="serial",
        plots=False,
    )
    with (out / "timeseries.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    mine = [r for r in rows if r["metric"] == "rationed_firms"]
    assert [(r["day"], r["replication"], r["group"]) for r in mine] == [
        (str(d), str(r), "park") for r in range(2) for d in range(6)
    ]
    assert [r["value"] for r in mine] == ["0", "0", "2", "2", "0", "0"] * 2
    day_zero = [r["metric"] for r in rows if (r["day"], r["replication"]) == ("0", "0")]
    # after today's indicators (relief last) and the series of the mechanisms before it
    assert day_zero[-1] == "rationed_firms"
    assert day_zero.index("relief_spent") < day_zero.index("rationed_firms")


def test_the_new_mechanism_moves_nothing_on_days_it_does_not_ration(demo):
    # On the demo park, rationing on no day changes no number of any mechanism:
    # same streams, same order of events; the trace only gains a column and a series.
    sc = UtilityScenario.model_validate(demo.scenario.model_dump(by_alias=True))
    park = Park(scenario=sc, firms=demo.firms)
    for rep in range(2):
        plain, extended = run(demo, rep), run(park, rep, mechanisms=WITH_UTILITY)
        assert extended.causes == (*plain.causes, "utility")
        np.testing.assert_array_equal(extended.lost[:, :-1], plain.lost)
        np.testing.assert_array_equal(extended.lost[:, -1], 0.0)
        same = {k: v for k, v in extended.series.items() if k not in ("lost", "rationed_firms")}
        assert same == {k: v for k, v in plain.series.items() if k != "lost"}
