"""The same scenario, seed and version give the same files, whoever runs them.

`parksim run` in separate processes with different `PYTHONHASHSEED`s (so any
reliance on the order of a set or dict of ids, or on `hash()`, would show) and
with one worker or two (replications finishing in any order) must write
byte-identical files. The manifest differs only in what describes the run
itself (times, command line, executor); the SHA-256 of every file it lists
must agree. The demo park is used because it has every kind of firm source
(listed, generated, a CSV registry), stations, outbreaks and failures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT, SCENARIOS

FILES = (
    "summary.json",
    "timeseries.csv",
    "causes.csv",
    "states.csv",
    "logistics.csv",
    "bottlenecks.csv",
    "scenario.resolved.yaml",
)
RUNS = (("0", "1"), ("1", "2"), ("12345", "2"))
"""(PYTHONHASHSEED, --workers) of each run."""


def test_hash_seed_and_workers_do_not_change_a_single_byte(tmp_path):
    outs = []
    procs = []
    for hash_seed, workers in RUNS:
        out = tmp_path / f"h{hash_seed}-w{workers}"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": hash_seed}
        cmd = [sys.executable, "-m", "sim.cli", "run", str(SCENARIOS / "demo_park.yaml")]
        cmd += ["--replications", "3", "--days", "50", "--workers", workers]
        cmd += ["--out", str(out), "--quiet", "--no-plots"]
        procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE))
        outs.append(out)
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    first, *others = outs
    for name in ("logistics.csv", "bottlenecks.csv"):  # stations and shortages exercised
        assert (first / name).read_text().count("\n") > 1, name
    for name in FILES:
        want = (first / name).read_bytes()
        assert want, name
        for other in others:
            assert (other / name).read_bytes() == want, (name, other.name)
    manifests = [json.loads((o / "manifest.json").read_text()) for o in outs]
    for m in manifests[1:]:
        assert m["files"] == manifests[0]["files"]
        assert m["scenario_sha256"] == manifests[0]["scenario_sha256"]
    # nothing that tells the time or the machine has slipped into the summary
    summary = (first / "summary.json").read_text()
    assert "wall" not in summary and "started" not in summary and str(ROOT) not in summary
