"""The words parksim shows a planner, in English and Chinese.

Every text of the plots, the report and the terminal summary is looked up here by a
key in one catalogue, `catalogue.yaml` beside this module (English and Chinese side
by side, the Chinese in the articles' usage: 复工率, 产能恢复率, 规上企业, 白名单,
物流中转站, 闭环生产, 点对点 …). Cause, metric, phase and kind names have their own
sections: in English they keep the names of the files (`not_allowed`, `days to 80 %
capacity`), in Chinese they are translated. `tr(key, lang, **values)` fills the
`{placeholders}` of a text with `str.format`.

The catalogue is read on first use, never at import time.
"""

from __future__ import annotations

import functools
import re
from datetime import date, timedelta
from importlib import resources
from typing import Any

import yaml

from sim.metrics import axis_label, label

LANGS = ("en", "zh")
"""Languages of the output: English and Chinese (简体中文)."""
DEFAULT_LANG = "en"
CATALOGUE = "catalogue.yaml"
INPUT_PREFIX = "input:"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@functools.cache
def catalogue() -> dict[str, dict[str, Any]]:
    """The catalogue as written: `text` (key → {en, zh}), `causes`, `phases`, `kinds`
    (name → {en?, zh}) and `metrics` (name → {zh, zh_axis?})."""
    raw = resources.files("sim.output").joinpath(CATALOGUE).read_text(encoding="utf-8")
    doc: dict[str, dict[str, Any]] = yaml.safe_load(raw)
    return doc


def check_lang(lang: str) -> str:
    """`lang` if it is a language of the output (ValueError naming them otherwise)."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    return lang


def tr(key: str, lang: str, /, **values: Any) -> str:
    """The text `key` in `lang`, its `{placeholders}` filled from `values` (KeyError for a
    key the catalogue lacks: every text shown is in the catalogue)."""
    entry = catalogue()["text"][key]
    text: str = entry[check_lang(lang)]
    return text.format(**values) if values else text


def _named(section: str, name: str, lang: str) -> str | None:
    entry = catalogue()[section].get(name)
    return None if entry is None else entry.get(check_lang(lang))


def cause(name: str, lang: str) -> str:
    """A cause of lost output as shown: its name in English (`input:chips`), its Chinese
    name in Chinese (`缺料：chips`); a cause the catalogue lacks keeps its name."""
    if lang == DEFAULT_LANG:
        return name
    if name.startswith(INPUT_PREFIX):
        return tr("cause.input", lang, good=name[len(INPUT_PREFIX) :])
    return _named("causes", name, lang) or name


def phase(name: str, lang: str) -> str:
    """A phase of a key firm's path (`key_firms.csv`) as shown."""
    return _named("phases", name, lang) or name


def kind(name: str, lang: str) -> str:
    """What a bottleneck is (`bottlenecks.csv` kinds) as shown."""
    return _named("kinds", name, lang) or name


def metric(name: str, lang: str) -> str:
    """How a table names a metric (`sim.metrics.label` in English)."""
    if lang == DEFAULT_LANG:
        return label(name)
    entry = catalogue()["metrics"].get(name)
    return entry["zh"] if entry else name


def metric_axis(name: str, lang: str) -> str:
    """How a chart's axis names a metric, with its unit (`sim.metrics.axis_label`)."""
    if lang == DEFAULT_LANG:
        return axis_label(name)
    entry = catalogue()["metrics"].get(name)
    return (entry.get("zh_axis") or entry["zh"]) if entry else name


_CELL_DATE = re.compile(r" \((\d{1,2}) (" + "|".join(MONTHS) + r")\)")
_CELL_COUNT = re.compile(r", (reached|relapsed) (\d+)/(\d+)")


def table_cell(text: str, lang: str) -> str:
    """A head or word of the comparison table as printed (`table` of the catalogue); in a
    cell of numbers, its date (` (7 May)`) and counts (`, reached 8/10`, `, relapsed 1/8`)."""
    if lang == DEFAULT_LANG:
        return text
    words: dict[str, str] = catalogue()["table"]
    if text in words:
        return words[text]

    def day(m: re.Match[str]) -> str:
        return f"（{MONTHS.index(m.group(2)) + 1}月{int(m.group(1))}日）"

    def count(m: re.Match[str]) -> str:
        key = "compare.reached" if m.group(1) == "reached" else "relapse.legend"
        said = tr(key, lang, k=int(m.group(2)), n=int(m.group(3)))
        return said if said.startswith("；") else "，" + said

    return _CELL_COUNT.sub(count, _CELL_DATE.sub(day, text))


def date_text(when: date, lang: str, *, year: bool = True) -> str:
    """A calendar date: `3 Jun 2022` / `2022年6月3日` (without the year: `3 Jun` / `6月3日`)."""
    if check_lang(lang) == "zh":
        return (f"{when.year}年" if year else "") + f"{when.month}月{when.day}日"
    month = MONTHS[when.month - 1]
    return f"{when.day} {month} {when.year}" if year else f"{when.day} {month}"


def month_text(when: date, lang: str) -> str:
    """A month: `Jun 2022` / `2022年6月`."""
    if check_lang(lang) == "zh":
        return f"{when.year}年{when.month}月"
    return f"{MONTHS[when.month - 1]} {when.year}"


def day_text(day: float) -> str:
    """A day number as written: `23`, `23.5`."""
    text = f"{day:.1f}"
    return text[:-2] if text.endswith(".0") else text


def when(day: float, start: date | None, lang: str) -> str:
    """A point in the run as a planner reads it: `day 23.5` / `第23.5天`, or its date when
    the scenario has a start date."""
    if start is None:
        return tr("day", lang, day=day_text(day))
    return date_text(start + timedelta(days=round(day)), lang)


def plural(n: int) -> str:
    """The English plural ending for `n` things (`tr(..., s=plural(n))`)."""
    return "" if n == 1 else "s"
