"""A sweep folder a paper can cite: the code that ran it (and a resume refused when the
code changed), copies of every input, the exact sampler call, and every session."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.experiment import sweep as sweep_mod
from sim.experiment.executors import SerialExecutor
from sim.experiment.sweep import run_sweep
from sim.experiment.sweep_spec import load_sweep
from sim.files.manifest import code_identity, source_sha256
from sim.metrics import replication_metrics
from sim.model.world import run
from sim.output.results import verify
from sim.scenario.load import load_scenario
from tests.conftest import ROOT, SCENARIOS, run_cli
from tests.experiment.test_sweep import write_sweep

ONE_AXIS = """\
parameters:
  - {path: reopening.service_teams, name: teams, levels: [1, 4]}
design: grid
replications: 1
outcomes: [lost_output_days]
"""

POLICY = SCENARIOS / "policies" / "double_passes.yaml"


# --------------------------------------------------------------------------- code


def test_the_code_identity_follows_every_edit_of_the_package_source(tmp_path) -> None:
    pkg = tmp_path / "sim"
    shutil.copytree(ROOT / "sim", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    first, files = source_sha256(pkg)
    assert files == sum(1 for p in pkg.rglob("*") if p.is_file())
    (pkg / "__pycache__").mkdir(exist_ok=True)
    (pkg / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"compiled")
    assert source_sha256(pkg)[0] == first  # caches are not code
    model = pkg / "model" / "production.py"
    model.write_text(model.read_text() + "\n# a comment is a change too\n")
    assert source_sha256(pkg)[0] != first
    # outside a git checkout (an installed wheel): the hash, and no commit
    away = code_identity(pkg)
    assert away["git_commit"] is None and away["git_dirty"] is None
    here = code_identity()
    if (ROOT / ".git").exists():
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        assert here["git_commit"] == head and isinstance(here["git_dirty"], bool)


def test_runs_and_comparisons_name_their_code_in_the_manifest(tmp_path) -> None:
    demo = str(SCENARIOS / "demo_park.yaml")
    common = ["--replications", "1", "--days", "20", "--no-plots", "--quiet"]
    r = run_cli("run", demo, *common, "--out", str(tmp_path / "run"))
    assert r.returncode == 0, r.stderr
    r = run_cli("compare", demo, "--policy", str(POLICY), *common, "--out", str(tmp_path / "c"))
    assert r.returncode == 0, r.stderr
    for folder in ("run", "c"):
        code = json.loads((tmp_path / folder / "manifest.json").read_text())["code"]
        assert code["source_sha256"] == source_sha256()[0]
        assert set(code) == {"parksim", "source_sha256", "source_files", "git_commit", "git_dirty"}


def test_a_resume_after_the_model_code_changed_is_refused_until_allowed(tmp_path) -> None:
    """A copy of the package runs the first session; its model is edited; the resume
    is refused naming both hashes and the way out; with --allow-code-change it goes on,
    and the manifest lists both sessions with their code."""
    code = tmp_path / "code"
    shutil.copytree(ROOT / "sim", code / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    work = tmp_path / "work"
    work.mkdir()
    f = write_sweep(tmp_path, ONE_AXIS)
    out = tmp_path / "out"

    def sweep(*extra: str):
        args = ["sweep", str(f), "--out", str(out), "--executor", "serial", "--no-plots"]
        return run_cli(*args, *extra, cwd=work, env={"PYTHONPATH": str(code)})

    r = sweep()
    assert r.returncode == 0, r.stderr
    before, _ = source_sha256(code / "sim")
    model = code / "sim" / "model" / "production.py"
    model.write_text(model.read_text() + "\n# the model changed\n")
    after, _ = source_sha256(code / "sim")
    f.write_text(f.read_text().replace("replications: 1", "replications: 2"))
    kept = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    r = sweep()
    assert r.returncode == 2
    assert "its runs were made by other parksim code" in r.stderr
    assert f"source SHA-256 {before}" in r.stderr and f"source SHA-256 {after}" in r.stderr
    assert "--allow-code-change" in r.stderr and "--fresh" in r.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == kept

    r = sweep("--allow-code-change")
    assert r.returncode == 0, r.stderr
    assert "(2 run now, 0 failed)" in r.stdout
    man = json.loads((out / "manifest.json").read_text())
    sessions = [
        (s["session"], s["runs"], s["status"], s["source_sha256"], s["allow_code_change"])
        for s in man["sessions"]
    ]
    assert sessions == [(1, 2, "complete", before, False), (2, 2, "complete", after, True)]
    assert man["sessions"][1]["code_changed"] is True
    assert man["code"]["source_sha256"] == after
    spec = json.loads((out / "sweep.json").read_text())
    assert spec["code"]["source_sha256"] == after and spec["code"]["git_commit"] is None
    ledger = [json.loads(x) for x in (out / "ledger.jsonl").read_text().splitlines()]
    assert sorted((r["replication"], r["session"]) for r in ledger) == [
        (0, 1),
        (0, 1),
        (1, 2),
        (1, 2),
    ]
    assert verify(out) == []


def test_a_resume_with_a_code_change_refused_in_process(tmp_path, monkeypatch) -> None:
    f = write_sweep(tmp_path, ONE_AXIS)
    out = tmp_path / "out"
    run_sweep(load_sweep(f), out, SerialExecutor(), plots=False)
    changed = {**code_identity(), "source_sha256": "0" * 64}
    monkeypatch.setattr(sweep_mod, "code_identity", lambda: changed)
    from sim.output.sweep_store import CodeChangedError

    with pytest.raises(CodeChangedError, match=r"0{64}"):
        run_sweep(load_sweep(f), out, SerialExecutor(), plots=False)
    # analysing alone needs no permission: it runs nothing (and says which code analysed)
    run_sweep(load_sweep(f), out, None, plots=False, analyse_only=True)
    man = json.loads((out / "manifest.json").read_text())
    assert [(s["mode"], s["code_changed"]) for s in man["sessions"]] == [
        ("run", False),
        ("analyse", True),
    ]


# --------------------------------------------------------------------------- inputs


def test_the_folder_keeps_its_inputs_and_the_resolved_scenario_runs_from_them(tmp_path) -> None:
    f = write_sweep(tmp_path, ONE_AXIS)
    f.write_text(f.read_text().replace("set: [days=30]", f"policies: [{POLICY}]\nset: [days=30]"))
    out = tmp_path / "out"
    sw = load_sweep(f)
    run_sweep(sw, out, SerialExecutor(), plots=False)
    inputs = out / "inputs"
    assert (inputs / "sweep" / "tiny.yaml").read_bytes() == f.read_bytes()
    demo = SCENARIOS / "demo_park.yaml"
    assert (inputs / "scenario" / "demo_park.yaml").read_bytes() == demo.read_bytes()
    assert (inputs / "policies" / "1-double_passes.yaml").read_bytes() == POLICY.read_bytes()
    food = SCENARIOS / "demo_park_food.csv"
    assert (inputs / "registry" / "1" / "demo_park_food.csv").read_bytes() == food.read_bytes()
    spec = json.loads((out / "sweep.json").read_text())
    assert [(i["role"], i["file"]) for i in spec["inputs"]] == [
        ("sweep", "inputs/sweep/tiny.yaml"),
        ("scenario", "inputs/scenario/demo_park.yaml"),
        ("policies", "inputs/policies/1-double_passes.yaml"),
        ("registry", "inputs/registry/1/demo_park_food.csv"),
        ("resolved", "inputs/scenario.resolved.yaml"),
    ]
    # the resolved base scenario, with a point's values set, runs to the recorded numbers
    row = pq.read_table(out / "runs.parquet").to_pylist()[1]
    park = load_scenario(inputs / "scenario.resolved.yaml", (), list(sw.points[1].sets))
    m = replication_metrics(run(park, 0), park.scenario.reporting.sustain_days)
    assert row["teams"] == 4 and row["lost_output_days"] == m["lost_output_days"]
    assert verify(out) == []
    # a copy edited by hand is a changed folder; the next session puts it back
    (inputs / "policies" / "1-double_passes.yaml").write_text("# edited\n")
    assert verify(out) != []
    run_sweep(sw, out, SerialExecutor(), plots=False)
    assert (inputs / "policies" / "1-double_passes.yaml").read_bytes() == POLICY.read_bytes()
    assert verify(out) == []


def test_sweep_json_records_the_sampler_call_that_remakes_the_sample(tmp_path) -> None:
    for design in ("{method: sobol, samples: 8}", "{method: morris, samples: 4}"):
        f = write_sweep(
            tmp_path,
            f"""\
parameters:
  - {{path: reopening.service_teams, name: teams, from: 1, to: 6, integer: true}}
  - {{path: reopening.fail_prob, name: fail, from: 0.05, to: 0.3}}
design: {design}
replications: 1
""",
        )
        out = tmp_path / design[9:14]
        run_sweep(load_sweep(f), out, SerialExecutor(), plots=False, task_fn=_constant)
        spec = json.loads((out / "sweep.json").read_text())
        call = spec["sampler"]
        module, name = call["function"].rsplit(".", 1)
        assert call["inputs"] == ["problem"]
        x = getattr(importlib.import_module(module), name)(call["problem"], **call["arguments"])
        assert np.array_equal(x, np.array([p["x"] for p in spec["points"]]))
        assert [p["params"]["teams"] for p in spec["points"]] == [min(int(u), 6) for u in x[:, 0]]
        assert "equal-width bin" in spec["integer_rule"]
        assert call["library"].startswith("SALib ")
        assert spec["analysis"]["function"].startswith("SALib.analyze.")


def _constant(task):
    return sweep_mod.record(
        task, sweep_mod.OK, days=30, metrics={"lost_output_days": float(task.point_id)}
    )


# --------------------------------------------------------------------------- sessions


def test_every_session_is_logged_with_its_runs(tmp_path) -> None:
    f = write_sweep(tmp_path, ONE_AXIS.replace("replications: 1", "replications: 3"))
    out = tmp_path / "out"
    calls = []

    def interrupted(task):
        calls.append(task.run_id)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return sweep_mod.run_task(task)

    with pytest.raises(KeyboardInterrupt):
        run_sweep(load_sweep(f), out, SerialExecutor(), plots=False, task_fn=interrupted)
    run_sweep(load_sweep(f), out, SerialExecutor(), plots=False)
    man = json.loads((out / "manifest.json").read_text())
    got = [(s["session"], s["mode"], s["status"], s["runs"]) for s in man["sessions"]]
    assert got == [(1, "run", "interrupted", 2), (2, "run", "complete", 4)]
    for s in man["sessions"]:
        assert s["executor"] == "serial (this process)" and s["started"] and s["ended"]
        assert s["source_sha256"] == code_identity()["source_sha256"]
    # a session killed before it could log its end is listed as killed
    log = out / "sessions.jsonl"
    log.write_text(log.read_text() + '{"session":3,"event":"start","mode":"run"}\n')
    from sim.files.sweep import read_sessions

    assert read_sessions(out)[-1]["ended"] is None
