"""The catalogue: every text in both languages, every name the files use translated,
every key the code asks for present."""

from __future__ import annotations

import re
import string
from datetime import date

import pytest

from sim.files.bottlenecks import KINDS
from sim.files.key_firms import PHASES
from sim.metrics import COMPARISON, SUMMARY
from sim.model.state import BASE_CAUSES
from sim.output import i18n
from tests.conftest import ROOT


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_text_has_both_languages_with_the_same_placeholders() -> None:
    for key, entry in i18n.catalogue()["text"].items():
        assert set(entry) == {"en", "zh"}, key
        # `{s}`, the English plural ending, is the one placeholder Chinese has no use for
        assert fields(entry["en"]) - {"s"} == fields(entry["zh"]), key


def test_every_name_of_the_files_is_translated() -> None:
    cat = i18n.catalogue()
    assert set(BASE_CAUSES) | {"demand"} <= set(cat["causes"])
    assert set(PHASES) == set(cat["phases"])
    assert set(KINDS) == set(cat["kinds"])
    assert {m.name for m in (*SUMMARY, *COMPARISON)} == set(cat["metrics"])
    for section in ("causes", "phases", "kinds", "metrics"):
        for name, entry in cat[section].items():
            assert entry["zh"] and not entry["zh"].isascii(), (section, name)


def test_every_key_the_code_asks_for_is_in_the_catalogue() -> None:
    text = i18n.catalogue()["text"]
    asked = set()
    for path in (ROOT / "sim").rglob("*.py"):
        src = path.read_text(encoding="utf-8")
        for key in re.findall(r'\btr\(\s*"([a-z0-9_.]+)"', src):
            # cli.py's own `tr` prefixes `cli.`
            asked.add(f"cli.{key}" if path.name == "cli.py" and "." not in key else key)
        asked |= {f"report.{k}" for k in re.findall(r'\bw\(\s*"([a-z0-9_]+)"', src)}
        # keys named in tables of data: curves and funnel lines
        asked |= set(re.findall(r'"((?:recovery|funnel|official)\.[a-z_]+)"', src)) - {
            "recovery.png"
        }
    assert sorted(k for k in asked if k not in text) == []
    assert len(asked) > 150


def test_words_in_each_language() -> None:
    assert i18n.tr("sub.replications", "en", n=2, s=i18n.plural(2)) == "2 replications"
    assert i18n.tr("sub.replications", "zh", n=2, s=i18n.plural(2)) == "2 次模拟"
    assert i18n.cause("input:chips", "en") == "input:chips"
    assert i18n.cause("input:芯片", "zh") == "缺料：芯片"
    assert i18n.cause("labour", "zh") == "用工不足"
    assert i18n.cause("a_new_cause", "zh") == "a_new_cause"
    assert i18n.metric("days_to_80", "en") == "days to 80 % capacity"
    assert i18n.metric("days_to_80", "zh") == "产能恢复至80%所需天数"
    assert i18n.date_text(date(2022, 6, 3), "zh") == "2022年6月3日"
    assert i18n.date_text(date(2022, 6, 3), "en", year=False) == "3 Jun"
    assert i18n.when(23.5, None, "zh") == "第23.5天"
    assert i18n.when(2.0, date(2022, 4, 1), "en") == "3 Apr 2022"


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="use one of en, zh"):
        i18n.tr("mean", "fr")


def test_a_compare_cell_of_numbers_is_translated_around_its_numbers() -> None:
    cell = "12.0 (7 May), reached 8/10, relapsed 1/8"
    assert i18n.table_cell(cell, "en") == cell
    zh = i18n.table_cell(cell, "zh")
    assert zh == "12.0（5月7日），10 次中 8 次达到；8 次中 1 次回落"
    assert i18n.table_cell("never", "zh") == "未达到"
    assert i18n.table_cell("3.5", "zh") == "3.5"
