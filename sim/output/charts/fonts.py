"""The fonts charts draw with: DejaVu Sans (matplotlib's own) for Latin text, then the
CJK subset parksim ships (`sim/output/fonts`, `Parksim CJK SC`: GB 2312 and every
character of the project's own Chinese text), then a CJK font of the system, if one is
installed, for the rare characters outside the subset. matplotlib takes each glyph
from the first font in the list that has it, so English charts look as before and
Chinese ones draw on a fresh machine with nothing installed by hand.
"""

from __future__ import annotations

import functools
import logging
from importlib import resources
from pathlib import Path

SUBSET_FILE = "ParksimCJKSC-Regular.otf"
SUBSET_FAMILY = "Parksim CJK SC"
LATIN_FAMILY = "DejaVu Sans"
SYSTEM_CJK = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
)
"""System fonts with the characters GB 2312 lacks (GBK's rarer ones), in order of use."""


def subset_path() -> Path:
    """The shipped CJK subset."""
    return Path(str(resources.files("sim.output.fonts").joinpath(SUBSET_FILE)))


@functools.cache
def families() -> tuple[str, ...]:
    """The sans-serif families charts use, in order (the subset registered on first call)."""
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(subset_path()))
    logging.getLogger("matplotlib.font_manager").addFilter(_no_bold_subset_notice)
    known = {f.name for f in font_manager.fontManager.ttflist}
    return (LATIN_FAMILY, SUBSET_FAMILY, *(f for f in SYSTEM_CJK if f in known))


def _no_bold_subset_notice(record: logging.LogRecord) -> bool:
    """Drop matplotlib's notice that the subset has no bold face (bold CJK text is drawn
    regular; Latin text stays bold in DejaVu Sans Bold)."""
    return SUBSET_FAMILY not in record.getMessage()


def use_chart_fonts() -> None:
    """Make every figure created from now on draw with `families()`.

    matplotlib takes glyphs from the next font of a text's family list only when the
    fonts are listed by name (a generic `sans-serif` resolves to one font), and a text
    keeps the family list in force when it is created; so the list is set as the
    default family before a chart's figure is made. Called by every chart's figure
    helper; setting it again changes nothing.
    """
    import matplotlib

    wanted = list(families())
    if matplotlib.rcParams["font.family"] != wanted:
        matplotlib.rcParams["font.family"] = wanted
