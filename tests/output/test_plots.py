"""Charts of a run are redrawn from its results folder alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.output.plots import (
    draw_run_plots,
    order_causes,
    read_causes,
    read_summary,
    read_timeseries,
)

REPS = 3
DAYS = 30
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Causes as they first appear in causes.csv; the reader gathers the input:* ones.
FILE_CAUSES = ["not_allowed", "input:chips", "labour", "input:steel", "ramp_up"]
GROUPED_CAUSES = ["not_allowed", "input:chips", "input:steel", "labour", "ramp_up"]


def capacity(rep: int, day: int) -> float:
    """Linear ramp from 20 % to 100 %, each replication a little faster than the last."""
    return min(1.0, 0.2 + day * (0.03 + 0.005 * rep))


def resumption(rep: int, day: int) -> float:
    return min(1.0, 0.3 + day * 0.04)


def above_scale(rep: int, day: int) -> float:
    return min(1.0, 0.5 + day * 0.05)


def cause_shares(rep: int, day: int) -> dict[str, float]:
    """Split 1 − capacity over the causes with fixed weights (they sum to the loss)."""
    loss = 1.0 - capacity(rep, day)
    weights = {
        "not_allowed": 0.3,
        "input:chips": 0.2,
        "labour": 0.25,
        "input:steel": 0.15,
        "ramp_up": 0.1,
    }
    return {cause: loss * w for cause, w in weights.items()}


def write_results(
    folder: Path, *, start_date: str | None = "2020-02-10", with_summary_causes: bool = True
) -> Path:
    """Write a small results folder by hand: 3 replications × 30 days."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["day,replication,metric,group,value"]
    for rep in range(REPS):
        for day in range(DAYS):
            lines.append(f"{day},{rep},capacity,park,{capacity(rep, day)!r}")
            lines.append(f"{day},{rep},resumption,park,{resumption(rep, day)!r}")
            lines.append(f"{day},{rep},resumption_above_scale,park,{above_scale(rep, day)!r}")
            lines.append(f"{day},{rep},resumption_weighted,park,0.5")
            lines.append(f"{day},{rep},workforce,park,0.9")
            lines.append(f"{day},{rep},capacity,electronics,{day / DAYS!r}")
            lines.append(f"{day},{rep},capacity,tag:backbone,0.7")
            lines.append(f"{day},{rep},some_future_metric,park,42")
    (folder / "timeseries.csv").write_text("\n".join(lines) + "\n")

    lines = ["day,replication,cause,lost_output"]
    for rep in range(REPS):
        for day in range(DAYS):
            for cause, lost in cause_shares(rep, day).items():
                if lost > 0:  # days without loss are left out, as a writer may do
                    lines.append(f"{day},{rep},{cause},{lost!r}")
    (folder / "causes.csv").write_text("\n".join(lines) + "\n")

    def days_to(threshold: float) -> list[int]:
        return [next(d for d in range(DAYS) if capacity(r, d) >= threshold) for r in range(REPS)]

    def stat(values: list[float]) -> dict[str, object]:
        return {
            "mean": float(np.mean(values)),
            "ci95": [min(values), max(values)],
            "values": values,
        }

    totals = {
        cause: [sum(cause_shares(r, d)[cause] for d in range(DAYS)) for r in range(REPS)]
        for cause in FILE_CAUSES
    }
    summary = {
        "scenario": "demo_park",
        "seed": 7,
        "replications": REPS,
        "days": DAYS,
        "start_date": start_date,
        "metrics": {
            "days_to_80": {**stat(days_to(0.8)), "reached": REPS},
            "days_to_50": {**stat(days_to(0.5)), "reached": REPS},
            "days_to_95": {**stat(days_to(0.95)), "reached": REPS},
            "lost_output_days": stat([sum(v[r] for v in totals.values()) for r in range(REPS)]),
            "final_capacity": stat([capacity(r, DAYS - 1) for r in range(REPS)]),
            "final_resumption": stat([resumption(r, DAYS - 1) for r in range(REPS)]),
        },
        "causes": {c: stat(v) for c, v in totals.items()} if with_summary_causes else {},
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    return folder


def assert_png(path: Path) -> None:
    assert path.is_file(), path
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path} is not a PNG"
    assert len(data) > 10_000, f"{path} is suspiciously small ({len(data)} bytes)"


@pytest.mark.parametrize("start_date", ["2020-02-10", None])
def test_draw_run_plots_writes_both_charts(tmp_path: Path, start_date: str | None) -> None:
    folder = write_results(tmp_path / "run", start_date=start_date)
    paths = draw_run_plots(folder)
    assert paths == [folder / "plots" / "recovery.png", folder / "plots" / "causes.png"]
    for path in paths:
        assert_png(path)


def test_causes_totals_computed_when_summary_has_none(tmp_path: Path) -> None:
    folder = write_results(tmp_path / "run", with_summary_causes=False)
    for path in draw_run_plots(folder):
        assert_png(path)


def test_redrawing_overwrites_and_leaves_no_open_figures(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    folder = write_results(tmp_path / "run")
    before = plt.get_fignums()
    draw_run_plots(folder)
    draw_run_plots(folder)
    assert plt.get_fignums() == before
    assert sorted(p.name for p in (folder / "plots").iterdir()) == ["causes.png", "recovery.png"]


def test_single_replication_has_no_band_but_draws(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "timeseries.csv").write_text(
        "day,replication,metric,group,value\n"
        + "".join(f"{d},0,capacity,park,{d / 10}\n" for d in range(11))
    )
    (folder / "causes.csv").write_text(
        "day,replication,cause,lost_output\n"
        + "".join(f"{d},0,labour,{1 - d / 10}\n" for d in range(11))
    )
    (folder / "summary.json").write_text(
        json.dumps(
            {
                "scenario": "tiny",
                "seed": 1,
                "replications": 1,
                "days": 11,
                "start_date": None,
                "metrics": {"days_to_80": {"mean": None, "ci95": None, "values": [], "reached": 0}},
                "causes": {},
            }
        )
    )
    for path in draw_run_plots(folder):
        assert path.read_bytes()[:8] == PNG_MAGIC


def test_read_timeseries_returns_what_was_written(tmp_path: Path) -> None:
    folder = write_results(tmp_path / "run")
    series = read_timeseries(folder / "timeseries.csv")
    expected_cap = np.array([[capacity(r, d) for d in range(DAYS)] for r in range(REPS)])
    assert series[("capacity", "park")].shape == (REPS, DAYS)
    np.testing.assert_array_equal(series[("capacity", "park")], expected_cap)
    np.testing.assert_array_equal(
        series[("resumption", "park")],
        np.array([[resumption(r, d) for d in range(DAYS)] for r in range(REPS)]),
    )
    np.testing.assert_array_equal(series[("capacity", "tag:backbone")], np.full((REPS, DAYS), 0.7))
    assert set(series) == {
        ("capacity", "park"),
        ("resumption", "park"),
        ("resumption_above_scale", "park"),
        ("resumption_weighted", "park"),
        ("workforce", "park"),
        ("capacity", "electronics"),
        ("capacity", "tag:backbone"),
        ("some_future_metric", "park"),
    }


def test_read_timeseries_any_column_order_and_gaps_are_nan(tmp_path: Path) -> None:
    path = tmp_path / "timeseries.csv"
    path.write_text("metric,group,value,day,replication\ncapacity,park,0.5,2,1\n")
    series = read_timeseries(path, replications=2, days=4)
    expected = np.full((2, 4), np.nan)
    expected[1, 2] = 0.5
    np.testing.assert_array_equal(series[("capacity", "park")], expected)


def test_read_causes_returns_what_was_written_with_inputs_together(tmp_path: Path) -> None:
    folder = write_results(tmp_path / "run")
    # The last days of the run lose nothing, so their rows are absent: the run size says
    # how far the array goes.
    causes, lost = read_causes(folder / "causes.csv", replications=REPS, days=DAYS)
    assert causes == GROUPED_CAUSES
    assert lost.shape == (REPS, DAYS, len(GROUPED_CAUSES))
    expected = np.array(
        [
            [[cause_shares(r, d)[c] for c in GROUPED_CAUSES] for d in range(DAYS)]
            for r in range(REPS)
        ]
    )
    np.testing.assert_array_equal(lost, expected)
    # The causes of a day split exactly the output the park did not produce.
    cap = read_timeseries(folder / "timeseries.csv")[("capacity", "park")]
    np.testing.assert_allclose(lost.sum(axis=2), 1.0 - cap, atol=1e-12)


def test_read_causes_fills_days_without_loss_with_zero(tmp_path: Path) -> None:
    path = tmp_path / "causes.csv"
    path.write_text("day,replication,cause,lost_output\n1,0,labour,0.25\n1,0,labour,0.25\n")
    causes, lost = read_causes(path, replications=1, days=3)
    assert causes == ["labour"]
    np.testing.assert_array_equal(lost, [[[0.0], [0.5], [0.0]]])


def test_order_causes_keeps_first_appearance_and_gathers_inputs() -> None:
    assert order_causes(
        ["labour", "input:chips", "failed", "labour", "input:steel", "input:chips", "logistics"]
    ) == ["labour", "input:chips", "input:steel", "failed", "logistics"]
    assert order_causes([]) == []


@pytest.mark.parametrize("missing", ["timeseries.csv", "causes.csv", "summary.json"])
def test_missing_file_is_named(tmp_path: Path, missing: str) -> None:
    folder = write_results(tmp_path / "run")
    (folder / missing).unlink()
    with pytest.raises(FileNotFoundError, match=missing.replace(".", r"\.")):
        draw_run_plots(folder)
    assert not (folder / "plots").exists()


def test_missing_results_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nowhere"):
        draw_run_plots(tmp_path / "nowhere")


def test_bad_cell_reports_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "timeseries.csv"
    path.write_text(
        "day,replication,metric,group,value\n0,0,capacity,park,0.5\n1,0,capacity,park,x\n"
    )
    with pytest.raises(ValueError, match=r"timeseries\.csv:3: value 'x'"):
        read_timeseries(path)


def test_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "causes.csv"
    path.write_text("day,replication,cause,lost_output\n\n0,0,labour,0.1\n\n0,0,labour\n")
    with pytest.raises(ValueError, match=r"causes\.csv:5: expected 4 fields, found 3"):
        read_causes(path)


def test_bad_header_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "causes.csv"
    path.write_text("day,replication,why,lost_output\n")
    with pytest.raises(ValueError, match="lacks column"):
        read_causes(path)


def test_rows_beyond_the_run_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "causes.csv"
    path.write_text("day,replication,cause,lost_output\n5,0,labour,0.1\n")
    with pytest.raises(ValueError, match="day 5"):
        read_causes(path, days=5)


def test_read_summary_start_date(tmp_path: Path) -> None:
    folder = write_results(tmp_path / "a", start_date="2020-02-10")
    summary = read_summary(folder / "summary.json")
    assert summary.scenario == "demo_park"
    assert summary.start_date is not None and summary.start_date.isoformat() == "2020-02-10"
    assert summary.metric_mean("days_to_80") is not None
    folder = write_results(tmp_path / "b", start_date=None)
    assert read_summary(folder / "summary.json").start_date is None


def test_import_is_light() -> None:
    code = "import sys, sim.output.plots; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
