"""Firm ledgers as planners keep them: Excel workbooks and GBK CSV files with Chinese
column names, read into the same registry rows; every broken ledger refused at its
file, sheet, row and column, with nothing written."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest

from sim.cli import main
from sim.experiment.runner import run_replications
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.expand import registry_entries
from sim.scenario.ledger import (
    HEADER_NAMES,
    LEDGER_FIELDS,
    SKIPPED_HEADERS,
    LedgerOptions,
    fold_header,
    read_ledger,
)
from sim.scenario.load import load_scenario
from tests.conftest import ROOT, SCENARIOS, run_cli
from tests.scenario import _ledgers
from tests.scenario._ledgers import credit_code, write_xlsx

SCENARIO = SCENARIOS / "ledger_park.yaml"
TO_CSV = "registry[0].file=ledgers/example_park_ledger.csv"

# --- the shipped example ------------------------------------------------------------


def test_the_shipped_ledgers_hold_what_the_generator_makes(tmp_path: Path) -> None:
    _ledgers.write_example(tmp_path / "x.xlsx", tmp_path / "x.csv")
    assert (tmp_path / "x.csv").read_bytes() == _ledgers.CSV.read_bytes()

    def cells(path: Path) -> list[Any]:
        book = openpyxl.load_workbook(path)
        return [
            (ws.title, sorted(map(str, ws.merged_cells.ranges)), list(ws.values))
            for ws in book.worksheets
        ]

    assert cells(tmp_path / "x.xlsx") == cells(_ledgers.XLSX)


def test_the_example_credit_codes_are_valid_and_belong_to_no_real_region() -> None:
    from stdnum.cn import uscc

    codes = [r["统一社会信用代码"] for r in _ledgers.example_rows()]
    assert len(set(codes)) == len(codes) == 36
    assert all(uscc.is_valid(c) and c.startswith("91999999") for c in codes)


def test_the_gbk_csv_twin_is_gbk_with_crlf_as_chinese_excel_saves_it() -> None:
    raw = _ledgers.CSV.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gbk")
    assert text.count("\r\n") == text.count("\n") == 38  # title, header, 36 firms
    assert "企业名称" in text and '"18,100"' in text and "50%" in text


def test_the_workbook_and_its_gbk_csv_make_the_same_park() -> None:
    xlsx = load_scenario(SCENARIO)
    gbk = load_scenario(SCENARIO, sets=[TO_CSV])
    assert xlsx.scenario.registry[0].file.endswith(".xlsx")
    assert gbk.scenario.registry[0].file.endswith(".csv")
    assert len(xlsx.firms) == 36
    assert xlsx.firms == gbk.firms
    a = run_replications(xlsx, 2, 40, 1)
    b = run_replications(gbk, 2, 40, 1)
    for ta, tb in zip(a, b, strict=True):
        for name, value in vars(ta).items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(value, getattr(tb, name), err_msg=name)


def test_parksim_run_on_the_workbook_and_on_the_gbk_csv_writes_the_same_series(
    tmp_path: Path,
) -> None:
    series = []
    for name, extra in (("xlsx", []), ("gbk", ["--set", TO_CSV])):
        out = tmp_path / name
        args = ["run", str(SCENARIO), "--out", str(out), "--replications", "2", "--days", "40"]
        r = run_cli(*args, "--no-plots", "--quiet", *extra)
        assert r.returncode == 0, r.stderr
        series.append((out / "timeseries.csv").read_bytes())
        ranked = (out / "bottlenecks.csv").read_text(encoding="utf-8")
    assert series[0] == series[1]
    assert "park_firm,91999999" in ranked  # the credit codes are the firms' ids


def test_the_example_reads_its_columns_as_documented() -> None:
    park = load_scenario(SCENARIO)
    first = park.firms[0]
    row = _ledgers.example_rows()[0]
    assert first.id == row["统一社会信用代码"]
    assert first.name == row["企业名称"] == "甲电子科技有限公司"
    assert first.region == row["所在园区"]
    assert first.staff == row["从业人员（人）"]
    assert first.migrant_share == row["外来务工人员占比"]
    assert first.baseline_output == row["工业总产值（万元）"] / 365  # output_per: year
    assert first.above_scale is (row["是否规上"] == "是")
    assert {f.sector: f.firm_class for f in park.firms} == {
        s: s for s in ("electronics", "auto_parts", "food", "pharma", "packaging")
    }
    sectors = {f.name: f.sector for f in park.firms}
    assert sectors["甲包装材料有限公司"] == "packaging"  # 2231, mapped at its 小类
    assert sectors["乙包装材料有限公司"] == "packaging"  # 2926 (29 is chemicals built in)
    assert sectors["甲食品有限公司"] == "food"  # 1411: the built-in table


def test_a_workbook_keys_its_streams_as_the_csv_of_its_stem() -> None:
    assert registry_entries(["a/park.xlsx", "park.csv", "b/PARK.XLSM", "demo_park_food.csv"]) == [
        "registry:park.csv:0",
        "registry:park.csv:1",
        "registry:PARK.csv:0",
        "registry:demo_park_food.csv:0",
    ]


# --- a small ledger, and the ways it breaks ---------------------------------------------

HEADER = [
    "序号",
    "企业名称",
    "统一社会信用代码",
    "行业代码",
    "所在园区",
    "从业人员",
    "工业总产值",
    "是否规上",
]
#          A       B          C                 D          E          F          G            H


def good_rows() -> list[list[Any]]:
    rng = random.Random(1)
    return [
        [1, "甲电子有限公司", credit_code(rng), "3982", "东区", 120, 9.5, "是"],
        [2, "乙电子有限公司", credit_code(rng), "C39", "东区", 80, 4.0, "否"],
        [3, "丙食品有限公司", credit_code(rng), 14, "西区", 40, 2.5, "否"],
    ]


PARK = """\
name: t
days: 5
replications: 1
regions: [{{id: 东区}}, {{id: 西区}}]
firm_classes:
  any: {{migrant_share: 0.2}}
registry:
  - file: {file}
    class: any
{extra}"""


def scenario(tmp_path: Path, file: str, extra: str = "") -> Path:
    path = tmp_path / "park.yaml"
    indented = "".join(f"    {line}\n" for line in extra.splitlines())
    path.write_text(PARK.format(file=file, extra=indented), encoding="utf-8")
    return path


def xlsx(tmp_path: Path, rows: list[list[Any]] | None = None, **kw: Any) -> str:
    write_xlsx(tmp_path / "ledger.xlsx", kw.pop("header", HEADER), rows or good_rows(), **kw)
    return "ledger.xlsx"


def test_a_small_workbook_reads(tmp_path: Path) -> None:
    park = load_scenario(scenario(tmp_path, xlsx(tmp_path)))
    a, b, c = park.firms
    assert (a.name, a.sector, a.region, a.staff, a.baseline_output) == (
        "甲电子有限公司",
        "electronics",
        "东区",
        120,
        9.5,
    )
    assert (a.above_scale, b.above_scale) == (True, False)
    assert (b.sector, c.sector) == ("electronics", "food")  # C39; 14 as a number
    assert {f.firm_class for f in park.firms} == {"any"}


def _merged_header(tmp_path: Path) -> str:
    book = write_xlsx(tmp_path / "ledger.xlsx", HEADER, good_rows())
    ws = book["企业名录"]
    ws.merge_cells("F1:G1")
    book.save(tmp_path / "ledger.xlsx")
    return "ledger.xlsx"


def _title_without_header_row(tmp_path: Path) -> str:
    write_xlsx(tmp_path / "ledger.xlsx", HEADER, good_rows(), title="园区企业台账")
    return "ledger.xlsx"


def _empty_sheet(tmp_path: Path) -> str:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "企业名录"
    book.save(tmp_path / "ledger.xlsx")
    return "ledger.xlsx"


def _cell(row: int, col: int, value: Any) -> Callable[[Path], str]:
    def make(tmp_path: Path) -> str:
        rows = good_rows()
        if col >= len(rows[row]):
            rows[row] += [None] * (col - len(rows[row])) + [value]
        else:
            rows[row][col] = value
        return xlsx(tmp_path, rows)

    return make


def _without_column(col: int) -> Callable[[Path], str]:
    def make(tmp_path: Path) -> str:
        rows = [r[:col] + r[col + 1 :] for r in good_rows()]
        return xlsx(tmp_path, rows, header=HEADER[:col] + HEADER[col + 1 :])

    return make


def _duplicate_code(tmp_path: Path) -> str:
    rows = good_rows()
    rows[2][2] = rows[1][2]
    return xlsx(tmp_path, rows)


def _bad_check_digit(tmp_path: Path) -> str:
    rows = good_rows()
    code = rows[1][2]
    rows[1][2] = code[:-1] + ("1" if code[-1] != "1" else "2")
    return xlsx(tmp_path, rows)


def _csv(data: Callable[[list[list[Any]]], bytes]) -> Callable[[Path], str]:
    def make(tmp_path: Path) -> str:
        (tmp_path / "ledger.csv").write_bytes(data([HEADER, *good_rows()]))
        return "ledger.csv"

    return make


def _gbk(lines: list[list[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(lines)
    return out.getvalue().encode("gbk")


def _extra_cell(lines: list[list[Any]]) -> bytes:
    lines[2] = [*lines[2], "多余"]
    return _gbk(lines)


def _bad_byte(lines: list[list[Any]]) -> bytes:
    raw = _gbk(lines)
    second = raw.index(b"\r\n", raw.index(b"\r\n") + 2) + 2  # start of line 3
    return raw[: second + 2] + b"\xff" + raw[second + 2 :]


def _xls(tmp_path: Path) -> str:
    (tmp_path / "ledger.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    return "ledger.xls"


SHEET = "sheet '企业名录'"
BROKEN: dict[str, tuple[Callable[[Path], str], str, list[str]]] = {
    # name: (make the ledger, extra keys of the registry entry, what the message says)
    "missing column": (
        _without_column(2),
        "",
        [f"{SHEET}, row 1: the registry needs an `id` column, or a 统一社会信用代码 column"],
    ),
    "bad credit code": (
        _bad_check_digit,
        "",
        [f"{SHEET}, row 3, column C: 统一社会信用代码: ", "check digit"],
    ),
    "duplicate code": (
        _duplicate_code,
        "",
        [f"{SHEET}, row 4, column C: 统一社会信用代码: credit code ", "first in row 3"],
    ),
    "text in a number column": (
        _cell(0, 5, "约120人"),
        "",
        [f"{SHEET}, row 2, column F: 从业人员: '约120人' is not a number"],
    ),
    "unknown industry code": (
        _cell(1, 3, "C99"),
        "",
        [f"{SHEET}, row 3, column D: 行业代码: industry 'C99' is not in GB/T 4754"],
    ),
    "empty sheet": (_empty_sheet, "", [f"{SHEET}, row 1: the sheet is empty (no header row)"]),
    "merged-cell header": (
        _merged_header,
        "",
        [f"{SHEET}, row 1, column F: header cells F1:G1 are merged"],
    ),
    "title row and no header_row": (
        _title_without_header_row,
        "",
        [f"{SHEET}, row 1, column A: header cells A1:H1 are merged", "`header_row: 2`"],
    ),
    "blank required cell": (
        _cell(1, 2, None),
        "",
        [f"{SHEET}, row 3, column C: 统一社会信用代码: blank: every firm needs an id"],
    ),
    "wrong column count": (_csv(_extra_cell), "", ["ledger.csv:3: 9 cells for 8 columns"]),
    "undecodable bytes": (
        _csv(_bad_byte),
        "",
        ["ledger.csv:3:3: not UTF-8 or GBK/GB18030 text (byte 0xFF cannot be decoded)"],
    ),
    "unknown sheet name": (
        lambda p: xlsx(p),
        "sheet: 企业名单",
        ["ledger.xlsx: no sheet named '企业名单' (did you mean '企业名录'?)"],
    ),
    "value beyond the header": (
        _cell(1, 9, "备用"),
        "",
        [f"{SHEET}, row 3, column J: column J has a value but no name in the header (row 1)"],
    ),
    "industry section and code disagree": (
        lambda p: xlsx(
            p,
            [[*r[:3], "A", *r[3:]] for r in good_rows()],
            header=[*HEADER[:3], "行业门类", *HEADER[3:]],
        ),
        "",
        [f"{SHEET}, row 2, column D: 行业门类: industry A does not agree with C3982"],
    ),
    "a yes/no cell that is neither": (
        _cell(2, 7, "待定"),
        "",
        [f"{SHEET}, row 4, column H: 是否规上: '待定' is not a yes/no value"],
    ),
    "negative headcount (found when the firm is made)": (
        _cell(2, 5, -3),
        "",
        [f"{SHEET}, row 4, column F: 从业人员: should be greater than or equal to 0; found -3"],
    ),
    "unknown zone (found with the references)": (
        _cell(0, 4, "北区"),
        "",
        [f"{SHEET}, row 2, column E: 所在园区: unknown region '北区'"],
    ),
    "an Excel 97-2003 file": (_xls, "", ["ledger.xls: an Excel 97-2003 workbook (.xls)"]),
    "no industry and no sector from the class": (
        _cell(1, 3, None),
        "",
        [f"{SHEET}, row 3, column D: 行业代码: no value: the row leaves it blank and its class"],
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_ledger_exits_2_where_it_is_broken_and_writes_nothing(
    tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    make, extra, expected = BROKEN[case]
    file = make(tmp_path)
    path = scenario(tmp_path, file, extra)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet", "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for text in expected:
        assert text in err, err
    assert str(tmp_path / file) in err
    assert not out.exists()
    assert not out.with_name("out.partial").exists()


def test_every_problem_of_a_ledger_is_reported_at_once(tmp_path: Path) -> None:
    rows = good_rows()
    rows[0][5] = "many"
    rows[1][3] = "Z1"
    rows[2][7] = "?"
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario(tmp_path, xlsx(tmp_path, rows)))
    assert [(p.sheet, p.line, p.column) for p in info.value.problems] == [
        ("企业名录", 2, 6),
        ("企业名录", 3, 4),
        ("企业名录", 4, 8),
    ]


# --- reading: encodings, headers, cells -----------------------------------------------


def read(tmp_path: Path, data: bytes, name: str = "l.csv", **options: Any) -> Any:
    (tmp_path / name).write_bytes(data)
    ledger, problems = read_ledger(tmp_path / name, name, LedgerOptions(**options))
    return ledger, problems


def rows_of(tmp_path: Path, data: bytes, **options: Any) -> list[dict[str, Any]]:
    ledger, problems = read(tmp_path, data, **options)
    assert problems == []
    return [fields for _, fields in ledger.rows]


TEXT = "编号,企业名称,从业人员\nf1,甲公司,12\nf2,乙公司,7\n"
EXPECTED = [
    {"id": "f1", "name": "甲公司", "staff": "12"},
    {"id": "f2", "name": "乙公司", "staff": "7"},
]


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        TEXT.encode("gbk"),
        TEXT.replace("\n", "\r\n").encode("gb18030"),
    ],
    ids=["utf-8", "utf-8-bom", "gbk", "gb18030-crlf"],
)
def test_csv_in_utf8_with_or_without_bom_or_gbk_reads_alike(tmp_path: Path, data: bytes) -> None:
    assert rows_of(tmp_path, data) == EXPECTED


def test_characters_beyond_gbk_read_as_gb18030(tmp_path: Path) -> None:
    text = "id,name\nf1,䶮（GB18030 之外的 GBK 没有）\n"  # U+4DAE is in GB18030, not GBK
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    assert rows_of(tmp_path, text.encode("gb18030"))[0]["name"].startswith("䶮")


def test_an_explicit_encoding_is_used_and_its_errors_located(tmp_path: Path) -> None:
    data = "id,name\nf1,Müller\n".encode("latin-1")
    assert rows_of(tmp_path, data, encoding="latin-1") == [{"id": "f1", "name": "Müller"}]
    _, problems = read(tmp_path, TEXT.encode("gbk"), encoding="utf-8")
    (p,) = problems
    assert (p.line, p.column) == (1, 1)
    assert p.message.startswith("not utf-8 text (byte 0xB1 cannot be decoded)")


def test_a_bom_means_utf8_and_is_not_read_as_gbk(tmp_path: Path) -> None:
    _, problems = read(tmp_path, b"\xef\xbb\xbf" + TEXT.encode("gbk"))
    assert problems[0].message.startswith("not UTF-8 text")


def test_header_names_are_matched_after_folding_width_blanks_and_units() -> None:
    assert fold_header(" 工业总产值（万元） ") == "工业总产值"
    assert fold_header("从业\n人员(人)") == "从业人员"
    assert fold_header("*企业名称") == "企业名称"
    assert fold_header("Baseline_Output") == "baseline_output"
    assert fold_header("(万元)") == "(万元)"  # a name that is only a unit stays


def test_the_builtin_names_map_to_fields_and_none_twice() -> None:
    names = [fold_header(n) for ns in HEADER_NAMES.values() for n in ns]
    names += [fold_header(n) for n in SKIPPED_HEADERS]
    assert len(names) == len(set(names))
    assert set(HEADER_NAMES) <= set(LEDGER_FIELDS)
    assert not set(names) & {fold_header(f) for f in LEDGER_FIELDS}


def test_the_scenario_columns_add_names_and_win_over_the_builtin_ones(tmp_path: Path) -> None:
    data = "单位编码,名称,人数,产值,说明\nf1,甲,12,3,x\n".encode()
    columns = {"单位编码": "id", "名称": "ignore", "人数": "staff", "说明": "ignore"}
    assert rows_of(tmp_path, data, columns=columns) == [
        {"id": "f1", "staff": "12", "baseline_output": "3"}
    ]
    _, problems = read(tmp_path, data)
    assert [p.message.split(";")[0] for p in problems] == [
        "unknown column '单位编码'",
        "unknown column '人数'",
        "unknown column '说明'",
        "the registry needs an `id` column, or a 统一社会信用代码 column (the credit codes are "
        "then the firms' ids)",
    ]


def test_a_title_line_above_the_header_of_a_csv_says_how_to_skip_it(tmp_path: Path) -> None:
    _, problems = read(tmp_path, "园区企业台账,,\nid,name,staff\nf1,甲,3\n".encode("gbk"))
    assert [p.line for p in problems] == [1, 1]
    assert problems[0].message.endswith(
        "if row 1 is a title above the header, give the registry `header_row: 2`"
    )
    (row,) = rows_of(
        tmp_path, "园区企业台账,,\nid,name,staff\nf1,甲,3\n".encode("gbk"), header_row=2
    )
    assert row == {"id": "f1", "name": "甲", "staff": "3"}


def test_two_columns_of_one_field_are_refused_with_the_fix(tmp_path: Path) -> None:
    _, problems = read(tmp_path, "id,从业人员,员工人数\nf1,3,4\n".encode())
    (p,) = problems
    assert (p.line, p.column) == (1, 3)
    assert p.message == (
        "`staff` is given twice: by column 2 '从业人员' and column 3 '员工人数'; map one of "
        "them to `ignore` in the registry's `columns:`"
    )


@pytest.mark.parametrize(
    ("cell", "value"),
    [("1,234", "1234"), ("１２", "12"), ("2.5", "2.5"), (" 7 ", "7"), ("-1,000.5", "-1000.5")],
)
def test_number_cells_as_spreadsheets_write_them(tmp_path: Path, cell: str, value: str) -> None:
    data = f'id,cash_days\nf1,"{cell}"\n'.encode()
    assert rows_of(tmp_path, data) == [{"id": "f1", "cash_days": value}]


def test_shares_may_be_written_as_percentages(tmp_path: Path) -> None:
    data = "id,外来务工人员占比,outbound_share\nf1,35%,0.5\nf2,12.5%,5%\n".encode()
    assert rows_of(tmp_path, data) == [
        {"id": "f1", "migrant_share": 0.35, "outbound_share": "0.5"},
        {"id": "f2", "migrant_share": 0.125, "outbound_share": 0.05},
    ]
    _, problems = read(tmp_path, b"id,staff\nf1,35%\n")
    assert problems[0].message == "'35%' is not a number"


@pytest.mark.parametrize(("per", "days"), [("day", 1), ("month", 365 / 12), ("year", 365)])
def test_output_per_period_gives_output_per_day(tmp_path: Path, per: str, days: float) -> None:
    (row,) = rows_of(tmp_path, "id,工业总产值（万元）\nf1,730\n".encode(), output_per=per)
    assert float(row["baseline_output"]) == 730 / days


def test_yes_no_cells_take_chinese_words_and_workbook_booleans(tmp_path: Path) -> None:
    rows = [["f1", "是", True, 1], ["f2", "否", False, 0]]
    write_xlsx(tmp_path / "l.xlsx", ["id", "是否规上", "能否闭环生产", "是否在产"], rows)
    ledger, problems = read_ledger(tmp_path / "l.xlsx", "l.xlsx")
    assert problems == []
    assert [f for _, f in ledger.rows] == [
        {"id": "f1", "above_scale": True, "closed_loop": True, "initially_open": True},
        {"id": "f2", "above_scale": False, "closed_loop": False, "initially_open": False},
    ]


def test_workbook_cells_keep_their_types_and_rows_their_numbers(tmp_path: Path) -> None:
    rows = [[1001, 12, 2.5], [None, None, None], [1002.0, 7.0, "3"]]
    write_xlsx(tmp_path / "l.xlsx", ["id", "staff", "baseline_output"], rows, title="台账")
    ledger, problems = read_ledger(tmp_path / "l.xlsx", "l.xlsx", LedgerOptions(header_row=2))
    assert problems == []
    assert ledger.sheet == "企业名录"
    assert ledger.rows == [
        (3, {"id": "1001", "staff": 12, "baseline_output": 2.5}),
        (5, {"id": "1002", "staff": 7.0, "baseline_output": "3"}),
    ]
    assert {f: (c.number, c.header) for f, c in ledger.columns.items()} == {
        "id": (1, "id"),
        "staff": (2, "staff"),
        "baseline_output": (3, "baseline_output"),
    }


def test_the_first_sheet_is_read_unless_one_is_named(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "l.xlsx", ["id"], [["f1"]], before=["说明"])
    book["说明"].append(["id"])
    book["说明"].append(["other"])
    book.save(tmp_path / "l.xlsx")
    first, _ = read_ledger(tmp_path / "l.xlsx", "l.xlsx")
    named, _ = read_ledger(tmp_path / "l.xlsx", "l.xlsx", LedgerOptions(sheet="企业名录"))
    assert [f["id"] for _, f in first.rows] == ["other"]
    assert [f["id"] for _, f in named.rows] == ["f1"]


def test_the_credit_code_is_the_id_unless_there_is_an_id_column(tmp_path: Path) -> None:
    code = credit_code(random.Random(3))
    (row,) = rows_of(tmp_path, f"统一社会信用代码\n{code.lower()}\n".encode())
    assert row == {"id": code}  # compacted: upper case
    (row,) = rows_of(tmp_path, f"id,统一社会信用代码\nf1,{code}\n".encode())
    assert row == {"id": "f1"}
    (row,) = rows_of(tmp_path, "id,统一社会信用代码\nf1,\n".encode())
    assert row == {"id": "f1"}  # a blank code is allowed beside an id column


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("91110000600037341", "has 17 characters; a credit code has 18"),
        ("91110000600037341I", "is not a valid credit code (8 digits, then"),
        ("91110000600037341M", "its check digit (the last character) does not match"),
    ],
)
def test_bad_credit_codes_say_what_is_wrong(tmp_path: Path, cell: str, why: str) -> None:
    _, problems = read(tmp_path, f"统一社会信用代码\n{cell}\n".encode())
    (p,) = problems
    assert (p.line, p.column, p.path) == (2, 1, ("统一社会信用代码",))
    assert why in p.message


@pytest.mark.parametrize(
    ("industries", "cells", "sectors"),
    [
        ({}, ["C3982", "39", "C", "制造业"], None),
        (
            {},
            ["3982", "1411", "A", "计算机、通信和其他电子设备制造业"],
            ["electronics", "food", "agriculture", "electronics"],
        ),
        ({"39": "chips"}, ["C3982", "3911", "C39 计算机"], ["chips", "chips", "chips"]),
        (
            {"3982": "pcb", "C": "make"},
            ["3982", "3981", "1411", "A01"],
            ["pcb", "make", "make", "agriculture"],
        ),
    ],
)
def test_industry_codes_give_sectors(
    tmp_path: Path, industries: dict[str, str], cells: list[str], sectors: list[str] | None
) -> None:
    data = ("id,行业代码\n" + "".join(f"f{i},{c}\n" for i, c in enumerate(cells))).encode()
    ledger, problems = read(tmp_path, data, industries=industries)
    if sectors is None:  # C alone spans several sectors
        assert [(p.line, p.column) for p in problems] == [(4, 2), (5, 2)]
        assert "industry C spans several sectors: give its 2-digit 大类" in problems[0].message
    else:
        assert problems == []
        assert [f["sector"] for _, f in ledger.rows] == sectors


def test_a_sector_cell_wins_over_the_industry_code(tmp_path: Path) -> None:
    assert rows_of(tmp_path, "id,行业代码,sector\nf1,3982,own\n".encode()) == [
        {"id": "f1", "sector": "own"}
    ]


def test_a_ledger_problem_names_file_sheet_row_and_column() -> None:
    p = Problem("bad", ("从业人员",), "l.xlsx", 5, 28, "企业名录")
    assert str(p) == "l.xlsx, sheet '企业名录', row 5, column AB: 从业人员: bad"
    assert str(Problem("bad", (), "l.csv", 5, 3)) == "l.csv:5:3: bad"


# --- the scenario's keys -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ("industries: {39: food}", "keys must be text, found an integer (39); quote it"),
        ("industries: {C99: food}", "industry code 'C99' is not in GB/T 4754: it has no 大类 99"),
        ("industries: {A39: food}", "gives 门类 A, but 大类 39"),
        ("industries: {Z: food}", "registry[0].industries"),
        ("encoding: utf-9", "unknown text encoding 'utf-9'"),
        ("encoding: rot13", "'rot13' is not a text encoding"),
        ("columns: {人数: headcount}", "registry[0].columns.人数"),
        ("output_per: week", "registry[0].output_per"),
        ("header_row: 0", "registry[0].header_row"),
        ("classes: {electronix: any}", "unknown sector 'electronix'"),
    ],
)
def test_bad_registry_keys_are_refused_at_their_line(
    tmp_path: Path, extra: str, needle: str
) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario(tmp_path, xlsx(tmp_path), extra))
    text = str(info.value)
    assert needle in text, text
    assert f"{tmp_path / 'park.yaml'}:" in text


def test_industry_codes_as_keys_map_rows_to_the_scenario_sectors(tmp_path: Path) -> None:
    extra = 'industries: {"39": chips, C14: meals}'
    park = load_scenario(scenario(tmp_path, xlsx(tmp_path), extra))
    assert [f.sector for f in park.firms] == ["chips", "chips", "meals"]


def test_classes_give_each_sector_its_class(tmp_path: Path) -> None:
    text = PARK.replace(
        "  any: {{migrant_share: 0.2}}\n", "  any: {{}}\n  el: {{tags: [backbone]}}\n"
    )
    path = tmp_path / "park.yaml"
    extra = "    classes: {electronics: el}\n"
    path.write_text(text.format(file=xlsx(tmp_path), extra=extra), encoding="utf-8")
    park = load_scenario(path)
    assert [(f.firm_class, f.tags) for f in park.firms] == [
        ("el", ["backbone"]),
        ("el", ["backbone"]),
        ("any", []),
    ]


def test_a_sheet_for_a_csv_or_an_encoding_for_a_workbook_is_refused(tmp_path: Path) -> None:
    _, problems = read(tmp_path, b"id\nf1\n", sheet="x")
    assert problems[0].message == "`sheet: x` names a sheet, but this is a CSV file"
    xlsx(tmp_path)
    _, problems = read_ledger(tmp_path / "ledger.xlsx", "x", LedgerOptions(encoding="gbk"))
    assert problems[0].message == "`encoding` is for CSV files; a workbook has none"


def test_a_damaged_or_huge_workbook_is_refused(tmp_path: Path) -> None:
    _, problems = read(tmp_path, b"PK\x03\x04 not really a zip", name="l.xlsx")
    assert problems[0].message.startswith("not an Excel workbook (.xlsx)")
    xlsx(tmp_path)
    size = (tmp_path / "ledger.xlsx").stat().st_size
    _, problems = read_ledger(tmp_path / "ledger.xlsx", "x", max_bytes=size + 10)
    assert "unpacks to more than" in problems[0].message


def test_the_docs_list_every_builtin_column_name() -> None:
    docs = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    section = docs[docs.index("## Firm ledgers from Excel") :]
    for field, names in HEADER_NAMES.items():
        assert f"`{field}`" in section, field
        for name in names:
            assert name in section, name
    for name in SKIPPED_HEADERS:
        assert name in section, name
