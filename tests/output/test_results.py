"""The results contract: files, columns, summary fields, determinism, atomicity."""

from __future__ import annotations

import csv
import json
from collections import defaultdict

import numpy as np
import pytest

from sim.experiment.runner import run_replications
from sim.output.results import verify, write_run
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS, run_cli

DEMO = SCENARIOS / "demo_park.yaml"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("res") / "demo"
    r = run_cli(
        "run",
        str(DEMO),
        "--replications",
        "3",
        "--days",
        "80",
        "--seed",
        "7",
        "--quiet",
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    return out


def test_results_folder_has_every_file(demo_run) -> None:
    for name in (
        "summary.json",
        "timeseries.csv",
        "causes.csv",
        "states.csv",
        "scenario.resolved.yaml",
        "manifest.json",
        "plots/recovery.png",
        "plots/causes.png",
    ):
        assert (demo_run / name).is_file(), name
    assert not demo_run.with_name("demo.partial").exists()
    assert verify(demo_run) == []


def test_summary_fields(demo_run) -> None:
    s = json.loads((demo_run / "summary.json").read_text())
    assert s["scenario"] == "demo_park"
    assert (s["seed"], s["replications"], s["days"]) == (7, 3, 80)
    for m in (
        "days_to_50",
        "days_to_80",
        "days_to_95",
        "lost_output_days",
        "final_capacity",
        "final_resumption",
    ):
        entry = s["metrics"][m]
        assert set(entry) >= {"mean", "ci95", "values"}
        assert len(entry["values"]) == 3
        if entry["mean"] is not None:
            lo, hi = entry["ci95"]
            assert lo <= entry["mean"] <= hi
    assert "labour" in s["causes"] and "not_allowed" in s["causes"]


def _read(path):
    """Rows of a results CSV (it starts with a UTF-8 byte-order mark: `reporting.csv_bom`)."""
    with path.open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_timeseries_is_tidy_and_causes_sum_to_the_loss(demo_run) -> None:
    ts = _read(demo_run / "timeseries.csv")
    assert list(ts[0]) == ["day", "replication", "metric", "group", "value"]
    metrics = {r["metric"] for r in ts}
    assert {
        "capacity",
        "resumption",
        "resumption_weighted",
        "resumption_above_scale",
        "workforce",
    } <= metrics
    groups = {r["group"] for r in ts if r["metric"] == "capacity" and ":" not in r["group"]}
    assert groups == {"park", "auto_parts", "electronics", "food", "pharma"}
    cap = {
        (int(r["day"]), int(r["replication"])): float(r["value"])
        for r in ts
        if r["metric"] == "capacity" and r["group"] == "park"
    }
    assert len(cap) == 80 * 3
    for r in ts:
        if r["metric"] in ("capacity", "resumption", "resumed", "workforce") and r["value"]:
            assert 0.0 <= float(r["value"]) <= 1.0 + 1e-12
    lost = defaultdict(float)
    for r in _read(demo_run / "causes.csv"):
        lost[(int(r["day"]), int(r["replication"]))] += float(r["lost_output"])
    for key, c in cap.items():
        assert lost[key] == pytest.approx(1.0 - c, abs=1e-8)
    s = json.loads((demo_run / "summary.json").read_text())
    per_rep = [sum(1 - cap[(d, r)] for d in range(80)) for r in range(3)]
    assert np.allclose(s["metrics"]["lost_output_days"]["values"], per_rep)


def test_timeseries_has_series_per_tag_class_and_batch(demo_run) -> None:
    # issue 15.7: planners ask "how far is the first list?"
    ts = _read(demo_run / "timeseries.csv")
    by_metric = defaultdict(set)
    for r in ts:
        by_metric[r["metric"]].add(r["group"])
    wanted = {"tag:backbone", "tag:livelihood", "class:electronics", "batch:essentials"}
    wanted.add("batch:backbone")
    for metric in ("capacity", "resumption", "resumed", "workforce", "staff_on_post"):
        assert wanted <= by_metric[metric], metric
    assert {"park"} == by_metric["resumed"] - {g for g in by_metric["resumed"] if ":" in g}
    # the second list (day 10) has no firms before it is released: empty cells
    early = [
        r["value"]
        for r in ts
        if (r["metric"], r["group"], r["day"]) == ("resumption", "batch:backbone", "0")
    ]
    assert early == ["", "", ""]
    # every share is a share (`resumed` is read at the end of the day, so it may fall
    # below `resumption` on the day a firm that operated runs out of cash)
    values = {
        (r["metric"], r["group"], r["day"], r["replication"]): float(r["value"])
        for r in ts
        if r["value"]
    }
    for (metric, group, day, rep), v in values.items():
        if metric in ("resumed", "resumption", "workforce") and ":" in group:
            assert 0.0 <= v <= 1.0
        if metric == "staff_on_post" and group.startswith("tag:"):
            assert v <= values[("staff_on_post", "park", day, rep)]


def test_states_count_every_firm_every_day(demo_run) -> None:
    totals = defaultdict(int)
    for r in _read(demo_run / "states.csv"):
        totals[(r["day"], r["replication"])] += int(r["count"])
    assert set(totals.values()) == {38}


def test_manifest_provenance(demo_run) -> None:
    m = json.loads((demo_run / "manifest.json").read_text())
    assert len(m["scenario_sha256"]) == 64
    assert m["seed"] == 7
    for dep in ("python", "numpy", "simpy"):
        assert m["versions"][dep]
    assert "timeseries.csv" in m["files"]
    assert m["wall_seconds"] >= 0


def test_resolved_scenario_runs_to_the_same_numbers(demo_run, tmp_path) -> None:
    out = tmp_path / "again"
    r = run_cli(
        "run", str(demo_run / "scenario.resolved.yaml"), "--quiet", "--no-plots", "--out", str(out)
    )
    assert r.returncode == 0, r.stderr
    assert (out / "timeseries.csv").read_bytes() == (demo_run / "timeseries.csv").read_bytes()


def test_same_seed_gives_byte_identical_timeseries(tmp_path) -> None:
    outs = []
    for k in range(2):
        out = tmp_path / f"r{k}"
        r = run_cli(
            "run",
            str(DEMO),
            "--replications",
            "10",
            "--seed",
            "7",
            "--quiet",
            "--no-plots",
            "--out",
            str(out),
            env={"PYTHONHASHSEED": str(k + 1)},
        )
        assert r.returncode == 0, r.stderr
        outs.append((out / "timeseries.csv").read_bytes())
    assert outs[0] == outs[1]


def test_other_seed_gives_other_numbers(tmp_path) -> None:
    park7 = load_scenario(DEMO, sets=["days=60", "seed=7"])
    park8 = load_scenario(DEMO, sets=["days=60", "seed=8"])
    a = run_replications(park7, 1)[0].capacity
    b = run_replications(park8, 1)[0].capacity
    assert not np.array_equal(a, b)


def test_parallel_replications_equal_serial() -> None:
    park = load_scenario(DEMO, sets=["days=40"])
    serial = run_replications(park, 3)
    parallel = run_replications(park, 3, workers=2)
    for s, p in zip(serial, parallel, strict=True):
        assert np.array_equal(s.output, p.output)
        assert np.array_equal(s.lost, p.lost)


def test_failed_write_leaves_no_folder(tmp_path, monkeypatch) -> None:
    park = load_scenario(DEMO, sets=["days=10"])
    traces = run_replications(park, 1)
    import datetime as dt

    from sim.files import states

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(states, "rows", boom)
    with pytest.raises(RuntimeError):
        write_run(
            tmp_path / "x",
            park,
            traces,
            scenario_file=DEMO,
            started=dt.datetime.now(dt.UTC),
            executor="serial",
            plots=False,
        )
    assert list(tmp_path.iterdir()) == []


def test_rerun_replaces_an_old_folder_whole(tmp_path) -> None:
    out = tmp_path / "res"
    for reps in ("2", "1"):
        r = run_cli(
            "run",
            str(DEMO),
            "--replications",
            reps,
            "--days",
            "20",
            "--quiet",
            "--no-plots",
            "--out",
            str(out),
        )
        assert r.returncode == 0, r.stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["replications"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]
    assert verify(out) == []


# --------------------------------------------------------------------------- issue 18


def test_csv_files_open_in_excel_and_name_what_they_list(demo_run) -> None:
    for name in ("timeseries.csv", "causes.csv", "states.csv", "logistics.csv", "bottlenecks.csv"):
        assert (demo_run / name).read_bytes()[:3] == b"\xef\xbb\xbf", name
    rows = {r["id"]: r for r in _read(demo_run / "bottlenecks.csv")}
    assert list(next(iter(rows.values()))) == [
        "rank", "kind", "id", "lost_output_days", "ci95_lo", "ci95_hi", "name",
    ]  # fmt: skip
    assert rows["north_gate"]["name"] == "North gate transfer station"
    assert rows["chipco"]["name"] == "Chip maker (Shanghai)"
    assert all(r["name"] == "" for r in rows.values() if r["kind"] == "park_firm")
    s = json.loads((demo_run / "summary.json").read_text(encoding="utf-8"))
    assert s["names"]["station"] == {"north_gate": "North gate transfer station"}
    relapse = s["relapses"]["days_to_80"]
    assert (relapse["n"], relapse["margin"], relapse["sustain_days"]) == (3, 0.1, 3)
    reached = [v is not None for v in s["metrics"]["days_to_80"]["values"]]
    assert [low is not None for low in relapse["lows"]] == reached


def test_csv_bom_false_writes_plain_utf8(tmp_path) -> None:
    out = tmp_path / "plain"
    r = run_cli(
        "run", str(DEMO), "--replications", "1", "--days", "20", "--quiet", "--no-plots",
        "--set", "reporting.csv_bom=false", "--out", str(out),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    for path in out.glob("*.csv"):
        assert path.read_bytes()[:3] != b"\xef\xbb\xbf", path.name
    with (out / "timeseries.csv").open(encoding="utf-8", newline="") as f:
        assert next(csv.reader(f))[0] == "day"
    assert verify(out) == []
