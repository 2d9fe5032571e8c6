"""The Python API (`sim.api`, published as `parksim`): the docs' example runs, results
hold the folder's tables, bad input raises what the CLI prints."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import parksim
from sim import api
from sim.cli import main
from tests.conftest import SCENARIOS

ROOT = Path(__file__).resolve().parents[1]
DEMO = SCENARIOS / "demo_park.yaml"
SHORT = ["days=20", "replications=2"]


def test_the_docs_example_runs_as_written(tmp_path, monkeypatch, capsys) -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    after = text.split("## A short session", 1)[1]
    block = re.search(r"```python\n(.*?)```", after, re.S)
    assert block is not None
    shutil.copytree(SCENARIOS, tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    exec(compile(block.group(1), "docs/api.md", "exec"), {})
    out = capsys.readouterr().out
    assert "demo_park" in out and "more_teams" in out
    assert "reopening.service_teams: should be greater than or equal to 1" in out
    assert main(["verify", str(tmp_path / "results" / "api_demo")]) == 0
    assert main(["verify", str(tmp_path / "results" / "api_demo_compare")]) == 0


def test_parksim_is_the_public_name_and_the_wheel_ships_it() -> None:
    for name in ("load_scenario", "run", "compare", "sweep", "ScenarioError", "RunResult"):
        assert getattr(parksim, name) is getattr(api, name)
    found = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "parksim" in found["packages"]["find"]["include"]
    assert parksim.run.__doc__ and parksim.RunResult.__doc__


def test_a_run_holds_the_tables_its_folder_holds(tmp_path) -> None:
    out = tmp_path / "r"
    res = api.run(DEMO, days=20, replications=2, out=out, plots=False)
    assert res.summary == json.loads((out / "summary.json").read_text())
    assert res.timeseries.column_names == ["day", "replication", "metric", "group", "value"]
    lines = (out / "timeseries.csv").read_text().splitlines()
    assert res.timeseries.num_rows == len(lines) - 1
    again = api.RunResult.open(out)
    assert again.timeseries.equals(res.timeseries) and again.summary == res.summary
    cap = res.daily("capacity")
    assert cap.num_rows == 2 * 20
    assert cap.column("value").to_pylist()[:20] == pytest.approx(
        res.traces[0].capacity.tolist(), abs=1e-9
    )
    # a loaded park runs to the same numbers as the file with the same overrides
    same = api.run(api.load_scenario(DEMO, sets=SHORT), out=tmp_path / "p", plots=False)
    assert same.summary["metrics"] == res.summary["metrics"]


def test_bad_input_raises_the_message_the_cli_prints(tmp_path, capsys) -> None:
    bad = ["reopening.service_teams=0", "days=-3"]
    with pytest.raises(api.ScenarioError) as caught:
        api.run(DEMO, sets=bad, out=tmp_path / "x")
    argv = ["run", str(DEMO), "--out", str(tmp_path / "y")]
    assert main([*argv, *(a for s in bad for a in ("--set", s))]) == 2
    assert capsys.readouterr().err.strip() == str(caught.value)
    assert len(caught.value.problems) == 2
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    with pytest.raises(api.ScenarioError, match="give at least one"):
        api.compare(DEMO, out=tmp_path / "c")
    with pytest.raises(api.ScenarioError, match="option 'x'"):
        api.compare(DEMO, variants=["x: days=5"], out=tmp_path / "c")
    with pytest.raises(ValueError, match="workers"):
        api.run(DEMO, workers=0, out=tmp_path / "w")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    with pytest.raises(api.FolderError):
        api.run(DEMO, sets=SHORT, out=tmp_path / "mine")
    assert not (tmp_path / "c").exists()


def test_compare_holds_its_csv_and_matches_the_command(tmp_path) -> None:
    res = api.compare(
        DEMO,
        variants={"four": ["reopening.service_teams=4"]},
        sets=SHORT,
        out=tmp_path / "a",
        plots=False,
    )
    assert {r["option"] for r in res.rows("lost_output_days")} == {"baseline", "four"}
    argv = ["compare", str(DEMO), "--variant", "four: reopening.service_teams=4", "--quiet"]
    argv += ["--set", "days=20", "--set", "replications=2", "--no-plots", "--no-report"]
    assert main([*argv, "--out", str(tmp_path / "b")]) == 0
    cli = api.CompareResult.open(tmp_path / "b")
    assert cli.table.equals(res.table) and cli.capacity.equals(res.capacity)


def test_a_sweep_returns_its_runs_points_and_daily_series(tmp_path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(
        f"name: s\nscenario: {DEMO}\nset: [days=15]\nseed: 3\n"
        "parameters:\n  - {path: reopening.service_teams, name: teams, levels: [1, 4]}\n"
        "design: {method: grid}\nreplications: 2\noutcomes: [lost_output_days, capacity@10]\n"
        "store: {daily: [capacity]}\n"
    )
    res = api.sweep(f, out=tmp_path / "o", plots=False)
    assert res.runs.equals(pq.read_table(tmp_path / "o" / "runs.parquet"))
    assert res.sensitivity is None and res.spec["name"] == "s"
    assert "capacity@10" in set(res.points.column("metric").to_pylist())
    daily = res.daily()
    assert daily is not None and daily.num_rows == 4 * 15
    again = api.sweep(f, out=tmp_path / "o", analyse_only=True, plots=False)
    assert again.runs.equals(res.runs)
