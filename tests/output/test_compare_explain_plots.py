"""The charts of what holds each option back (issue 18.5): drawn from the folder's files
alone, by name, skipped where there is nothing to draw or the files predate them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sim.comparison import compare_traces
from sim.experiment.compare import load_options
from sim.experiment.runner import run_replications
from sim.files.comparison import read_meta
from sim.output.compare_explain_plots import draw_explain_plots
from sim.output.compare_report import write_compare
from tests.conftest import SCENARIOS

SECOND = SCENARIOS / "policies" / "second_transfer_station.yaml"
FILES = ("comparison.json", "compare_bottlenecks.csv", "compare_stations.csv")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    options = load_options(
        SCENARIOS / "demo_park.yaml", [SECOND], (), ["days=50", "replications=2"]
    )
    traces = {o.name: run_replications(o.park, 2) for o in options}
    out = tmp_path_factory.mktemp("cmp") / "demo_compare"
    return write_compare(
        out,
        options,
        traces,
        compare_traces(traces, 3, 0.1),
        scenario_file=SCENARIOS / "demo_park.yaml",
        started=dt.datetime.now(dt.UTC),
        executor="serial",
    )


def test_both_charts_are_drawn_and_redrawn_from_the_files_alone(folder: Path, tmp_path) -> None:
    for name in ("compare_bottlenecks.png", "compare_stations.png"):
        assert (folder / "plots" / name).read_bytes()[:4] == b"\x89PNG"
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in FILES:
        (copy / name).write_bytes((folder / name).read_bytes())
    paths = draw_explain_plots(copy, read_meta(copy / "comparison.json"))
    assert [p.name for p in paths] == ["compare_bottlenecks.png", "compare_stations.png"]
    for p in paths:
        assert p.read_bytes() == (folder / "plots" / p.name).read_bytes()


def test_nothing_is_drawn_without_the_files_or_without_anything_in_them(folder, tmp_path) -> None:
    meta = read_meta(folder / "comparison.json")
    assert draw_explain_plots(tmp_path, meta) == []
    (tmp_path / "compare_stations.csv").write_text(
        "option,day,replication,station,queue,cleared_total\n", encoding="utf-8"
    )
    (tmp_path / "compare_bottlenecks.csv").write_text(
        (folder / "compare_bottlenecks.csv").read_text(encoding="utf-8").splitlines()[0] + "\n",
        encoding="utf-8",
    )
    assert draw_explain_plots(tmp_path, meta) == []
