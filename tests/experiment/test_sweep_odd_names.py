"""Odd names come out of `parksim sweep` intact: `points.csv` and `runs.parquet` round-trip.

A parameter's `name` is free text (commas, quotes, line breaks, a leading `=` or
blank, any script) and names a column; its default is the key path, which holds
`[id=...]` and the firm id (quotes, pipes, apostrophes, any script); levels may be
text of any kind. `points.csv` is read back with the csv module and with pandas.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.experiment.executors import SerialExecutor
from sim.experiment.sweep import run_sweep
from sim.experiment.sweep_spec import load_sweep
from sim.files.sweep import POINT_COLUMNS
from sim.output.results import verify
from sim.output.sweep_store import report

FIRM = '工厂"q|x'
SCENARIO = f"""\
name: odd
days: 8
replications: 1
regions: [{{id: park, timeline: [{{day: 0, level: controlled}}]}}, {{id: out}}]
enterprises:
  - {{id: '{FIRM}', sector: '食品"s|', region: park, baseline_output: 2, staff: 10}}
  - {{id: "b'c", sector: s, region: park, baseline_output: 1, staff: 5,
     inputs: [{{good: 'g"|', from: '{FIRM}', per_output: 0.5}}]}}
"""
STAFF = '=staff, "the" count'
LABEL = " lead blank\nand a line break, 工厂 |pipe"
PATH = f"enterprises[id={FIRM}].ramp_days"
LEVELS = ["a,b", "=1+2", " lead", 'q"uote', "new\nline", "工厂|x", "'apostrophe"]
SWEEP = {
    "name": "odd",
    "scenario": "odd.yaml",
    "seed": 3,
    "parameters": [
        {"path": f"enterprises[id={FIRM}].staff", "name": STAFF, "levels": [10, 20]},
        {"path": "enterprises[id=b'c].name", "name": LABEL, "levels": LEVELS},
        {"path": PATH, "levels": [0, 2]},  # named by its path
    ],
    "design": "grid",
    "replications": 1,
    "outcomes": ["lost_output_days"],
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("odd")
    (tmp / "odd.yaml").write_text(SCENARIO, encoding="utf-8")
    spec = tmp / "odd_sweep.yaml"
    spec.write_text(json.dumps(SWEEP, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    out = tmp / "out"
    run_sweep(load_sweep(spec), out, SerialExecutor(), plots=False)
    assert verify(out) == []
    return out


def test_points_csv_reads_back_every_name_and_level(folder) -> None:
    pd = pytest.importorskip("pandas")
    path = folder / "points.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert header == ["point_id", STAFF, LABEL, PATH, *POINT_COLUMNS]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    assert list(frame.columns) == header
    assert frame.values.tolist() == body
    assert {r[2] for r in body} == set(LEVELS)
    assert {r[1] for r in body} == {"10", "20"}
    assert {r[3] for r in body} == {"0", "2"}
    assert len({r[0] for r in body}) == 2 * len(LEVELS) * 2


def test_runs_parquet_holds_the_same_names_and_levels(folder) -> None:
    table = pq.read_table(folder / "runs.parquet")
    assert {STAFF, LABEL, PATH} <= set(table.column_names)
    assert set(table.column(LABEL).to_pylist()) == set(LEVELS)


def test_the_summary_reads_the_folder_back(folder) -> None:
    lines = report(folder)
    assert "28 points" in lines[0]
    assert any("lowest mean" in line for line in lines)
