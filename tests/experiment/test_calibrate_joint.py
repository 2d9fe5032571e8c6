"""A joint calibration of two small parks recovers the preparation median they share from
observations the model made, in `--quick` mode; its folder holds the fit case by case and
one overlay per case; raising `generations` continues it to the posterior of a longer run.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.cli import main
from sim.experiment.calibrate import ScaledDistance, run_calibration
from sim.experiment.calibration_spec import Observation, load_calibration
from sim.experiment.executors import SerialExecutor
from sim.model.world import run
from sim.output.results import verify
from sim.scenario.load import load_scenario

HERE = Path(__file__).parent / "calibration"
PARKS = {"a": HERE / "small_park.yaml", "b": HERE / "small_park_b.yaml"}
TRUTH = 8.0
"""The preparation median (days) both parks share, which made the synthetic observations."""
TOLERANCE = 1.5
"""How far (days) the posterior median may land from the truth."""
DAYS = {"a": (6, 10, 16), "b": (8, 12)}
"""Days of the synthetic resumption figures; park a's last one is held out."""
QUICK_SECONDS = 60
"""CPU seconds `--quick` may take (the issue's budget for CI: under a minute)."""


def synthetic(case: str) -> list[tuple[int, float]]:
    """Resumption of one park at the truth: the mean of four replications the
    calibration never runs (numbers 1000-1003)."""
    park = load_scenario(PARKS[case], sets=[f"reopening.apply_days.lognormal.median={TRUTH}"])
    res = np.mean([run(park, 1000 + r).resumption for r in range(4)], axis=0)
    return [(d, round(float(res[d]), 4)) for d in DAYS[case]]


def write_spec(folder: Path, quick: str = "") -> Path:
    """Two cases sharing the preparation median; park b also has its own number of review
    teams (a fact of that place, prior 2-8)."""
    lines = ["name: two_parks", "cases:"]
    for case in ("a", "b"):
        lines += [
            f"  - id: {case}",
            f"    scenario: {PARKS[case]}",
            "    set: [days=17]",
            "    observations:",
            *(
                f"      - {{day: {d}, metric: resumption, value: {v}, uncertainty: 0.05, "
                f"id: day{d}}}"
                for d, v in synthetic(case)
            ),
        ]
        if case == "a":
            lines.append("    hold_out: ['from:16']")
        else:
            lines += [
                "    parameters:",
                "      - {name: teams_b, path: reopening.service_teams, from: 2, to: 8, "
                "integer: true}",
            ]
    lines += [
        "parameters:",
        "  - name: prep_median",
        "    path: reopening.apply_days.lognormal.median",
        "    prior: {uniform: {from: 2, to: 20}}",
        f"    truth: {TRUTH}",
        "settings: {seed: 7}",
        f"quick: {{predictive_draws: 16{quick}}}",
    ]
    path = folder / "joint.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


OUTPUTS = ("posterior.csv", "fit.csv", "validation.csv", "predictive.csv", "cases.csv")


def outputs(folder: Path) -> dict[str, bytes]:
    files = {name: (folder / name).read_bytes() for name in OUTPUTS}
    files |= {p.name: p.read_bytes() for p in sorted((folder / "calibrated").iterdir())}
    return files


@pytest.fixture(scope="module")
def joint(tmp_path_factory) -> tuple[Path, Path, float]:
    """The joint calibration in `--quick` mode, serial: (spec, folder, seconds)."""
    base = tmp_path_factory.mktemp("joint")
    spec = write_spec(base)
    out = base / "quick"
    t0 = time.perf_counter()
    run_calibration(load_calibration(spec, quick=True), out, SerialExecutor())
    return spec, out, time.perf_counter() - t0


def test_quick_joint_calibration_recovers_the_shared_preparation_median(joint) -> None:
    _, out, seconds = joint
    meta = json.loads((out / "calibration.json").read_text())
    post = {e["name"]: e for e in meta["posterior"]}
    prep = post["prep_median"]
    lo, hi = prep["ci90"]
    assert abs(prep["median"] - TRUTH) <= TOLERANCE, prep
    assert lo <= TRUTH <= hi, prep
    assert prep["cases"] == {
        "a": ["reopening.apply_days.lognormal.median"],
        "b": ["reopening.apply_days.lognormal.median"],
    }
    assert post["teams_b"]["cases"] == {"b": ["reopening.service_teams"]}
    assert len(meta["generations"]) == 3  # the quick default
    assert verify(out) == []
    print(f"joint --quick calibration: {seconds:.1f} s")  # the budget is checked in the CLI test


def test_the_folder_has_the_fit_case_by_case_and_one_overlay_per_case(joint, tmp_path) -> None:
    _, out, _ = joint
    fit = (out / "fit.csv").read_text().splitlines()
    assert fit[0].startswith("case,id,role,")
    assert [line.split(",")[:3] for line in fit[1:]] == [
        ["a", "a/day6", "fit"],
        ["a", "a/day10", "fit"],
        ["a", "a/day16", "held_out"],
        ["b", "b/day8", "fit"],
        ["b", "b/day12", "fit"],
    ]
    validation = (out / "validation.csv").read_text().splitlines()
    assert len(validation) == 2 and validation[1].startswith("a,a/day16,held_out,")
    cases = (out / "cases.csv").read_text().splitlines()
    assert cases[0] == (
        "case,scenario,parameters,fitted,fitted_distance,fitted_in_band_90,held_out,"
        "held_out_distance,held_out_in_band_90"
    )
    assert cases[1].startswith("a,small_park,prep_median,2,")
    assert cases[2].startswith("b,small_park_b,prep_median, teams_b,2,") or cases[2].startswith(
        'b,small_park_b,"prep_median, teams_b",2,'
    )
    assert (out / "predictive.csv").read_text().startswith("case,draw,particle,")
    report = (out / "calibration.md").read_text()
    assert "## Fit by case" in report and "Joint calibration of 2 cases" in report
    assert (out / "plots" / "predictive.png").stat().st_size > 10_000
    assert not (out / "calibrated.yaml").exists()

    meta = json.loads((out / "calibration.json").read_text())
    post = {e["name"]: e["calibrated"] for e in meta["posterior"]}
    a = yaml.safe_load((out / "calibrated" / "a.yaml").read_text())
    b = yaml.safe_load((out / "calibrated" / "b.yaml").read_text())
    assert a == {"reopening": {"apply_days": {"lognormal": {"median": post["prep_median"]}}}}
    assert b == {
        "reopening": {
            "apply_days": {"lognormal": {"median": post["prep_median"]}},
            "service_teams": post["teams_b"],
        }
    }
    park = load_scenario(PARKS["b"], [out / "calibrated" / "b.yaml"])
    assert park.scenario.reopening.service_teams == post["teams_b"]
    args = ["--replications", "2", "--quiet", "--no-plots", "--out", str(tmp_path / "r")]
    assert (
        main(["run", str(PARKS["b"]), "--policy", str(out / "calibrated" / "b.yaml"), *args]) == 0
    )


def test_raising_generations_continues_to_the_posterior_of_the_longer_run(joint, tmp_path) -> None:
    """Two quick generations, then the same file with three: the same files, byte for
    byte, as three at once (the resume path of a joint calibration)."""
    _, whole, _ = joint
    out = tmp_path / "out"
    short = write_spec(tmp_path, quick=", generations: 2")
    first = run_calibration(load_calibration(short, quick=True), out, SerialExecutor(), plots=False)
    assert first.generations == 2
    spec = write_spec(tmp_path)
    more = run_calibration(load_calibration(spec, quick=True), out, SerialExecutor(), plots=False)
    assert more.generations == 3 and not more.already_complete
    assert outputs(out) == outputs(whole)


def test_the_quick_cli_run_takes_under_a_minute_and_says_how_each_case_fits(
    tmp_path, capsys
) -> None:
    """Timed in CPU seconds of this process (the serial executor runs every model run
    here), so that other work on a shared machine does not make it fail."""
    spec = write_spec(tmp_path)
    t0 = time.process_time()
    code = main(
        ["calibrate", str(spec), "--quick", "--executor", "serial", "--out", str(tmp_path / "o")]
    )
    seconds = time.process_time() - t0
    assert code == 0
    text = capsys.readouterr().out
    assert "case a: 2 fitted (distance " in text and "1 held out" in text
    assert "case b: 2 fitted" in text
    assert seconds < QUICK_SECONDS, seconds


def _obs(case: str, value: float) -> Observation:
    return Observation("x", 0, None, "resumption", "park", value, 0.1, "", "", "", case=case)


def test_each_case_weighs_the_same_in_the_distance_however_many_observations_it_has() -> None:
    """Case a has three observations off by 1 uncertainty, case b one off by 3: the
    distance is sqrt((1 + 9) / 2), not sqrt((1 + 1 + 1 + 9) / 4)."""
    obs = [_obs("a", 0.5), _obs("a", 0.5), _obs("a", 0.5), _obs("b", 0.5)]
    y = {"y": np.array([0.6, 0.4, 0.6, 0.8])}
    assert ScaledDistance(obs, "rmse")(y, {}) == pytest.approx(np.sqrt((1 + 9) / 2))
    assert ScaledDistance(obs, "mae")(y, {}) == pytest.approx((1 + 3) / 2)
    one = [_obs("", 0.5)] * 4
    assert ScaledDistance(one, "rmse")(y, {}) == pytest.approx(np.sqrt((1 + 1 + 1 + 9) / 4))
