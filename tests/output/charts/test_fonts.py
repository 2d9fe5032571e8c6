"""Chinese draws in every chart on a fresh machine: the shipped CJK subset covers GB 2312
and the project's own text, charts use it after DejaVu Sans, and a glyph no font has
fails the test suite (`filterwarnings` in pyproject.toml)."""

from __future__ import annotations

import numpy as np
import pytest
from fontTools.ttLib import TTFont

from sim.files.bottlenecks import Bottleneck
from sim.files.key_firms import Stretch
from sim.files.summary import RunSummary
from sim.output.charts import fonts
from sim.output.charts.causes import draw_causes
from sim.output.charts.gantt import draw_gantt
from sim.output.charts.logistics import _draw_bottlenecks
from sim.output.charts.style import new_figure, save
from sim.output.fonts import build
from tests.conftest import ROOT

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_subset_covers_gb2312_and_the_projects_own_text() -> None:
    cmap = TTFont(str(fonts.subset_path()))["cmap"].getBestCmap()
    missing = sorted(c for c in build.wanted() if ord(c) not in cmap)
    assert missing == []
    assert len(build.gb2312()) == 7445
    assert {"复", "工", "率", "规", "闭", "环", "点", "对"} <= build.project_characters()


def test_the_subset_is_renamed_and_ships_its_licence() -> None:
    names = TTFont(str(fonts.subset_path()))["name"]
    assert names.getDebugName(1) == fonts.SUBSET_FAMILY
    licence = (fonts.subset_path().parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Reserved Font Name 'Source'" in licence
    assert fonts.subset_path().stat().st_size < 2_000_000
    assert fonts.subset_path().is_relative_to(ROOT / "sim")


def test_charts_use_dejavu_first_then_the_subset() -> None:
    assert fonts.families()[:2] == ("DejaVu Sans", "Parksim CJK SC")
    import matplotlib

    fig, _ = new_figure()
    assert matplotlib.rcParams["font.family"] == list(fonts.families())
    fig.clear()


def test_a_glyph_no_font_has_fails_the_test(tmp_path) -> None:
    fig, ax = new_figure()
    ax.set_title("\U00013000")  # an Egyptian hieroglyph: in no font parksim uses
    with pytest.raises(UserWarning, match=r"Glyph 77824 .* missing from font"):
        save(fig, tmp_path / "x.png")


def _summary() -> RunSummary:
    return RunSummary("华东园区", 1, 2, 3, None, raw={})


def test_chinese_firm_sector_and_supplier_names_draw(tmp_path) -> None:
    stretches = [
        Stretch(0, "f1", "苏州精密机械有限公司", "汽车零部件", "closed", "", 0, 1, 2.0),
        Stretch(0, "f1", "苏州精密机械有限公司", "汽车零部件", "limited", "缺料", 2, 2, 0.4),
        Stretch(0, "供应商甲", "", "电子", "full", "", 0, 2, 0.0),
    ]
    out = draw_gantt(
        stretches,
        0,
        days=3,
        start=None,
        scenario="华东园区",
        subtitle="第0次",
        out=tmp_path / "g.png",
        lang="zh",
    )
    assert out.read_bytes().startswith(PNG)
    lost = np.full((2, 3, 2), 0.1)
    out = draw_causes(["input:芯片", "labour"], lost, _summary(), tmp_path / "c.png", lang="zh")
    assert out.read_bytes().startswith(PNG)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure()
    FigureCanvasAgg(fig)
    _draw_bottlenecks(fig, [Bottleneck(1, "supplier", "上海芯片厂", 1.0, 0.5, 1.5)], "zh")
    save(fig, tmp_path / "b.png")
