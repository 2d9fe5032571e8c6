"""Comparison charts: drawn from the files of a comparison folder, and only from them."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from sim.comparison import compare_traces
from sim.experiment.compare import load_options
from sim.experiment.runner import run_replications
from sim.files.comparison import read_capacity, read_comparison, read_meta, read_option_causes
from sim.output.compare_plots import draw_compare_plots
from sim.output.compare_report import write_compare
from tests.conftest import SCENARIOS

CHARTS = ("compare_capacity.png", "compare_metrics.png", "compare_causes.png")


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    options = load_options(
        SCENARIOS / "demo_park.yaml",
        (),
        ["teams6: reopening.service_teams=6"],
        ["days=50", "replications=3"],
    )
    traces = {o.name: run_replications(o.park, 3) for o in options}
    cmp = compare_traces(traces, 3)
    out = tmp_path_factory.mktemp("cmp") / "demo_compare"
    return write_compare(
        out,
        options,
        traces,
        cmp,
        scenario_file=SCENARIOS / "demo_park.yaml",
        started=dt.datetime.now(dt.UTC),
        executor="serial",
    )


def test_comparison_folder_has_the_three_charts(folder) -> None:
    for name in CHARTS:
        w, h = _png_size(folder / "plots" / name)
        assert w >= 1000 and h >= 400, (name, w, h)


def test_charts_are_redrawn_from_the_files_alone(folder, tmp_path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in (
        "comparison.json",
        "comparison.csv",
        "compare_timeseries.csv",
        "compare_causes.csv",
    ):
        (copy / name).write_bytes((folder / name).read_bytes())
    paths = draw_compare_plots(copy)
    assert [p.name for p in paths] == list(CHARTS)
    for name in CHARTS:
        assert (copy / "plots" / name).read_bytes() == (folder / "plots" / name).read_bytes()


def test_readers_give_what_the_charts_need(folder) -> None:
    meta = read_meta(folder / "comparison.json")
    assert meta.options == ("baseline", "teams6")
    assert meta.start_date == dt.date(2022, 4, 1) and meta.days == 50
    cap = read_capacity(folder / "compare_timeseries.csv", meta.options, 3, 50)
    assert cap["baseline"].shape == (3, 50) and not np.isnan(cap["teams6"]).any()
    causes, lost = read_option_causes(folder / "compare_causes.csv")
    # per replication, causes sum to the lost output of comparison.csv
    stats = read_comparison(folder / "comparison.csv")
    for name in meta.options:
        assert lost[name].sum(axis=1).mean() == pytest.approx(
            stats[(name, "lost_output_days")].mean, rel=1e-6
        )
    assert "not_allowed" in causes


def _hand_folder(path: Path, *, replications: int) -> Path:
    """Two options without a start date; `slow` never reaches 80 %, and only it loses
    output to `input:chips`."""
    path.mkdir()
    meta = {
        "scenario": "tiny",
        "seed": 1,
        "replications": replications,
        "days": 4,
        "start_date": None,
        "sustain_days": 1,
        "baseline": "baseline",
        "options": [{"name": "baseline"}, {"name": "slow"}],
    }
    (path / "comparison.json").write_text(json.dumps(meta))
    head = "option,metric,mean,ci95_lo,ci95_hi,n,diff,diff_lo,diff_hi,n_pairs,significant\n"
    (path / "comparison.csv").write_text(
        head
        + "baseline,days_to_80,2,2,2,1,0,0,0,1,false\n"
        + "baseline,lost_output_days,1.5,1.5,1.5,1,0,0,0,1,false\n"
        + "slow,days_to_80,,,,0,,,,0,false\n"
        + "slow,lost_output_days,2.5,2.5,2.5,1,1,,,1,false\n"
    )
    ts = "option,day,replication,capacity\n"
    for r in range(replications):
        for d, (b, s) in enumerate([(0, 0), (0.5, 0.5), (1, 0.5), (1, 0.5)]):
            ts += f"baseline,{d},{r},{b}\nslow,{d},{r},{s}\n"
    (path / "compare_timeseries.csv").write_text(ts)
    causes = "option,replication,cause,lost_output_days\n"
    for r in range(replications):
        causes += f"baseline,{r},labour,1.5\nslow,{r},labour,1.5\nslow,{r},input:chips,1\n"
    (path / "compare_causes.csv").write_text(causes)
    return path


def test_hand_written_folder_with_a_never_reached_option(tmp_path) -> None:
    folder = _hand_folder(tmp_path / "tiny", replications=1)
    stats = read_comparison(folder / "comparison.csv")
    slow = stats[("slow", "days_to_80")]
    assert math.isnan(slow.mean) and slow.n == 0 and not slow.significant
    assert stats[("slow", "lost_output_days")].diff == 1.0
    causes, lost = read_option_causes(folder / "compare_causes.csv")
    assert causes == ["labour", "input:chips"]
    assert lost["baseline"].tolist() == [[1.5, 0.0]]
    assert lost["slow"].tolist() == [[1.5, 1.0]]
    for p in draw_compare_plots(folder):
        _png_size(p)


def test_missing_file_is_named(tmp_path) -> None:
    folder = _hand_folder(tmp_path / "tiny", replications=2)
    (folder / "compare_causes.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"compare_causes\.csv"):
        draw_compare_plots(folder)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        draw_compare_plots(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"options": [{"name": "a"}], "start_date": "2020-02-30"}, "start_date '2020-02-30'"),
        ({"options": "a"}, "'options' list"),
        ({"options": [{}]}, "no options listed"),
        (["a"], "JSON object at the top level"),
    ],
)
def test_a_bad_comparison_json_is_named(tmp_path, doc, message) -> None:
    path = tmp_path / "comparison.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(str(path)) + ".*" + re.escape(message)):
        read_meta(path)
