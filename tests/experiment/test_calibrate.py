"""`parksim calibrate`: it recovers a known parameter from observations the model made,
its posterior does not depend on the executor, and a calibration killed midway and run
again ends with the same posterior as one never interrupted."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.experiment.calibrate import run_calibration
from sim.experiment.calibration_spec import load_calibration
from sim.experiment.executors import DaskExecutor, SerialExecutor
from sim.model.world import run
from sim.output.folder import FolderError
from sim.output.results import verify
from sim.scenario.load import load_scenario
from tests.conftest import ROOT

HERE = Path(__file__).parent / "calibration"
PARK = HERE / "small_park.yaml"
TRUTH = 8.0
"""The preparation median (days) that made the synthetic observations."""
TOLERANCE = 1.5
"""How far (days) the posterior median may land from the truth."""
OUTPUTS = ("posterior.csv", "fit.csv", "validation.csv", "predictive.csv", "calibrated.yaml")
"""Files that hold the posterior and what follows from it (no times, no paths of runs)."""


def synthetic_observations() -> list[tuple[int, float]]:
    """Resumption on days 4, 8, 12, 16 of the small park at the truth: the mean of four
    replications the calibration never runs (numbers 1000-1003)."""
    park = load_scenario(PARK, sets=[f"reopening.apply_days.lognormal.median={TRUTH}"])
    res = np.mean([run(park, 1000 + r).resumption for r in range(4)], axis=0)
    return [(d, round(float(res[d]), 4)) for d in (4, 8, 12, 16)]


def write_spec(
    folder: Path, settings: str = "population_size: 30, generations: 4, predictive_draws: 16"
) -> Path:
    """The calibration file: the preparation median from resumption on days 4, 8 and 12,
    day 16 held out; `settings` as given, seed 5."""
    lines = [
        "name: small_recovery",
        f"scenario: {PARK}",
        "set: [days=17]",
        "observations:",
        *(
            f"  - {{day: {d}, metric: resumption, value: {v}, uncertainty: 0.05}}"
            for d, v in synthetic_observations()
        ),
        "hold_out: ['from:16']",
        "parameters:",
        "  - name: prep_median",
        "    path: reopening.apply_days.lognormal.median",
        "    prior: {uniform: {from: 2, to: 20}}",
        f"    truth: {TRUTH}",
        f"settings: {{seed: 5, {settings}}}",
    ]
    path = folder / "spec.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def outputs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in OUTPUTS}


SMALL = "population_size: 12, generations: 3, predictive_draws: 6"
"""A smaller calibration for the checks of determinism (the posterior is not the point)."""


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    """The calibration run once, uninterrupted, in this process: (spec, folder)."""
    base = tmp_path_factory.mktemp("calibration")
    spec = write_spec(base)
    out = base / "serial"
    run_calibration(load_calibration(spec), out, SerialExecutor())
    return spec, out


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, Path]:
    """The small calibration, uninterrupted and serial: (spec, folder)."""
    base = tmp_path_factory.mktemp("small")
    spec = write_spec(base, SMALL)
    out = base / "serial"
    run_calibration(load_calibration(spec), out, SerialExecutor(), plots=False)
    return spec, out


def test_recovers_the_preparation_median_from_observations_the_model_made(reference) -> None:
    _, out = reference
    meta = json.loads((out / "calibration.json").read_text())
    (post,) = meta["posterior"]
    lo, hi = post["ci90"]
    assert abs(post["median"] - TRUTH) <= TOLERANCE, post
    assert lo <= TRUTH <= hi, post
    assert hi - lo < 8, "the posterior should be much narrower than the prior (2-20)"
    assert len(meta["generations"]) == 4
    assert [g["epsilon"] for g in meta["generations"]] == sorted(
        (g["epsilon"] for g in meta["generations"]), reverse=True
    )
    assert verify(out) == []
    for name in ("posterior.png", "predictive.png"):
        assert (out / "plots" / name).stat().st_size > 10_000
    # the held-out figure is scored out of sample, and only it is in validation.csv
    validation = (out / "validation.csv").read_text().splitlines()
    assert len(validation) == 2 and ",held_out," in validation[1]
    assert "## Validation (out of sample)" in (out / "calibration.md").read_text()
    # nothing that is not a number reaches a results file
    for name in ("posterior.csv", "fit.csv", "predictive.csv", "calibration.json"):
        text = (out / name).read_text().lower()
        assert "nan" not in text and "inf" not in text.replace("info", ""), name


def test_calibrated_yaml_is_an_overlay_that_run_and_compare_accept(reference, tmp_path) -> None:
    _, out = reference
    overlay = out / "calibrated.yaml"
    median = json.loads((out / "calibration.json").read_text())["posterior"][0]["calibrated"]
    park = load_scenario(PARK, [overlay])
    assert park.scenario.reopening.apply_days.model_dump()["lognormal"]["median"] == median
    assert park.scenario.reopening.apply_days.model_dump()["lognormal"]["sigma"] == 0.4
    args = ["--replications", "2", "--quiet", "--no-plots"]
    assert (
        main(["run", str(PARK), "--policy", str(overlay), "--out", str(tmp_path / "r"), *args]) == 0
    )
    assert verify(tmp_path / "r") == []
    assert (
        main(["compare", str(PARK), "--policy", str(overlay), "--out", str(tmp_path / "c"), *args])
        == 0
    )


def test_killed_midway_then_run_again_ends_with_the_same_posterior(small, tmp_path) -> None:
    """SIGKILL the driver (local executor, 2 workers) as soon as its first generation is
    stored (it is then running the second), then the same command finishes it: its
    posterior is the uninterrupted serial one."""
    spec, whole = small
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", "calibrate", str(spec), "--out", str(out)]
    cmd += ["--executor", "local", "--workers", "2", "--quiet", "--no-plots"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    db = out / "history.db"

    def generations() -> int:
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1) as c:
                return c.execute("select count(*) from populations where t >= 0").fetchone()[0]
        except sqlite3.Error:
            return 0

    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and generations() < 1:
            assert proc.poll() is None, "the calibration ended before it could be killed"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    kept = generations()
    assert 1 <= kept < 3
    assert not (out / "manifest.json").exists()

    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert outputs(out) == outputs(whole)
    assert verify(out) == []
    meta = json.loads((out / "calibration.json").read_text())
    assert (
        meta["model_runs_this_session"]
        < json.loads((whole / "calibration.json").read_text())["model_runs_this_session"]
    )


def test_dask_gives_the_same_posterior_as_serial(small, tmp_path) -> None:
    spec, whole = small
    out = tmp_path / "dask"
    with DaskExecutor(workers=2, key_prefix="test-cal") as executor:
        run_calibration(load_calibration(spec), out, executor, plots=False)
    assert outputs(out) == outputs(whole)


def test_a_complete_folder_is_kept_and_another_calibration_is_refused(reference, tmp_path) -> None:
    spec, whole = reference
    before = {p.name: p.read_bytes() for p in whole.iterdir() if p.is_file()}
    result = run_calibration(load_calibration(spec), whole, SerialExecutor())
    assert result.already_complete and result.model_runs_now == 0
    assert {p.name: p.read_bytes() for p in whole.iterdir() if p.is_file()} == before

    other = write_spec(tmp_path, settings="replications: 2")
    with pytest.raises(FolderError, match="different calibration"):
        run_calibration(load_calibration(other), whole, SerialExecutor())
    assert {p.name: p.read_bytes() for p in whole.iterdir() if p.is_file()} == before


def test_verify_finds_a_changed_posterior(reference, tmp_path) -> None:
    import shutil

    _, whole = reference
    copy = tmp_path / "copy"
    shutil.copytree(whole, copy)
    with (copy / "posterior.csv").open("a") as f:
        f.write("9,9,0,0,0,\n")
    assert any("posterior.csv" in p for p in verify(copy))


def test_plot_redraws_a_calibration_folder_that_still_verifies(small, tmp_path) -> None:
    import shutil

    _, whole = small  # drawn without plots
    copy = tmp_path / "copy"
    shutil.copytree(whole, copy)
    assert main(["plot", str(copy)]) == 0
    assert sorted(p.name for p in (copy / "plots").iterdir()) == ["posterior.png", "predictive.png"]
    assert verify(copy) == []


def test_an_observation_the_model_never_gives_a_value_for_stops_with_a_reason(tmp_path) -> None:
    """review_wait_days is empty on days without reviews: day 0 of the small park has
    none, so no particle could ever be accepted; the calibration says so and stops."""
    from sim.experiment.calibrate import CalibrationError

    f = tmp_path / "empty.yaml"
    f.write_text(
        f"name: empty\nscenario: {PARK}\n"
        "observations:\n  - {day: 0, metric: review_wait_days, value: 1, id: wait0}\n"
        "parameters:\n  - {path: reopening.apply_days.lognormal.median, from: 2, to: 20}\n"
        "settings: {population_size: 10, generations: 2}\n"
    )
    with pytest.raises(CalibrationError, match=r"no value at the observation\(s\) wait0"):
        run_calibration(load_calibration(f), tmp_path / "out", SerialExecutor(), plots=False)
