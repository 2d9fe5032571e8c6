"""Firm ledgers as planners keep them, made for tests: the shipped example and its GBK
CSV twin (`scenarios/ledgers/`), and writers of workbooks and CSV files.

The example is synthetic: firms named 甲, 乙, 丙 ... (the placeholders of Chinese
documents), credit codes of region 999999 (no real place) with check digits from
python-stdnum, industry codes of GB/T 4754-2017. Regenerate the shipped files with

    python -m tests.scenario._ledgers

(test_ledger.py checks that they hold what this module makes).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font
from stdnum.cn import uscc

ROOT = Path(__file__).resolve().parents[2]
LEDGERS = ROOT / "scenarios" / "ledgers"
XLSX = LEDGERS / "example_park_ledger.xlsx"
CSV = LEDGERS / "example_park_ledger.csv"
SHEET = "企业名录"
TITLE = "示例园区企业台账（合成数据，仅供演示）"
HEADER = (
    "序号",
    "企业名称",
    "统一社会信用代码",
    "行业门类",
    "行业代码",
    "所在园区",
    "从业人员（人）",
    "外来务工人员占比",
    "工业总产值（万元）",
    "是否规上",
    "能否闭环生产",
    "联系人",
    "备注",
)
STEMS = "甲乙丙丁戊己庚辛壬癸"
KINDS: tuple[tuple[str, int, tuple[str, ...], tuple[int, int], tuple[int, int]], ...] = (
    # name, firms, industry codes (小类, GB/T 4754-2017), staff range, output range (万元/年)
    ("电子科技有限公司", 10, ("3982", "3981", "3912"), (80, 600), (3000, 24000)),
    ("汽车零部件有限公司", 10, ("3670", "3660"), (60, 400), (2000, 15000)),
    ("食品有限公司", 8, ("1411", "1432", "1431"), (30, 150), (600, 3500)),
    ("制药有限公司", 4, ("2720", "2740", "2770"), (100, 500), (4000, 16000)),
    ("包装材料有限公司", 4, ("2231", "2926"), (20, 90), (400, 2200)),
)
ABOVE_SCALE = 2000
"""规上: annual output of at least 20 million yuan (2,000 万元)."""


def credit_code(rng: random.Random) -> str:
    """A synthetic unified social credit code: enterprise (91), region 999999, a random
    organisation code, and the check digit python-stdnum computes."""
    body = "91999999" + "".join(rng.choice("0123456789") for _ in range(9))
    return body + uscc.calc_check_digit(body)


def example_rows() -> list[dict[str, Any]]:
    """The example ledger's rows, as a workbook holds them (numbers as numbers)."""
    rng = random.Random(4754)
    rows: list[dict[str, Any]] = []
    for name, n, codes, (s0, s1), (o0, o1) in KINDS:
        for k in range(n):
            code = codes[k % len(codes)]
            output = rng.randrange(o0, o1, 10)
            rows.append(
                {
                    "序号": len(rows) + 1,
                    "企业名称": STEMS[k] + name,
                    "统一社会信用代码": credit_code(rng),
                    "行业门类": "C",
                    "行业代码": code,
                    "所在园区": "东区" if k % 3 else "西区",
                    "从业人员（人）": rng.randrange(s0, s1),
                    "外来务工人员占比": rng.choice((0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)),
                    "工业总产值（万元）": output,
                    "是否规上": "是" if output >= ABOVE_SCALE else "否",
                    "能否闭环生产": "是" if rng.random() < 0.4 else "否",
                    "联系人": STEMS[k] + "经理",
                    "备注": None,
                }
            )
    return rows


def write_xlsx(
    path: Path,
    header: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    sheet: str = SHEET,
    title: str | None = None,
    formats: dict[int, str] | None = None,
    before: Sequence[str] = (),
) -> openpyxl.Workbook:
    """A workbook whose sheet `sheet` holds `header` and `rows` (a merged `title` row
    above them when given; sheets named in `before` come first, empty)."""
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name in before:
        book.create_sheet(name)
    ws = book.create_sheet(sheet)
    if title is not None:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        ws.cell(1, 1).font = Font(bold=True, size=14)
        ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    for col, fmt in (formats or {}).items():
        for cells in ws.iter_rows(min_row=ws.max_row - len(rows) + 1, min_col=col, max_col=col):
            for cell in cells:
                cell.number_format = fmt
    book.properties.creator = "parksim"
    book.properties.created = book.properties.modified = dt.datetime(2026, 1, 1)
    book.save(path)
    return book


def write_csv(path: Path, lines: Sequence[Sequence[Any]], encoding: str = "gbk") -> None:
    """A CSV file as Chinese Excel saves one: GBK, CRLF, cells quoted only when needed."""
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(lines)
    path.write_bytes(out.getvalue().encode(encoding))


def _shown(header: str, v: Any) -> str:
    """A cell as Excel shows it, and so saves it in a CSV file."""
    if header == "外来务工人员占比":
        return f"{round(v * 100)}%"
    if header == "工业总产值（万元）":
        return f"{v:,}"
    return "" if v is None else str(v)


def write_example(xlsx: Path = XLSX, csv_path: Path = CSV) -> None:
    """The shipped example: the workbook (title row, then header) and its GBK CSV twin."""
    rows = example_rows()
    header = list(HEADER)
    write_xlsx(
        xlsx,
        header,
        [[r[h] for h in header] for r in rows],
        title=TITLE,
        formats={header.index("外来务工人员占比") + 1: "0%", header.index(HEADER[8]) + 1: "#,##0"},
    )
    title = [TITLE] + [""] * (len(header) - 1)
    write_csv(csv_path, [title, header, *[[_shown(h, r[h]) for h in header] for r in rows]])


if __name__ == "__main__":
    LEDGERS.mkdir(exist_ok=True)
    write_example()
    print(f"wrote {XLSX.relative_to(ROOT)} and {CSV.relative_to(ROOT)}")
