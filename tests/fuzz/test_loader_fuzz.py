"""Fuzzing the loader with random mutations of every shipped scenario.

Each example takes a scenario from `scenarios/*.yaml` as plain data, applies
1–3 random mutations (a key deleted; a value replaced by a wrong type, a huge
or negative number, NaN or infinity; an id made unicode, empty or too long; an
item duplicated, so ids repeat; supply links added both ways between two
firms; an unknown key added; a section turned into a list or a number), writes
it with `yaml.safe_dump` and loads it. The contract:

- either the loader returns a Park, and the model then builds and runs a few
  days of it without raising or hanging, and every array it records is finite
  (what the loader accepts, the model must take: every number has a bound, so
  no scenario is too astronomical to run);
- or it raises `ScenarioError`, and every problem names its file, and a line
  when the file is the scenario itself;
- never any other exception.

A big shipped city is shrunk with `scale.firms` before it is mutated, to keep
each example fast. CLI-level cases (exit codes, huge files, alias bombs, bad
CSV registries) are in `test_cli_fuzz.py`.
"""

from __future__ import annotations

import copy
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from sim.model.reopening import Reopening
from sim.model.world import World
from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario
from sim.scenario.schema import MAX_DAYS
from sim.scenario.source import load_yaml
from tests.conftest import SCENARIOS
from tests.property.test_regressions import time_limit

SHIPPED = sorted(p.name for p in SCENARIOS.glob("*.yaml"))
MAX_FIRMS = 200
"""Generated firms per fuzzed scenario (big cities are scaled down to this)."""
RUN_DAYS = 3
RUN_SECONDS = 60
MAY_BE_NAN = {"review_wait", "resumption_above_scale"}
"""Trace arrays whose NaN means "no value that day" (see `sim.record.Trace`)."""

NASTY: list[Any] = [
    None,
    True,
    0,
    -1,
    -1e9,
    0.5,
    1.5,
    10**20,
    10**30,
    2**63,
    1e15,
    99_999,
    100_001,
    1e300,
    -1e300,
    -0.0,
    5e-324,
    math.nan,
    math.inf,
    -math.inf,
    "",
    "x",
    "2022-04-16",
    "1e-3",
    "on",
    "yes",
    "2022-13-45",
    "\u200b",
    "a\x00b",
    [],
    [1, "a"],
    {},
    {"uniform": {"from": 5, "to": 1}},
    {"normal": {"mean": 1, "sd": 1}},
]
"""Replacement values: wrong types, out of range, non-finite, YAML 1.1 traps."""

NAMES = [
    "工厂一",
    "é",
    "😀",
    "a b",
    "a,b",
    "x" * 300,
    "x" * 101,
    "\u200b",
    "a\u202eb",
    "a\x00b",
    "-",
    "Ωmega_ñ",
    "id=1",
    "עברית",
]
"""Replacement ids and names: unicode, separators, blanks, too long."""


def _base(name: str) -> dict[str, Any]:
    data = load_yaml(SCENARIOS / name).data
    gen = data.get("generate") or []
    total = sum(g.get("count", 0) for g in gen if isinstance(g, dict))
    if total > MAX_FIRMS:
        data.setdefault("scale", {})["firms"] = MAX_FIRMS
    return data


BASES = {name: _base(name) for name in SHIPPED}


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    """Every key path in a nested structure (the root excluded)."""
    out = []
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return out
    for k, v in items:
        out.append((*path, k))
        out.extend(_paths(v, (*path, k)))
    return out


def _get(data: Any, path: tuple) -> Any:
    for k in path:
        data = data[k]
    return data


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Any, list[str]]:
    """A shipped scenario's data after 1–3 random mutations, and what was done."""
    name = draw(st.sampled_from(SHIPPED))
    data = copy.deepcopy(BASES[name])
    done = []
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        op = draw(
            st.sampled_from(
                ["delete", "replace", "rename", "duplicate", "cycle", "unknown", "reshape"]
            )
        )
        if not paths or not isinstance(data, dict):
            break
        path = draw(st.sampled_from(paths))
        parent, key = _get(data, path[:-1]), path[-1]
        if op == "delete":
            del parent[key]
        elif op == "replace":
            parent[key] = draw(st.sampled_from(NASTY))
        elif op == "rename":
            strings = [p for p in paths if isinstance(_get(data, p), str)]
            if not strings:
                continue
            path = draw(st.sampled_from(strings))
            _get(data, path[:-1])[path[-1]] = draw(st.sampled_from(NAMES))
        elif op == "duplicate":
            lists = [p for p in paths if isinstance(_get(data, p), list) and _get(data, p)]
            if not lists:
                continue
            path = draw(st.sampled_from(lists))
            seq = _get(data, path)
            seq.append(copy.deepcopy(draw(st.sampled_from(seq))))
        elif op == "cycle":
            listed = data.get("enterprises")
            firms = [f for f in listed if isinstance(f, dict)] if isinstance(listed, list) else []
            if len(firms) < 2:
                continue
            a, b = draw(st.lists(st.sampled_from(firms), min_size=2, max_size=2))
            for x, y in ((a, b), (b, a)):
                if isinstance(x.get("inputs", []), list):
                    x.setdefault("inputs", []).append(
                        {"good": "loop", "from": y.get("id"), "per_output": 0.3}
                    )
        elif op == "unknown":
            target = [p for p in paths if isinstance(_get(data, p), dict)]
            if target:
                _get(data, draw(st.sampled_from(target)))["stafff"] = 3
        else:
            parent[key] = draw(st.sampled_from([[parent[key]], 7, "text"]))
        done.append(f"{op} {'.'.join(map(str, path))}")
    return name, data, done


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder holding the shipped registries (CSV files, and the ledgers of
    `ledgers/`), where mutated scenarios are written."""
    d = tmp_path_factory.mktemp("fuzz")
    for csv in SCENARIOS.glob("*.csv"):
        shutil.copy(csv, d / csv.name)
    shutil.copytree(SCENARIOS / "ledgers", d / "ledgers")
    return d


def check_loads_or_explains(path: Path) -> None:
    """Load `path`: a Park the model can run, or located problems; nothing else."""
    try:
        park = load_scenario(path)
    except ScenarioError as e:
        assert e.problems, "a ScenarioError without problems"
        for p in e.problems:
            assert p.file, f"problem without a file: {p}"
            if p.file == str(path):
                assert p.line is not None, f"problem in the scenario without a line: {p}"
        return
    with time_limit(RUN_SECONDS):
        trace = World(park, 0, days=min(park.scenario.days, RUN_DAYS)).run()
    for name, value in vars(trace).items():
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            assert not np.isinf(value).any(), name
            assert name in MAY_BE_NAN or not np.isnan(value).any(), name


@example(("demo_park.yaml", {"name": "x", "regions": 5, "enterprises": [7]}, ["handmade"]))
@example(  # found by the long run: a NUL in a registry path made a ValueError in resolve()
    ("demo_park.yaml", {**BASES["demo_park.yaml"], "registry": [{"file": "a\x00b"}]}, ["NUL"])
)
@given(mutated())
def test_mutated_scenarios_load_or_explain_where(workdir, case):
    name, data, _done = case  # `_done` lists the mutations (shown on failure)
    path = workdir / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    check_loads_or_explains(path)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_loads_and_runs_unmutated(workdir, name):
    path = workdir / name
    path.write_text(yaml.safe_dump(BASES[name], allow_unicode=True), encoding="utf-8")
    park = load_scenario(path)
    assert park.firms
    World(park, 0, days=RUN_DAYS).run()


def test_a_huge_triangular_range_is_refused_where_it_is_written(workdir):
    # Found by the long fuzz run: numpy's rng.triangular overflows for a range near
    # 1e300 and returns -inf, so {triangular: {from: 1, mode: 2, to: 1e300}} (every
    # bound >= 0) crashed the run with SimPy's 'Negative delay -inf'. Durations
    # drawn from distributions now stop at MAX_DAYS, in the file and in --set.
    expr = "reopening.review_days={triangular: {from: 1, mode: 2, to: 1e300}}"
    with pytest.raises(ScenarioError) as info:
        load_scenario(SCENARIOS / "demo_park.yaml", sets=[expr])
    (p,) = info.value.problems
    assert (p.file, p.path) == (f"--set {expr}", ("reopening", "review_days"))
    assert f"above the largest allowed {MAX_DAYS}" in p.message

    data = copy.deepcopy(BASES["demo_park.yaml"])
    data["reopening"]["review_days"] = {"triangular": {"from": 1, "mode": 2, "to": 1e300}}
    path = workdir / "huge_review.yaml"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (p,) = info.value.problems
    assert (p.file, p.path) == (str(path), ("reopening", "review_days"))
    assert text.splitlines()[p.line - 1].lstrip().startswith("review_days:")


def test_the_widest_triangular_duration_allowed_draws_within_its_bounds():
    park = load_scenario(
        SCENARIOS / "demo_park.yaml",
        sets=[f"reopening.review_days={{triangular: {{from: 1, mode: 2, to: {MAX_DAYS}}}}}"],
    )
    w = World(park, 0, days=RUN_DAYS)
    assert np.all((w.get(Reopening).review_days >= 1) & (w.get(Reopening).review_days <= MAX_DAYS))
    w.run()
