"""Odd names come out of `parksim compare` intact: CSV cells round-trip, Markdown holds.

Ids may hold quotes, pipes, apostrophes and any script (`schema.Ident` forbids
only blanks, `,;=[]`); goods reach the outputs inside cause names
(`lost:input:<good>`); option names are plain (`compare.OPTION_NAME`); `--set`
expressions are free text. Every CSV is read back with the csv module and with
pandas, and `comparison.md` with a CommonMark + tables parser.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sim.cli import main
from sim.files.comparison_md import render_table
from sim.output.results import verify

GOOD = 'g|h"工'
SCENARIO = """\
name: 'odd|park"工厂'
days: 12
replications: 2
regions: [{id: park, timeline: [{day: 0, level: controlled}]}, {id: out}]
suppliers: [{id: 'chip"s|up', region: out, capacity: 0, reopen_day: 99}]
enterprises:
  - {id: '工厂"q|x', sector: '食品"s|', region: park, baseline_output: 2, staff: 10,
     initially_open: true,
     inputs: [{good: 'g|h"工', from: 'chip"s|up', per_output: 1, stock_days: 2}]}
  - {id: "b'c", sector: s, region: park, baseline_output: 1, staff: 5}
"""
SHARED_SET = "enterprises[id=b'c].name=x|y `z`"
OPTIONS = {"baseline", "p.2+x", "a+b.c-1"}


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows by the csv module, checked equal to pandas' reading of the same file."""
    pd = pytest.importorskip("pandas")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf"), path.name  # reporting.csv_bom
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    assert frame.to_dict("records") == rows, path.name
    return rows


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("odd")
    scen = tmp / "odd.yaml"
    scen.write_text(SCENARIO, encoding="utf-8")
    (tmp / "p.2+x.yaml").write_text("reopening: {service_teams: 4}\n")
    out = tmp / "cmp"
    args = ["compare", str(scen), "--policy", str(tmp / "p.2+x.yaml")]
    args += ["--variant", "a+b.c-1: reopening.service_teams=5", "--set", SHARED_SET]
    args += ["--out", str(out), "--quiet", "--no-plots"]
    assert main(args) == 0
    assert verify(out) == []
    return out


def test_comparison_csv_reads_back_every_option_and_cause(folder) -> None:
    rows = read_csv(folder / "comparison.csv")
    assert {r["option"] for r in rows} == OPTIONS
    assert f"lost:input:{GOOD}" in {r["metric"] for r in rows}
    for r in rows:
        for key in ("mean", "ci95_lo", "ci95_hi", "diff", "diff_lo", "diff_hi"):
            assert r[key] == "" or float(r[key]) == float(r[key]) or r[key] == "nan"


def test_the_plot_data_read_back_too(folder) -> None:
    causes = read_csv(folder / "compare_causes.csv")
    assert {r["option"] for r in causes} == OPTIONS
    assert f"input:{GOOD}" in {r["cause"] for r in causes}
    series = read_csv(folder / "compare_timeseries.csv")
    assert {r["option"] for r in series} == OPTIONS
    assert len(series) == 3 * 2 * 12


def _tokens(md: str) -> list:
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark").enable("table").parse(md)


def _tables(md: str) -> list[list[list[str]]]:
    """The tables of a Markdown text, as rows of cell texts (GFM tables)."""
    tables: list[list[list[str]]] = []
    inside = False
    for t in _tokens(md):
        if t.type in ("table_open", "table_close"):
            inside = t.type == "table_open"
            tables += [[]] if inside else []
        elif inside and t.type == "tr_open":
            tables[-1].append([])
        elif inside and t.type == "inline":
            tables[-1][-1].append(t.content)
    return tables


def _inline_code(md: str) -> list[str]:
    tokens = _tokens(md)
    return [c.content for t in tokens if t.children for c in t.children if c.type == "code_inline"]


def test_comparison_md_keeps_its_tables_and_code_whole(folder) -> None:
    md = (folder / "comparison.md").read_text(encoding="utf-8")
    tables = _tables(md)
    assert len(tables) == 4  # the park has no transfer station: no table of station queues
    for table in tables:
        assert len({len(row) for row in table}) == 1, table  # every row as wide as the header
    causes = tables[1]
    assert causes[0][:2] == ["option", "largest cause"]
    assert {row[1] for row in causes[1:]} >= {f"input:{GOOD} 6.7"}
    bottlenecks = tables[2]
    assert bottlenecks[0][:2] == ["option", "largest bottleneck"]
    assert all(row[1].startswith('chip"s|up 6.6') for row in bottlenecks[1:]), bottlenecks
    assert f"--set {SHARED_SET}" in _inline_code(md)
    assert md.splitlines()[0] == '# Policy options compared — odd|park"工厂'


def test_render_table_escapes_pipes_and_joins_lines() -> None:
    text = render_table([["a", "b|c"], ["x\ny", "|"]])
    lines = text.splitlines()
    assert len(lines) == 3
    assert _tables(text) == [[["a", "b|c"], ["x y", "|"]]]
