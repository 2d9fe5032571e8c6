"""Can the indices of a sweep be trusted? Warnings, convergence, the settings of the
analysis, integer parameters drawn fairly, one definition of every metric, and
re-analysis without running (`parksim sweep --analyse-only`).

The warnings are checked on the Ishigami function, whose indices are known exactly
(Ishigami & Homma 1990; a = 7, b = 0.1): run through a pass-through "model" that
reads the three parameters of a point and returns the function's value.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.cli import main
from sim.experiment.executors import SerialExecutor
from sim.experiment.sweep import (
    OK,
    analyse_sweep,
    collect,
    index_warnings,
    record,
    run_sweep,
    sensitivity,
    tasks,
)
from sim.experiment.sweep_spec import load_sweep
from sim.metrics import days_to_median
from sim.output.results import verify
from sim.scenario.errors import ScenarioError
from tests.conftest import ROOT
from tests.experiment.test_sweep import write_sweep

# --------------------------------------------------------------------------- Ishigami

ISHIGAMI_S1 = {"a": 0.3139, "b": 0.4424, "c": 0.0}
ISHIGAMI_ST = {"a": 0.5576, "b": 0.4424, "c": 0.2437}


def ishigami(task, noise: float = 0.0):
    """y = sin x1 + 7 sin² x2 + 0.1 x3⁴ sin x1, x_i = -π + 2π u_i; `noise` adds Gaussian
    replication noise, independent per (point, replication)."""
    p = dict(task.params)
    x1, x2, x3 = (-math.pi + 2 * math.pi * p[k] for k in "abc")
    y = math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)
    if noise:
        y += noise * np.random.default_rng([task.point_id, task.replication]).normal()
    return record(task, OK, days=30, metrics={"lost_output_days": y, "final_capacity": 1.0})


def ishigami_sweep(tmp_path: Path, samples: int, replications: int, extra: str = ""):
    return load_sweep(
        write_sweep(
            tmp_path,
            f"""\
parameters:
  - {{path: reopening.fail_prob, name: a, from: 0, to: 1}}
  - {{path: workforce.min_crew_share, name: b, from: 0, to: 1}}
  - {{path: outbreaks.closed_loop_factor, name: c, from: 0, to: 1}}
design: {{method: sobol, samples: {samples}{extra}}}
replications: {replications}
outcomes: [lost_output_days]
""",
            name=f"ishigami{samples}x{replications}",
        )
    )


def analysed(sweep, noise: float = 0.0) -> dict:
    """sensitivity.json's entry of the outcome, from every run of the pass-through."""
    records = {t.run_id: ishigami(t, noise) for t in tasks(sweep)}
    sens = sensitivity(sweep, collect(sweep, records))
    assert sens is not None
    entry: dict = sens["outcomes"]["lost_output_days"]
    return entry


def codes(entry: dict) -> list[str]:
    return [w["code"] for w in entry["warnings"]]


def test_reliable_indices_of_the_ishigami_function_raise_no_warning(tmp_path) -> None:
    sweep = ishigami_sweep(tmp_path, 1024, 2)
    entry = analysed(sweep)
    ix = entry["indices"]
    for p in "abc":
        assert ix[p]["S1"] == pytest.approx(ISHIGAMI_S1[p], abs=0.06)
        assert ix[p]["ST"] == pytest.approx(ISHIGAMI_ST[p], abs=0.06)
        assert ix[p]["S1_conf"] < 0.1 and ix[p]["ST_conf"] < 0.1
    assert entry["noise_share"] == entry["noise_share_of_means"] == 0.0  # deterministic
    assert entry["warnings"] == []
    # convergence: the first N/4, N/2 and N base samples; the last is the answer
    steps = entry["convergence"]
    assert [(s["base_samples"], s["points"]) for s in steps] == [
        (256, 256 * 5),
        (512, 512 * 5),
        (1024, 1024 * 5),
    ]
    assert steps[-1]["indices"] == ix
    # and on N/4 alone it is already about right, only less sure
    assert steps[0]["indices"]["b"]["ST"] == pytest.approx(ISHIGAMI_ST["b"], abs=0.1)
    assert steps[0]["indices"]["a"]["ST_conf"] > ix["a"]["ST_conf"]


def test_too_few_base_samples_are_flagged_with_what_to_do(tmp_path) -> None:
    entry = analysed(ishigami_sweep(tmp_path, 8, 2))
    assert codes(entry) == ["few_samples"]
    (w,) = entry["warnings"]
    assert "8 base samples, fewer than the 64" in w["message"]
    assert re.search(r"intervals as wide as ± \d\.\d\d \((S1|ST) of [abc]\)", w["message"])
    assert w["advice"].startswith("raise design.samples from 8 to 32 or more")


def test_replication_noise_is_flagged_until_replications_drown_it(tmp_path) -> None:
    noisy = analysed(ishigami_sweep(tmp_path, 1024, 2), noise=3.0)
    # noise variance 9 over 2 replications against the function's 13.8
    assert noisy["noise_share_of_means"] == pytest.approx(4.5 / (13.84 + 4.5), abs=0.03)
    assert "noise" in codes(noisy)
    w = next(w for w in noisy["warnings"] if w["code"] == "noise")
    assert "replication noise makes 2" in w["message"] and "(threshold 10%)" in w["message"]
    advised = int(re.search(r"from 2 to about (\d+)", w["advice"]).group(1))
    assert 5 <= advised <= 7  # 2 · 0.245 · 0.9 / (0.1 · 0.755) = 5.8
    # with the replications it asks for, the point means hold little noise, and it says so
    quiet = analysed(ishigami_sweep(tmp_path, 1024, advised + 2), noise=3.0)
    assert quiet["noise_share_of_means"] < 0.1
    assert "noise" not in codes(quiet)


def test_one_replication_cannot_tell_the_noise(tmp_path) -> None:
    entry = analysed(ishigami_sweep(tmp_path, 1024, 1))
    assert entry["noise_share"] is None and entry["noise_share_of_means"] is None
    assert codes(entry) == ["noise"]
    assert "cannot be measured" in entry["warnings"][0]["message"]


def test_impossible_indices_beyond_their_interval_are_flagged(tmp_path) -> None:
    """The rules on indices as a researcher found them: ST = 1.45 ± 0.30 is above 1 beyond
    its interval; 1.45 ± 0.62 is not (but its interval is far too wide); S1 = -0.20 ±
    0.10 is below 0 beyond its interval, -0.05 ± 0.10 is not."""
    sweep = ishigami_sweep(tmp_path, 1024, 2)

    def entry(st_a: tuple[float, float], s1_c: tuple[float, float]) -> dict:
        ix = {
            "a": {"S1": 0.3, "S1_conf": 0.05, "ST": st_a[0], "ST_conf": st_a[1]},
            "b": {"S1": 0.4, "S1_conf": 0.05, "ST": 0.45, "ST_conf": 0.05},
            "c": {"S1": s1_c[0], "S1_conf": s1_c[1], "ST": 0.2, "ST_conf": 0.05},
        }
        e = {"indices": ix, "noise_share_of_means": 0.01}
        return {"warnings": index_warnings(sweep, e, replications=2)}

    bad = entry((1.45, 0.30), (-0.20, 0.10))
    assert codes(bad) == ["st_above_one", "s1_negative", "few_samples"]
    assert "a 1.45 ± 0.30" in bad["warnings"][0]["message"]
    assert "c -0.20 ± 0.10" in bad["warnings"][1]["message"]
    assert "± 0.30 (ST of a)" in bad["warnings"][2]["message"]
    wide = entry((1.45, 0.62), (-0.05, 0.10))
    assert codes(wide) == ["few_samples"]
    assert codes(entry((0.55, 0.06), (-0.05, 0.05))) == []


def test_warnings_reach_the_terminal_the_json_and_the_plot(tmp_path, capsys) -> None:
    from sim.output import sweep_plots

    sweep = ishigami_sweep(tmp_path, 8, 2)
    out = tmp_path / "out"
    run_sweep(sweep, out, SerialExecutor(), task_fn=ishigami, plots=False)
    entry = json.loads((out / "sensitivity.json").read_text())["outcomes"]["lost_output_days"]
    assert codes(entry) == ["few_samples"]
    capsys.readouterr()
    args = ["sweep", str(sweep.file), "--out", str(out), "--analyse-only"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "parksim sweep: warning: lost_output_days: too few base samples: 8 base samples" in (err)
    assert "raise design.samples from 8 to 32" in err
    for name in ("sensitivity.png", "convergence.png"):
        assert (out / "plots" / name).is_file()
    # the panel says so under its bars
    drawn = []
    real_save = sweep_plots._save
    sweep_plots._save = lambda fig, path: drawn.append(fig) or real_save(fig, path)
    try:
        sweep_plots.draw_sensitivity_plot(out)
        sweep_plots.draw_convergence_plot(out)
    finally:
        sweep_plots._save = real_save
    for fig in drawn:
        texts = [t.get_text() for ax in fig.axes for t in ax.texts]
        assert any(t.startswith("not to be trusted: too few base samples") for t in texts)
    assert verify(out) == []


# --------------------------------------------------------------------------- settings


def test_second_order_and_the_analysis_settings_come_from_the_design(tmp_path) -> None:
    extra = ", second_order: true, num_resamples: 50, conf_level: 0.5"
    sweep = ishigami_sweep(tmp_path, 256, 2, extra)
    assert len(sweep.points) == 256 * (2 * 3 + 2)
    entry = analysed(sweep)
    pairs = {tuple(s["parameters"]): s for s in entry["second_order"]}
    assert set(pairs) == {("a", "b"), ("a", "c"), ("b", "c")}
    # Ishigami: x1 and x3 interact (S13 = 0.244), no other pair does
    assert pairs[("a", "c")]["S2"] == pytest.approx(0.244, abs=0.12)
    assert abs(pairs[("a", "b")]["S2"]) < 0.12 and abs(pairs[("b", "c")]["S2"]) < 0.12
    # a 50 % interval is narrower than the default 95 % one on the same sample
    default = analysed(ishigami_sweep(tmp_path, 256, 2, ", second_order: true"))
    assert entry["indices"]["a"]["ST_conf"] < 0.6 * default["indices"]["a"]["ST_conf"]
    records = {t.run_id: ishigami(t) for t in tasks(sweep)}
    sens = sensitivity(sweep, collect(sweep, records))
    assert sens is not None
    assert sens["analysis"] == {
        "function": "SALib.analyze.sobol.analyze",
        "inputs": ["problem", "Y"],
        "arguments": {
            "calc_second_order": True,
            "num_resamples": 50,
            "conf_level": 0.5,
            "seed": sweep.seed,
        },
    }


def test_settings_a_design_cannot_use_are_refused(tmp_path) -> None:
    cases = {
        "{method: grid, num_resamples: 100}": "`num_resamples` sets the intervals of",
        "{method: lhs, samples: 8, second_order: true}": "`second_order` is for sobol",
        "{method: sobol, samples: 8, conf_level: 1.5}": "design.conf_level",
    }
    for design, expected in cases.items():
        f = write_sweep(
            tmp_path,
            "parameters:\n  - {path: reopening.service_teams, levels: [1, 2]}\n"
            f"design: {design}\n",
        )
        with pytest.raises(ScenarioError) as e:
            load_sweep(f)
        assert expected in e.value.render()


def test_an_integer_range_gives_every_whole_number_the_same_chance(tmp_path) -> None:
    body = """\
parameters:
  - {{path: reopening.service_teams, name: teams, from: 1, to: 6, integer: true}}
  - {{path: reopening.fail_prob, name: fail, from: 0.05, to: 0.3}}
design: {design}
"""
    lhs = load_sweep(write_sweep(tmp_path, body.format(design="{method: lhs, samples: 600}")))
    # one point in each of 600 strata: 100 in each whole number's bin, the ends included
    assert Counter(pt.values[0] for pt in lhs.points) == {k: 100 for k in range(1, 7)}
    sobol = load_sweep(write_sweep(tmp_path, body.format(design="{method: sobol, samples: 256}")))
    counts = Counter(pt.values[0] for pt in sobol.points)
    assert set(counts) == set(range(1, 7))
    assert max(counts.values()) / min(counts.values()) < 1.15  # rounding gave ends half
    assert sobol.problem["bounds"][0] == [1.0, 7.0]
    # a grid keeps its evenly spaced values, ends included, rounded halves up
    grid = load_sweep(
        write_sweep(tmp_path, body.format(design="{method: grid, points_per_axis: 3}"))
    )
    assert sorted({pt.values[0] for pt in grid.points}) == [1, 4, 6]
    # no whole number in the range: said at the parameter's line
    f = write_sweep(
        tmp_path,
        "parameters:\n  - {path: reopening.service_teams, from: 1.2, to: 1.8, integer: true}\n"
        "design: {method: lhs, samples: 4}\n",
    )
    with pytest.raises(ScenarioError) as e:
        load_sweep(f)
    assert e.value.render().startswith(f"{f}:6:")
    assert (
        "parameters[0].integer: no whole number lies between `from` (1.2) and `to` (1.8)"
        in e.value.render()
    )


# --------------------------------------------------------------------------- one definition

DEMO_SOBOL = """\
parameters:
  - {path: reopening.service_teams, name: teams, from: 1, to: 4, integer: true}
  - {path: workforce.quarantine_days, name: quarantine, from: 0, to: 14, integer: true}
design: {method: sobol, samples: 4}
replications: 3
outcomes: [days_to_80, lost_output_days]
"""


@pytest.fixture(scope="module")
def censored_sweep(tmp_path_factory) -> tuple[Path, Path]:
    """A small Sobol' sweep of the real model, 40 days: some replications never reach 80 %."""
    tmp = tmp_path_factory.mktemp("censored")
    f = write_sweep(tmp, DEMO_SOBOL)
    f.write_text(f.read_text().replace("days=30", "days=40"))
    out = tmp / "out"
    assert main(["sweep", str(f), "--executor", "serial", "--out", str(out), "--quiet"]) == 0
    return f, out


@pytest.mark.filterwarnings("ignore:Constant values encountered")
def test_points_and_indices_count_a_level_never_reached_the_same_way(censored_sweep) -> None:
    _, out = censored_sweep
    runs = pq.read_table(out / "runs.parquet").to_pylist()
    assert any(r["days_to_80"] is None for r in runs) and any(r["days_to_80"] for r in runs)
    with (out / "points.csv").open() as fh:
        points = [p for p in csv.DictReader(fh) if p["metric"] == "days_to_80"]
    for p in points:
        mine = [r for r in runs if r["point_id"] == int(p["point_id"])]
        values = [r["days_to_80"] for r in mine]
        censored = [40.0 if v is None else float(v) for v in values]
        # full precision: the cell reads back to the very number
        assert float(p["mean"]) == float(np.mean(censored))
        assert int(p["n"]) == sum(v is not None for v in values)
        assert int(p["censored"]) == sum(v is None for v in values)
        median, (lo, hi) = days_to_median(values, 40)
        assert p["median"] == ("" if median is None else repr(median))
        assert (p["median_ci95_lo"], p["median_ci95_hi"]) == tuple(
            "" if v is None else repr(v) for v in (lo, hi)
        )
    # the indices are SALib's on exactly those means
    from SALib.analyze import sobol

    spec = json.loads((out / "sweep.json").read_text())
    sens = json.loads((out / "sensitivity.json").read_text())
    y = np.array([float(p["mean"]) for p in sorted(points, key=lambda p: int(p["point_id"]))])
    a = sens["analysis"]
    res = sobol.analyze(spec["sampler"]["problem"], y, **a["arguments"])
    ix = sens["outcomes"]["days_to_80"]["indices"]
    for i, name in enumerate(spec["sampler"]["problem"]["names"]):
        assert ix[name]["ST"] == float(res["ST"][i]) and ix[name]["S1"] == float(res["S1"][i])
    assert sens["outcomes"]["days_to_80"]["censored_runs"] == sum(
        r["days_to_80"] is None for r in runs
    )


@pytest.mark.filterwarnings("ignore:Constant values encountered")
def test_the_docs_reproduce_the_indices_from_runs_parquet_with_salib(censored_sweep) -> None:
    """The snippet of docs/sweeps.md, run on a sweep folder, gives sensitivity.json's
    indices exactly."""
    _, out = censored_sweep
    text = (ROOT / "docs" / "sweeps.md").read_text(encoding="utf-8")
    marker = "<!-- reproduce-indices: a test runs this block -->"
    block = text.split(marker, 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert 'folder = "results/demo_sobol"' in block
    namespace: dict = {}
    exec(block.replace("results/demo_sobol", str(out)), namespace)
    sens = json.loads((out / "sensitivity.json").read_text())
    for outcome in ("days_to_80",):
        ix = sens["outcomes"][outcome]["indices"]
        res = namespace["res"]
        for i, name in enumerate(namespace["problem"]["names"]):
            assert float(res["ST"][i]) == ix[name]["ST"]
            assert float(res["S1"][i]) == ix[name]["S1"]


# --------------------------------------------------------------------------- re-analysis


def test_analyse_only_recomputes_with_new_settings_and_runs_nothing(tmp_path, capsys) -> None:
    f = write_sweep(tmp_path, DEMO_SOBOL)
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--executor", "serial", "--out", str(out), "--quiet"]) == 0
    ledger = (out / "ledger.jsonl").read_bytes()
    runs = (out / "runs.parquet").read_bytes()
    before = json.loads((out / "sensitivity.json").read_text())
    f.write_text(
        f.read_text()
        .replace("samples: 4}", "samples: 4, num_resamples: 30, conf_level: 0.8}")
        .replace("outcomes: [days_to_80, lost_output_days]", "outcomes: [final_capacity]")
    )
    capsys.readouterr()
    assert main(["sweep", str(f), "--out", str(out), "--analyse-only"]) == 0
    said = capsys.readouterr().out
    assert "(0 run now, 0 failed)" in said and "final_capacity" in said
    assert (out / "ledger.jsonl").read_bytes() == ledger
    assert (out / "runs.parquet").read_bytes() == runs
    after = json.loads((out / "sensitivity.json").read_text())
    assert list(after["outcomes"]) == ["final_capacity"] != list(before["outcomes"])
    assert after["analysis"]["arguments"]["num_resamples"] == 30
    assert after["analysis"]["arguments"]["conf_level"] == 0.8
    man = json.loads((out / "manifest.json").read_text())
    assert [(s["mode"], s["runs"]) for s in man["sessions"]] == [("run", 48), ("analyse", 0)]
    assert verify(out) == []

    # a folder with runs missing is refused, and left as it was
    f2 = write_sweep(tmp_path, DEMO_SOBOL.replace("replications: 3", "replications: 4"), "more")
    capsys.readouterr()
    assert main(["sweep", str(f2), "--out", str(out), "--analyse-only"]) == 2
    err = capsys.readouterr().err
    assert "16 of the sweep's 64 runs are not recorded yet" in err
    assert "run `parksim sweep` without it to finish them" in err
    assert verify(out) == []
    assert main(["sweep", str(f), "--out", str(tmp_path / "none"), "--analyse-only"]) == 2
    assert "holds no runs of this sweep to analyse" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()
    assert main(["sweep", str(f), "--out", str(out), "--analyse-only", "--fresh"]) == 2
    assert "--analyse-only runs nothing" in capsys.readouterr().err
    assert analyse_sweep(load_sweep(f), out, plots=False).ran == 0
