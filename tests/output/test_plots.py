"""Charts of a run are redrawn from its results folder alone."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from sim.files.bottlenecks import Bottleneck
from sim.files.bottlenecks import read as read_bottlenecks
from sim.files.causes import order_causes
from sim.files.causes import read as read_causes
from sim.files.logistics import LOGISTICS_FIELDS
from sim.files.logistics import read as read_logistics
from sim.files.summary import ReportedFigure
from sim.files.summary import read as read_summary
from sim.files.timeseries import read as read_timeseries
from sim.output.charts.logistics import draw_logistics
from sim.output.charts.recovery import draw_reported_figures
from sim.output.charts.style import OKABE_ITO
from sim.output.plots import draw_run_plots

REPS = 3
DAYS = 30
LOGISTICS_DAYS = 20
STATIONS = ["north_gate", "south_gate"]
LOGISTICS_HEADER = (
    "day,replication,station,declared,admitted,cleared,"
    "declared_total,admitted_total,cleared_total,queue,mean_wait_days"
)
BOTTLENECKS_HEADER = "rank,kind,id,lost_output_days,ci95_lo,ci95_hi"
# 12 rows as bottleneck_rows writes them: more than the chart shows, a CI reaching below
# zero (few replications) and one without a CI.
BOTTLENECKS = [
    Bottleneck(1, "station", "north_gate", 4.625115424, 4.143481062, 5.106749786),
    Bottleneck(2, "supplier", "chipco", 2.801443698, 2.432620288, 3.170267108),
    Bottleneck(3, "passes", "waiting_for_pass_or_open_station", 1.25, 0.9, 1.6),
    Bottleneck(4, "station", "south_gate", 0.75, 0.5, 1.0),
    Bottleneck(5, "park_firm", "elec0007", 0.1894328209, 0.1213039771, 0.2575616647),
    Bottleneck(6, "supplier", "steelco", 0.0562661634, float("nan"), float("nan")),
    Bottleneck(7, "park_firm", "elec0002", 0.01920770199, 0.001945805461, 0.03646959852),
    Bottleneck(8, "park_firm", "elec0008", 0.01578961408, -0.001762690324, 0.03334191848),
    Bottleneck(9, "park_firm", "elec0006", 0.01213312549, -0.002361875557, 0.02662812653),
    Bottleneck(10, "park_firm", "elec0010", 0.008835145862, -0.008202498075, 0.0258727898),
    Bottleneck(11, "park_firm", "elec0003", 0.008682504732, -0.00143350183, 0.01879851129),
    Bottleneck(12, "park_firm", "elec0001", 0.0009151121732, -0.001008180341, 0.0028384),
]
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


def declared_total(station: int, rep: int, day: int) -> int:
    """Trips declared at a station by the end of `day` (0 before day 0)."""
    return (day + 1) * (3 + station + rep) if day >= 0 else 0


def funnel_row(station: int, rep: int, day: int) -> list[float]:
    """A station-day of logistics.csv, in LOGISTICS_FIELDS order.

    Trips are admitted a day after being declared and cleared a day after admission,
    so declared ≥ admitted ≥ cleared and nothing is cleared on days 0 and 1.
    """

    def totals(d: int) -> tuple[int, int, int]:
        return (
            declared_total(station, rep, d),
            declared_total(station, rep, d - 1),
            declared_total(station, rep, d - 2),
        )

    today, yesterday = totals(day), totals(day - 1)
    declared, admitted, cleared = (a - b for a, b in zip(today, yesterday, strict=True))
    wait = 2.0 + 0.25 * rep + 0.5 * station if cleared else float("nan")
    return [declared, admitted, cleared, *today, today[0] - today[2], wait]


def write_logistics(folder: Path, *, days: int, stations: bool, bottlenecks: bool) -> None:
    """logistics.csv and bottlenecks.csv, each with rows or with only its header."""
    lines = [LOGISTICS_HEADER]
    if stations:
        for rep in range(REPS):
            for day in range(days):
                for s, station in enumerate(STATIONS):
                    *counts, wait = funnel_row(s, rep, day)
                    cells = [str(int(v)) for v in counts] + [repr(wait)]
                    lines.append(f"{day},{rep},{station}," + ",".join(cells))
    (folder / "logistics.csv").write_text("\n".join(lines) + "\n")
    lines = [BOTTLENECKS_HEADER]
    if bottlenecks:
        lines += [
            f"{b.rank},{b.kind},{b.id},{b.lost_output_days!r},{b.ci95_lo!r},{b.ci95_hi!r}"
            for b in BOTTLENECKS
        ]
    (folder / "bottlenecks.csv").write_text("\n".join(lines) + "\n")


def write_results(
    folder: Path,
    *,
    start_date: str | None = "2020-02-10",
    with_summary_causes: bool = True,
    days: int = DAYS,
    logistics: str = "full",
) -> Path:
    """Write a small results folder by hand: 3 replications × `days` days.

    `logistics` says what the goods-side files hold: "full" (2 stations and 12
    bottlenecks), "stations_only", "bottlenecks_only", "header" (both files with only
    their header, a scenario without stations or supply trouble) or "absent" (neither
    file, as in a folder written before they existed).
    """
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["day,replication,metric,group,value"]
    for rep in range(REPS):
        for day in range(days):
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
        for day in range(days):
            for cause, lost in cause_shares(rep, day).items():
                if lost > 0:  # days without loss are left out, as a writer may do
                    lines.append(f"{day},{rep},{cause},{lost!r}")
    (folder / "causes.csv").write_text("\n".join(lines) + "\n")

    def stat(values: list[float]) -> dict[str, object]:
        return {
            "mean": float(np.mean(values)) if values else None,
            "ci95": [min(values), max(values)] if values else None,
            "values": values,
        }

    def days_to(threshold: float) -> dict[str, object]:
        reached = [
            next(d for d in range(days) if capacity(r, d) >= threshold)
            for r in range(REPS)
            if capacity(r, days - 1) >= threshold
        ]
        return {**stat(reached), "reached": len(reached)}

    totals = {
        cause: [sum(cause_shares(r, d)[cause] for d in range(days)) for r in range(REPS)]
        for cause in FILE_CAUSES
    }
    summary = {
        "scenario": "demo_park",
        "seed": 7,
        "replications": REPS,
        "days": days,
        "start_date": start_date,
        "metrics": {
            "days_to_80": days_to(0.8),
            "days_to_50": days_to(0.5),
            "days_to_95": days_to(0.95),
            "lost_output_days": stat([sum(v[r] for v in totals.values()) for r in range(REPS)]),
            "final_capacity": stat([capacity(r, days - 1) for r in range(REPS)]),
            "final_resumption": stat([resumption(r, days - 1) for r in range(REPS)]),
        },
        "causes": {c: stat(v) for c, v in totals.items()} if with_summary_causes else {},
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    if logistics != "absent":
        assert logistics in ("full", "stations_only", "bottlenecks_only", "header"), logistics
        write_logistics(
            folder,
            days=days,
            stations=logistics in ("full", "stations_only"),
            bottlenecks=logistics in ("full", "bottlenecks_only"),
        )
    return folder


def assert_png(path: Path) -> None:
    assert path.is_file(), path
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path} is not a PNG"
    assert len(data) > 10_000, f"{path} is suspiciously small ({len(data)} bytes)"


@pytest.mark.parametrize("start_date", ["2020-02-10", None])
def test_draw_run_plots_writes_all_charts(tmp_path: Path, start_date: str | None) -> None:
    folder = write_results(tmp_path / "run", start_date=start_date)
    paths = draw_run_plots(folder)
    plots = folder / "plots"
    assert paths == [plots / "recovery.png", plots / "causes.png", plots / "logistics.png"]
    for path in paths:
        assert_png(path)


@pytest.mark.parametrize("start_date", ["2020-02-10", None])
def test_draw_logistics_two_stations(tmp_path: Path, start_date: str | None) -> None:
    folder = write_results(tmp_path / "run", start_date=start_date, days=LOGISTICS_DAYS)
    path = draw_logistics(folder)
    assert path == folder / "plots" / "logistics.png"
    assert_png(path)


@pytest.mark.parametrize("logistics", ["stations_only", "bottlenecks_only"])
def test_draw_logistics_with_one_file_empty(tmp_path: Path, logistics: str) -> None:
    """Stations that never held the park up, or suppliers that did in a park without
    stations: either is worth a chart."""
    folder = write_results(tmp_path / "run", days=LOGISTICS_DAYS, logistics=logistics)
    path = draw_logistics(folder)
    assert path is not None
    assert_png(path)
    assert draw_run_plots(folder)[-1] == path


@pytest.mark.parametrize("logistics", ["header", "absent"])
def test_no_logistics_rows_no_logistics_chart(tmp_path: Path, logistics: str) -> None:
    """Header-only files (no stations, no bottleneck) and folders of older runs without
    the files both give no logistics chart, and the other charts are drawn as before."""
    folder = write_results(tmp_path / "run", logistics=logistics)
    assert draw_logistics(folder) is None
    assert not (folder / "plots").exists()
    paths = draw_run_plots(folder)
    assert paths == [folder / "plots" / "recovery.png", folder / "plots" / "causes.png"]
    for path in paths:
        assert_png(path)
    assert not (folder / "plots" / "logistics.png").exists()


def test_draw_logistics_single_replication(tmp_path: Path) -> None:
    """One replication: no bands, and bottlenecks without a CI draw without whiskers."""
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "summary.json").write_text(
        json.dumps({"scenario": "tiny", "seed": 1, "replications": 1, "days": 5})
    )
    (folder / "logistics.csv").write_text(
        LOGISTICS_HEADER + "\n" + "".join(f"{d},0,gate,1,1,1,{d},{d},{d},0,nan\n" for d in range(5))
    )
    (folder / "bottlenecks.csv").write_text(BOTTLENECKS_HEADER + "\n1,station,gate,0.5,nan,nan\n")
    path = draw_logistics(folder)
    assert path is not None and path.read_bytes()[:8] == PNG_MAGIC


def test_read_logistics_returns_what_was_written(tmp_path: Path) -> None:
    folder = write_results(tmp_path / "run", days=LOGISTICS_DAYS)
    stations, funnel = read_logistics(folder / "logistics.csv")
    assert stations == STATIONS
    assert funnel.shape == (REPS, LOGISTICS_DAYS, len(STATIONS), len(LOGISTICS_FIELDS))
    expected = np.array(
        [
            [[funnel_row(s, r, d) for s in range(len(STATIONS))] for d in range(LOGISTICS_DAYS)]
            for r in range(REPS)
        ]
    )
    np.testing.assert_array_equal(funnel, expected)  # NaN waits where nothing was cleared
    assert np.isnan(funnel[:, :2, :, LOGISTICS_FIELDS.index("mean_wait_days")]).all()
    # The funnel reads declared ≥ admitted ≥ cleared, and the queue is what is in between.
    declared, admitted, cleared = (
        funnel[..., LOGISTICS_FIELDS.index(f"{name}_total")]
        for name in ("declared", "admitted", "cleared")
    )
    assert (declared >= admitted).all() and (admitted >= cleared).all()
    np.testing.assert_array_equal(funnel[..., LOGISTICS_FIELDS.index("queue")], declared - cleared)


def test_read_logistics_header_only_and_gaps(tmp_path: Path) -> None:
    path = tmp_path / "logistics.csv"
    path.write_text(LOGISTICS_HEADER + "\n")
    stations, funnel = read_logistics(path, replications=REPS, days=LOGISTICS_DAYS)
    assert stations == []
    assert funnel.shape == (REPS, LOGISTICS_DAYS, 0, len(LOGISTICS_FIELDS))
    path.write_text(LOGISTICS_HEADER + "\n1,0,gate,1,2,3,4,5,6,7,0.5\n")
    stations, funnel = read_logistics(path, replications=1, days=3)
    assert stations == ["gate"]
    np.testing.assert_array_equal(funnel[0, 1, 0], [1, 2, 3, 4, 5, 6, 7, 0.5])
    assert np.isnan(funnel[0, [0, 2]]).all()


def test_read_bottlenecks_returns_what_was_written(tmp_path: Path) -> None:
    folder = write_results(tmp_path / "run")
    rows = read_bottlenecks(folder / "bottlenecks.csv")
    assert [b.rank for b in rows] == list(range(1, 13))
    for got, want in zip(rows, BOTTLENECKS, strict=True):
        assert (got.rank, got.kind, got.id, got.lost_output_days) == (
            want.rank,
            want.kind,
            want.id,
            want.lost_output_days,
        )
        np.testing.assert_array_equal([got.ci95_lo, got.ci95_hi], [want.ci95_lo, want.ci95_hi])
    assert rows[2].label == "passes: waiting_for_pass_or_open_station"
    path = tmp_path / "bottlenecks.csv"
    path.write_text(BOTTLENECKS_HEADER + "\n")
    assert read_bottlenecks(path) == []


def test_bad_logistics_cell_reports_file_and_line(tmp_path: Path) -> None:
    folder = write_results(tmp_path / "run", days=LOGISTICS_DAYS)
    path = folder / "logistics.csv"
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace(",north_gate,", ",north_gate,many,", 1).rsplit(",", 1)[0]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"logistics\.csv:4: declared 'many'"):
        draw_run_plots(folder)


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
    assert sorted(p.name for p in (folder / "plots").iterdir()) == [
        "causes.png",
        "logistics.png",
        "recovery.png",
    ]


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


OBSERVATIONS = [
    {
        "day": 20,
        "metric": "resumption_above_scale",
        "value": 0.976,
        "tolerance": 0.03,
        "label": "above-scale 97.6 %",
        "source": "seed 003",
    },
    {"day": 20, "metric": "workforce", "value": 0.8, "tolerance": 0.05, "label": "", "source": ""},
    {"day": 5, "metric": "capacity", "value": 0.3},
    {"day": 45, "metric": "resumption", "value": 0.7, "label": "too late", "source": "seed 002"},
]


def add_observations(folder: Path, observations: object) -> None:
    """Put `observations` into the summary.json of a results folder, as results.py does."""
    path = folder / "summary.json"
    summary = json.loads(path.read_text())
    summary["observations"] = observations
    path.write_text(json.dumps(summary, indent=2))


def test_read_summary_reads_observations(tmp_path: Path) -> None:
    folder = write_results(tmp_path / "run")
    assert read_summary(folder / "summary.json").observations == ()
    add_observations(folder, OBSERVATIONS)
    figures = read_summary(folder / "summary.json").observations
    assert figures[0] == ReportedFigure(
        20.0, "resumption_above_scale", 0.976, 0.03, "above-scale 97.6 %", "seed 003"
    )
    assert figures[2] == ReportedFigure(5.0, "capacity", 0.3)  # tolerance, label, source default
    assert [f.day for f in figures] == [20.0, 20.0, 5.0, 45.0]


@pytest.mark.parametrize("start_date", [None, "2020-02-10"])
def test_reported_figures_drawn_at_day_and_value_in_the_curve_colour(
    start_date: str | None,
) -> None:
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure

    start = None if start_date is None else date.fromisoformat(start_date)
    origin = 0.0 if start is None else mdates.date2num(start)
    figures = [ReportedFigure(**o) for o in OBSERVATIONS]
    ax = Figure().add_subplot()
    ax.set_ylim(0, 1.05)
    handles = draw_reported_figures(ax, figures, n_days=DAYS, start=start)

    # three markers: the figure of day 45 lies outside the 30 days of the run
    assert len(ax.containers) == 3
    drawn = []
    for container in ax.containers:
        marker, _caps, bars = container.lines
        ((x, y),) = marker.get_xydata()
        tol = bars[0].get_segments()[0][:, 1] if bars else None
        drawn.append((round(x - origin, 6), y, marker.get_color(), tol))
    # two figures of day 20 side by side around the middle of the day, one of day 5
    above, workforce, capacity = drawn
    assert above[:3] == (20.3, 0.976, OKABE_ITO[2])  # the above-scale curve's colour
    assert np.allclose(above[3], [0.946, 1.006])  # ± the stated tolerance
    assert workforce[:3] == (20.7, 0.8, OKABE_ITO[5])  # no curve: a colour of its own
    assert np.allclose(workforce[3], [0.75, 0.85])
    assert capacity[:3] == (5.5, 0.3, OKABE_ITO[0]) and capacity[3] is None  # no tolerance
    assert [t.get_text() for t in ax.texts] == [
        "above-scale 97.6 %",
        "workforce 80.0%",
        "capacity 30.0%",
    ]
    assert ax.get_ylim()[1] >= 0.976 + 0.03
    when = "day 45" if start is None else "26 Mar 2020"
    assert [h.get_label() for h in handles] == [
        "reported figure (seed 003), bar = stated tolerance",
        "reported figure, bar = stated tolerance",
        f"not in the plotted days: too late ({when})",
    ]


def test_recovery_chart_shows_the_reported_figures(tmp_path: Path) -> None:
    plain = write_results(tmp_path / "plain")
    marked = write_results(tmp_path / "marked")
    add_observations(marked, OBSERVATIONS)
    a = draw_run_plots(plain)[0].read_bytes()
    b = draw_run_plots(marked)[0].read_bytes()
    assert b[:8] == PNG_MAGIC and a != b


@pytest.mark.parametrize(
    ("observations", "message"),
    [
        ({"day": 1}, "observations should be a list"),
        ([3], r"observations\[0\]: expected an object"),
        ([{"metric": "capacity", "value": 0.5}], r"observations\[0\]\.day: expected a number"),
        (
            [{"day": 1, "metric": "capacity", "value": 0.5}, {"day": 2, "value": 0.1}],
            r"observations\[1\]\.metric",
        ),
        ([{"day": 1, "metric": "capacity", "value": "high"}], r"\.value: expected a number"),
    ],
)
def test_bad_observations_are_reported(tmp_path: Path, observations: object, message: str) -> None:
    folder = write_results(tmp_path / "run")
    add_observations(folder, observations)
    with pytest.raises(ValueError, match=message) as info:
        read_summary(folder / "summary.json")
    assert str(folder / "summary.json") in str(info.value)


def test_import_is_light() -> None:
    code = "import sys, sim.output.plots; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
