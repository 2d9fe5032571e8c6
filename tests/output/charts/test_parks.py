"""The small multiples of a region of parks (issue 20.3): `recovery_by_park.png` and
`causes_by_park.png`, drawn from the files of a run of the three-park region of
`tests/_region.py` in English and Chinese (a missing glyph fails the test suite), shown
in the report; a single park gets neither chart."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sim.files import parks
from sim.files.folders import PLOTS_DIR
from sim.model.world import run
from sim.output.charts import parks as parks_chart
from sim.output.charts import recovery
from sim.output.plots import draw_run_plots
from sim.output.report import build_page
from sim.output.results import write_run
from sim.scenario.expand import Park
from tests._region import region_park
from tests.model._park import firm
from tests.model._park import park as tiny_park

PNG = b"\x89PNG\r\n\x1a\n"


def _folder(tmp: Path, park: Park, lang: str) -> Path:
    return write_run(
        tmp / "run",
        park,
        [run(park, r) for r in range(2)],
        scenario_file=None,
        started=dt.datetime.now(dt.UTC),
        executor="serial",
        plots=True,
        lang=lang,
        report=True,
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_region_gets_a_panel_per_park(tmp_path: Path, lang: str) -> None:
    out = _folder(tmp_path, region_park(), lang)
    for name in parks_chart.FILES:
        assert (out / PLOTS_DIR / name).read_bytes()[:8] == PNG
    drawn = [p.name for p in draw_run_plots(out, lang)]
    assert drawn[-2:] == [parks_chart.RECOVERY_FILE, parks_chart.CAUSES_FILE]


def test_the_panels_follow_the_parks_of_the_files(tmp_path: Path) -> None:
    out = _folder(tmp_path, region_park(), "en")
    rows = parks.read(out / parks.PARKS)
    ids, causes, lost = parks.read_causes(out / parks.CAUSES)
    from sim.files import summary, timeseries

    run_summary = summary.read(out / summary.FILE)
    daily = timeseries.read(out / timeseries.FILE)
    fig_path = parks_chart.draw_causes_by_park(
        ids, causes, lost, rows, run_summary, tmp_path / "c.png", "en"
    )
    assert fig_path.read_bytes()[:8] == PNG
    fig, axes = parks_chart._grid(len(ids))
    assert len(axes) == 3
    fig, axes = parks_chart._grid(4)  # two rows of three, the last two hidden
    assert len(axes) == 4
    assert sum(ax.get_visible() for ax in fig.axes) == 4
    assert parks_chart.draw_recovery_by_park(daily, rows, run_summary, tmp_path / "r.png")


def test_the_region_curve_is_named_for_the_region() -> None:
    capacity = recovery._RECOVERY_CURVES[0]
    assert recovery._label(capacity, region=True) == "recovery.capacity_region"
    assert recovery._label(capacity, region=False) == capacity.label
    assert recovery._label(recovery._RECOVERY_CURVES[1], region=True) == "recovery.resumption"


@pytest.mark.parametrize(
    ("lang", "closure"),
    [
        ("en", "park 北区's closure cost the region 16 value units (41.0 % of its loss)"),
        ("zh", "园区北区的停产使全区其他园区损失产出 16 价值单位（占全区损失的 41.0 %）"),
    ],
)
def test_the_report_shows_the_parks(tmp_path: Path, lang: str, closure: str) -> None:
    out = _folder(tmp_path, region_park(), lang)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="parks"' in page
    assert closure in page.replace("&#39;", "'")
    # `parksim report` redraws it from the folder alone, in the other language too
    other = "zh" if lang == "en" else "en"
    assert 'id="parks"' in build_page(out, other)


def test_a_single_park_gets_no_park_chart_and_no_park_section(tmp_path: Path) -> None:
    out = _folder(tmp_path, tiny_park([firm("a")], level="controlled", days=5), "en")
    assert not any((out / PLOTS_DIR / name).exists() for name in parks_chart.FILES)
    assert 'id="parks"' not in (out / "report.html").read_text(encoding="utf-8")
