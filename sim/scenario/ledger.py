"""Firm ledgers as planners keep them: CSV files and Excel workbooks of firms, one row
per firm, read into registry rows.

A park's firm list (台账) is an Excel workbook, or a CSV that Chinese Excel saved in
GBK, with Chinese column names (企业名称, 统一社会信用代码, 行业代码, 从业人员,
工业总产值, 是否规上, 所在园区 ...). This module reads either:

* the file: an `.xlsx` workbook (its first sheet, or the registry's `sheet:`), or
  CSV text in UTF-8 (with or without a byte-order mark) or GBK/GB18030, tried in
  that order (or the registry's `encoding:`);
* the header: each column name is matched, after folding width, blanks, case and
  a trailing unit in brackets (`工业总产值（万元）`), against the registry's own
  `columns:`, then the field names, then the built-in Chinese names
  (`HEADER_NAMES`); columns such as 序号 or 联系电话 are skipped (`SKIPPED_HEADERS`);
* the cells: numbers (with thousands separators, shares also as `30%`), yes/no
  (是/否 too), unified social credit codes (checked with python-stdnum; they are
  the firms' ids when the ledger has no `id` column) and GB/T 4754 industry codes
  (mapped to sectors, `sim.scenario.industries`).

Every problem names the file, the sheet, the row and the column; a ledger with
problems gives no rows.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import io
import re
import stat
import unicodedata
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from sim.scenario.errors import Problem, column_letter, shown
from sim.scenario.industries import Code, normal_key, parse_code, sector_of
from sim.scenario.schema import LedgerField

REGISTRY_COLUMNS: tuple[str, ...] = tuple(
    c for c in get_args(LedgerField) if c not in ("credit_code", "industry", "ignore")
)
"""Fields of a registry row (columns of that name need no mapping; `tags` separated by `;`)."""
CREDIT_CODE = "credit_code"
"""The unified social credit code (统一社会信用代码): checked, unique, and the firm's id
when the ledger has no `id` column."""
INDUSTRY = "industry"
"""A GB/T 4754 industry code or name: gives the row's sector (`industries`)."""
SKIP = "ignore"
"""What `columns:` maps a column to that is not read."""
LEDGER_FIELDS = (*REGISTRY_COLUMNS, CREDIT_CODE, INDUSTRY)
"""What a ledger column can be read as (besides `ignore`)."""

HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("企业编号", "企业编码", "编号"),
    "name": ("企业名称", "单位名称", "公司名称", "企业全称", "单位详细名称", "名称"),
    CREDIT_CODE: ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "uscc"),
    INDUSTRY: (
        "行业代码",
        "行业门类",
        "行业大类",
        "行业门类代码",
        "行业大类代码",
        "国民经济行业代码",
        "国民经济行业分类",
        "所属行业代码",
        "所属行业",
        "行业类别",
        "行业",
    ),
    "sector": ("所属产业", "产业"),
    "region": (
        "所在园区",
        "所在街道",
        "所在镇街",
        "所在片区",
        "所在区域",
        "园区",
        "街道",
        "镇街",
        "片区",
    ),
    "above_scale": (
        "是否规上",
        "是否规上企业",
        "规上企业",
        "是否规模以上",
        "是否规模以上企业",
        "规模以上",
    ),
    "baseline_output": ("工业总产值", "总产值", "产值", "工业产值", "日均产值", "日产值"),
    "staff": (
        "从业人员",
        "从业人员数",
        "从业人数",
        "从业人员期末人数",
        "从业人员平均人数",
        "员工人数",
        "职工人数",
        "用工人数",
        "员工数",
    ),
    "migrant_share": ("外来务工人员占比", "外地员工占比", "外来人员占比"),
    "dorm_beds": ("宿舍床位", "宿舍床位数", "床位数"),
    "bus_seats": ("班车座位", "班车座位数", "点对点班车座位"),
    "closed_loop": ("闭环生产", "能否闭环生产", "是否闭环生产"),
    "ramp_days": ("爬坡天数", "达产天数"),
    "tags": ("标签", "企业标签"),
    "initially_open": ("是否在产", "已复工", "是否复工"),
    "cash_days": ("现金可支撑天数", "资金可支撑天数"),
    "outbound_share": ("外运比例", "外发比例"),
}
"""The built-in Chinese column names of each field (a registry's `columns:` adds more,
and wins over these)."""
SKIPPED_HEADERS = (
    "序号",
    "备注",
    "联系人",
    "联系电话",
    "联系方式",
    "手机",
    "电话",
    "法定代表人",
    "法人代表",
    "负责人",
    "地址",
    "企业地址",
    "注册地址",
    "经营地址",
    "电子邮箱",
    "成立日期",
    "注册资本",
)
"""Columns a ledger often has that say nothing the model uses: not read."""

NUMBER_FIELDS = (
    "baseline_output",
    "staff",
    "migrant_share",
    "dorm_beds",
    "bus_seats",
    "ramp_days",
    "cash_days",
    "outbound_share",
)
SHARE_FIELDS = ("migrant_share", "outbound_share")
REGISTRY_BOOLS = ("above_scale", "closed_loop", "initially_open")
REGISTRY_TRUE = ("true", "yes", "y", "1", "是")
REGISTRY_FALSE = ("false", "no", "n", "0", "否")
"""Words a registry's yes/no cells accept (any case): spreadsheets write all of these.
YAML scenario files take only `true` and `false`."""
DAYS_PER = {"day": 1.0, "month": 365 / 12, "year": 365.0}
"""Days in the period a ledger's output column covers (`output_per:`)."""

MAX_REGISTRY_BYTES = 50_000_000
"""Default largest registry file, in bytes (`limits.registry_bytes` changes it)."""
MAX_COLUMN_PROBLEMS = 5
"""Unknown columns reported one by one; a file that is not a registry at all has
hundreds, and its header is nobody's business beyond the first few."""
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""How an Excel 97–2003 `.xls` file starts (openpyxl cannot read those)."""


@dataclass(frozen=True)
class LedgerOptions:
    """How to read one ledger: the keys of its `registry` entry that say so."""

    sheet: str | None = None
    encoding: str | None = None
    header_row: int | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    industries: Mapping[str, str] = field(default_factory=dict)
    output_per: str = "day"


@dataclass(frozen=True)
class Column:
    """A column of a ledger read as one field."""

    number: int
    """1-based (A is 1)."""
    header: str
    """Its name as written in the file."""
    field: str


@dataclass(frozen=True)
class Ledger:
    """A ledger's rows (line or row number, raw fields) and where each field came from."""

    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    columns: dict[str, Column] = field(default_factory=dict)
    """The column of each field (`id` is the credit code's when those are the ids)."""
    sheet: str | None = None
    """The worksheet read, for a workbook."""


@dataclass
class _Grid:
    """The cells of a CSV file or a worksheet: (line or row number, cells) per row."""

    records: list[tuple[int, list[Any]]]
    sheet: str | None = None
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    """Merged ranges: first row, first column, last row, last column."""
    csv_width: bool = False
    """Every CSV row must have as many cells as the header (a worksheet has no count)."""


class _Where:
    """Locates problems of one ledger: file, sheet, row, column."""

    def __init__(self, label: str, sheet: str | None = None) -> None:
        self.label = label
        self.sheet = sheet

    def __call__(
        self,
        message: str,
        line: int | None = None,
        column: int | None = None,
        header: str | None = None,
    ) -> Problem:
        path = () if header is None else (header,)
        return Problem(message, path, self.label, line, column, self.sheet)

    def column(self, number: int) -> str:
        """How messages name a column: its letter in a workbook, its number in a CSV."""
        return column_letter(number) if self.sheet is not None else str(number)


def fold_header(text: str) -> str:
    """A column name as matched: width folded (NFKC), blanks and `*` marks removed, a
    trailing unit in brackets dropped (`工业总产值（万元）` → `工业总产值`), lower case."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).strip("*")
    s = re.sub(r"(?<=.)(\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】)$", "", s)
    return s.lower()


def _builtin_names() -> dict[str, str]:
    out = {fold_header(f): f for f in LEDGER_FIELDS}
    for name in SKIPPED_HEADERS:
        out[fold_header(name)] = SKIP
    for f, names in HEADER_NAMES.items():
        for name in names:
            out[fold_header(name)] = f
    return out


def read_capped(path: Path, label: str, max_bytes: int) -> tuple[bytes | None, list[Problem]]:
    """At most `max_bytes` of a regular file, or the problem why not.

    Only regular files are opened: a FIFO would block the open, a device such
    as /dev/zero never ends (and reports size 0), a folder is no CSV. The file
    is read up to one byte past the limit, however large it claims to be.
    """
    try:
        info = path.stat()
    except (OSError, ValueError) as e:
        why = e.strerror if isinstance(e, OSError) and e.strerror else e
        return None, [Problem(f"cannot read firm registry: {why}", file=label)]
    if not stat.S_ISREG(info.st_mode):
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "a device, pipe or socket"
        return None, [Problem(f"the firm registry is {what}, not a CSV file", file=label)]
    too_big = Problem(
        f"the firm registry is larger than {max_bytes:,} bytes (`limits.registry_bytes`); "
        "raise the limit if the file is meant to be this large",
        file=label,
    )
    if info.st_size > max_bytes:
        return None, [too_big]
    try:
        with path.open("rb") as f:
            raw = f.read(max_bytes + 1)
    except OSError as e:
        return None, [Problem(f"cannot read firm registry: {e.strerror or e}", file=label)]
    if len(raw) > max_bytes:
        return None, [too_big]
    return raw, []


# --- the file: text or workbook -------------------------------------------------------


def _undecodable(raw: bytes, e: UnicodeDecodeError, codec: str) -> tuple[int, int]:
    """Line and column (in characters) of the first byte `codec` cannot decode."""
    start = raw.rfind(b"\n", 0, e.start) + 1
    column = len(raw[start : e.start].decode(codec, errors="replace")) + 1
    return raw.count(b"\n", 0, e.start) + 1, column


def decode(raw: bytes, label: str, encoding: str | None) -> tuple[str | None, list[Problem]]:
    """The text of a CSV ledger: in `encoding` when given; else UTF-8 (a byte-order mark
    is dropped), else GB18030, which reads GBK and GB2312 too."""
    bom = raw.startswith(codecs.BOM_UTF8)
    raw = raw.removeprefix(codecs.BOM_UTF8)  # spreadsheets write one; it is not a column
    tries = [encoding] if encoding is not None else ["utf-8"] if bom else ["utf-8", "gb18030"]
    failed: list[tuple[UnicodeDecodeError, str]] = []
    for codec in tries:
        try:
            return raw.decode(codec).removeprefix("\ufeff"), []
        except UnicodeDecodeError as e:
            failed.append((e, codec))
    # the codec that read furthest: a GBK file with one bad byte fails UTF-8 at its
    # first Chinese character and GB18030 at the bad byte, which is the one to show
    err, codec = max(failed, key=lambda f: f[0].start)
    line, column = _undecodable(raw, err, codec)
    if encoding is not None:
        what = f"not {encoding} text"
        fix = "check the registry's `encoding:`"
    else:
        what = "not UTF-8 text" if bom else "not UTF-8 or GBK/GB18030 text"
        fix = "save the spreadsheet as 'CSV UTF-8', or give the registry's `encoding:`"
    return None, [
        Problem(
            f"{what} (byte 0x{raw[err.start]:02X} cannot be decoded): {fix}",
            file=label,
            line=line,
            column=column,
        )
    ]


def _csv_grid(text: str, where: _Where) -> tuple[_Grid | None, list[Problem]]:
    records: list[tuple[int, list[Any]]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1  # a quoted cell may span lines: count lines, not rows
    try:
        for row in reader:
            records.append((start, row))
            start = reader.line_num + 1
    except csv.Error as e:
        return None, [where(f"bad CSV: {e}", reader.line_num)]
    return _Grid(records, csv_width=True), []


def _workbook_grid(
    raw: bytes, where: _Where, sheet: str | None, max_bytes: int
) -> tuple[_Grid | None, list[Problem]]:
    """The cells of one worksheet (the first unless `sheet` names one)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        return None, [where(f"not an Excel workbook (.xlsx): {e}")]
    if unpacked > max_bytes:
        return None, [
            where(
                f"the workbook unpacks to more than {max_bytes:,} bytes "
                "(`limits.registry_bytes`); raise the limit if it is meant to be this large"
            )
        ]
    import openpyxl
    from openpyxl.worksheet.worksheet import Worksheet

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unsupported extensions, missing styles
        try:
            book = openpyxl.load_workbook(io.BytesIO(raw), data_only=True)
        except Exception as e:  # a damaged workbook raises whatever its XML gives
            return None, [where(f"cannot read the workbook: {shown(str(e), 200)}")]
    if sheet is None:
        if not book.worksheets:
            return None, [where("the workbook has no worksheet")]
        ws = book.worksheets[0]
    else:
        if sheet not in book.sheetnames:
            names = ", ".join(repr(n) for n in book.sheetnames)
            close = difflib.get_close_matches(sheet, book.sheetnames, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return None, [where(f"no sheet named {sheet!r}{hint}; the workbook has {names}")]
        found = book[sheet]
        if not isinstance(found, Worksheet):
            return None, [where(f"sheet {sheet!r} is a chart, not a worksheet")]
        ws = found
    rows = ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column, values_only=True)
    records = [(r, list(cells)) for r, cells in enumerate(rows, 1)]
    merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    return _Grid(records, ws.title, sorted(merged)), []


# --- cells ------------------------------------------------------------------------------


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _text(v: Any) -> str:
    """A cell as text: a whole number without `.0`, a date as YYYY-MM-DD."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime) and v.time() == dt.time():
        return v.date().isoformat()
    if isinstance(v, dt.date | dt.datetime | dt.time):
        return v.isoformat()
    return str(v).strip()


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def _parse_bool(v: Any) -> bool | None:
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return bool(v) if v in (0, 1) else None
    low = unicodedata.normalize("NFKC", str(v)).strip().lower()
    if low in REGISTRY_TRUE:
        return True
    if low in REGISTRY_FALSE:
        return False
    return None


def _number(v: Any, share: bool) -> tuple[Any, str | None]:
    """A number cell as the value to validate (text is kept as text for the schema to
    read, as from any CSV), or why it is not a number."""
    if isinstance(v, bool) or isinstance(v, dt.date | dt.time):
        return None, f"{shown(_text(v), 40)} is not a number"
    if isinstance(v, int | float):
        return v, None
    s = unicodedata.normalize("NFKC", str(v)).strip()
    if _THOUSANDS.fullmatch(s):
        s = s.replace(",", "")
    if share and s.endswith("%"):
        try:
            return float(s[:-1]) / 100, None
        except ValueError:
            pass
    try:
        float(s)
    except ValueError:
        return None, f"{shown(str(v).strip(), 40)} is not a number"
    return s, None


def _credit_code(v: Any) -> tuple[str | None, str | None]:
    """A unified social credit code, compacted (upper case, no blanks), or why it is none."""
    text = _text(v)
    try:
        return uscc.validate(text), None
    except InvalidLength:
        n = len(uscc.compact(text))
        return None, f"{shown(text, 40)} has {n} characters; a credit code has 18"
    except InvalidChecksum:
        return None, (
            f"{shown(text, 40)} is not a valid credit code: its check digit (the last "
            "character) does not match the others, so one of them is mistyped"
        )
    except ValidationError:
        return None, (
            f"{shown(text, 40)} is not a valid credit code (8 digits, then 10 digits or "
            "capital letters other than I, O, S, V, Z)"
        )


# --- the table ----------------------------------------------------------------------------


def _header_row(grid: _Grid, want: int | None) -> int | None:
    """Index in `grid.records` of the header: row `want`, or the first row not blank."""
    for i, (_, cells) in enumerate(grid.records):
        if want is not None and i + 1 == want:
            return i
        if want is None and not all(_blank(c) for c in cells):
            return i
    return None


def _columns(
    grid: _Grid, hi: int, where: _Where, options: LedgerOptions
) -> tuple[list[Column], list[Problem]]:
    """The columns read, from the header row `hi`, or the problems with the header."""
    line, header = grid.records[hi]
    names = _builtin_names()
    mine = {fold_header(k): v for k, v in options.columns.items()}
    problems: list[Problem] = []
    named = sum(not _blank(c) for c in header)
    for r0, c0, r1, c1 in grid.merged:
        if r0 <= line <= r1:
            span = f"{column_letter(c0)}{r0}:{column_letter(c1)}{r1}"
            hint = (
                f"; if row {line} is a title above the header, give the registry "
                f"`header_row: {line + 1}`"
                if r0 == r1 == line and named == 1
                else ""
            )
            problems.append(
                where(
                    f"header cells {span} are merged: the header must be one row with one "
                    f"name per column{hint}",
                    line,
                    c0,
                )
            )
    if problems:  # the merged cells' columns have no name: that follows, and is not news
        return [], problems
    columns: list[Column] = []
    unknown: list[tuple[int, str]] = []
    used: dict[str, Column] = {}
    below = grid.records[hi + 1 :]
    for number, cell in enumerate(header, 1):
        text = "" if _blank(cell) else _text(cell)
        if not text:
            filled = next(
                (r for r, c in below if number <= len(c) and not _blank(c[number - 1])), None
            )
            if filled is not None and named > 1:  # one name: a title (said below)
                problems.append(
                    where(
                        f"column {where.column(number)} has a value but no name in the "
                        f"header (row {line})",
                        filled,
                        number,
                    )
                )
            continue
        folded = fold_header(text)
        target = mine.get(folded) or names.get(folded)
        if target is None:
            unknown.append((number, text))
            continue
        if target == SKIP:
            continue
        col = Column(number, text, target)
        first = used.get(target)
        if first is not None and target != INDUSTRY:
            problems.append(
                where(
                    f"`{target}` is given twice: by column {where.column(first.number)} "
                    f"{shown(first.header, 40)} and column {where.column(number)} "
                    f"{shown(text, 40)}; map one of them to `{SKIP}` in the registry's "
                    "`columns:`",
                    line,
                    number,
                )
            )
            continue
        used.setdefault(target, col)
        columns.append(col)
    title = (
        f"; if row {line} is a title above the header, give the registry `header_row: {line + 1}`"
        if named == 1
        else ""
    )
    for number, text in unknown[:MAX_COLUMN_PROBLEMS]:
        close = difflib.get_close_matches(fold_header(text), list(names), n=1, cutoff=0.8)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(
            where(
                f"unknown column {shown(text, 40)}{hint}; allowed: {', '.join(LEDGER_FIELDS)}, "
                "their Chinese names (docs/scenarios.md), or a name the registry's "
                f"`columns:` maps{title}",
                line,
                number,
            )
        )
    if len(unknown) > MAX_COLUMN_PROBLEMS:
        problems.append(
            where(
                f"{len(unknown) - MAX_COLUMN_PROBLEMS} more unknown columns (is this a firm "
                "registry?)",
                line,
            )
        )
    if "id" not in used and CREDIT_CODE not in used:
        problems.append(
            where(
                "the registry needs an `id` column, or a 统一社会信用代码 column (the credit "
                "codes are then the firms' ids)",
                line,
            )
        )
    return columns, problems


def _industry(
    found: list[tuple[Column, Code]], where: _Where, line: int, options: LedgerOptions
) -> tuple[str | None, list[Problem]]:
    """The sector of a row's industry: its most specific code (a ledger may give the
    门类 and the 大类 in two columns, which must agree)."""
    col, code = max(found, key=lambda f: len(f[1].digits))
    for other_col, other in found:
        if not code.covers(other):
            return None, [
                where(
                    f"industry {other.section}{other.digits} does not agree with "
                    f"{code.section}{code.digits} in column {where.column(col.number)} "
                    f"{shown(col.header, 40)}",
                    line,
                    other_col.number,
                    other_col.header,
                )
            ]
    overrides = {normal_key(k): v for k, v in options.industries.items()}
    sector = sector_of(code, overrides)
    if sector is None:
        return None, [
            where(
                f"industry {code.section}{code.digits} spans several sectors: give its "
                f"2-digit 大类 (e.g. {code.section}39), or map {code.section!r} in the "
                "registry's `industries:`",
                line,
                col.number,
                col.header,
            )
        ]
    return sector, []


def _row(
    line: int,
    cells: Sequence[Any],
    columns: list[Column],
    where: _Where,
    options: LedgerOptions,
    seen_codes: dict[str, int],
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """One row's fields, or its problems."""
    problems: list[Problem] = []
    fields: dict[str, Any] = {}
    industries: list[tuple[Column, Code]] = []
    ids_from_codes = not any(c.field == "id" for c in columns)

    def bad(message: str, col: Column) -> None:
        problems.append(where(message, line, col.number, col.header))

    for col in columns:
        v = cells[col.number - 1] if col.number <= len(cells) else None
        if _blank(v):
            if col.field == "id" or (col.field == CREDIT_CODE and ids_from_codes):
                bad("blank: every firm needs an id", col)
            continue
        f = col.field
        if f == CREDIT_CODE:
            code, why = _credit_code(v)
            if code is None:
                assert why is not None
                bad(why, col)
                continue
            first = seen_codes.setdefault(code, line)
            if first != line:
                bad(f"credit code {code} appears twice: first in row {first}", col)
                continue
            if ids_from_codes:
                fields["id"] = code
        elif f == INDUSTRY:
            parsed = parse_code(v)
            if isinstance(parsed, str):
                bad(f"industry {shown(_text(v), 40)} {parsed}", col)
            else:
                industries.append((col, parsed))
        elif f == "tags":
            text = unicodedata.normalize("NFKC", _text(v))
            fields[f] = [t.strip() for t in text.split(";") if t.strip()]
        elif f in REGISTRY_BOOLS:
            value = _parse_bool(v)
            if value is None:
                bad(
                    f"{shown(_text(v), 40)} is not a yes/no value; write "
                    f"{'/'.join(REGISTRY_TRUE)} or {'/'.join(REGISTRY_FALSE)}",
                    col,
                )
                continue
            fields[f] = value
        elif f in NUMBER_FIELDS:
            number, why = _number(v, f in SHARE_FIELDS)
            if why is not None:
                bad(why, col)
                continue
            if f == "baseline_output" and options.output_per != "day":
                number = float(number) / DAYS_PER[options.output_per]
            fields[f] = number
        else:
            fields[f] = _text(v)
    if industries and not problems:
        sector, probs = _industry(industries, where, line, options)
        problems.extend(probs)
        if sector is not None:
            fields.setdefault("sector", sector)  # a `sector` column wins over the code
    return (None, problems) if problems else (fields, [])


def _table(
    grid: _Grid, where: _Where, options: LedgerOptions, max_rows: int | None
) -> tuple[Ledger, list[Problem]]:
    what = "the sheet" if grid.sheet is not None else "the firm registry"
    hi = _header_row(grid, options.header_row)
    if hi is None:
        if options.header_row is not None and any(
            not all(_blank(c) for c in cells) for _, cells in grid.records
        ):
            return Ledger(), [where(f"{what} has no row {options.header_row} (`header_row`)")]
        return Ledger(), [where(f"{what} is empty (no header row)", 1)]
    columns, problems = _columns(grid, hi, where, options)
    if problems:
        return Ledger(), problems
    header_line, header = grid.records[hi]
    for r0, c0, r1, c1 in grid.merged:
        if r0 > header_line:
            problems.append(
                where(
                    f"cells {column_letter(c0)}{r0}:{column_letter(c1)}{r1} are merged: "
                    "unmerge them and fill in every row (a merged cell holds its value in "
                    "its first row only)",
                    r0,
                    c0,
                )
            )
    if problems:
        return Ledger(), problems
    rows: list[tuple[int, dict[str, Any]]] = []
    seen_codes: dict[str, int] = {}
    width = len(header)
    for line, cells in grid.records[hi + 1 :]:
        if all(_blank(c) for c in cells):
            continue
        if grid.csv_width and len(cells) != width:
            problems.append(where(f"{len(cells)} cells for {width} columns", line))
            continue
        if max_rows is not None and len(rows) >= max_rows:
            problems.append(
                where(
                    f"the registry holds more than {max_rows:,} firms, more than the "
                    "memory budget allows (`limits.memory_mb`); raise it if the run is "
                    "meant to be this large",
                    line,
                )
            )
            break
        fields, probs = _row(line, cells, columns, where, options, seen_codes)
        problems.extend(probs)
        if fields is not None:
            rows.append((line, fields))
    by_field = {c.field: c for c in columns}
    if "id" not in by_field and CREDIT_CODE in by_field:
        by_field["id"] = by_field[CREDIT_CODE]
    if "sector" not in by_field and INDUSTRY in by_field:
        by_field["sector"] = by_field[INDUSTRY]  # a row without a sector: its industry is blank
    return Ledger(rows, by_field, grid.sheet), problems


def is_workbook(file: str) -> bool:
    """Whether a registry file is named as an Excel workbook (`.xlsx`, `.xlsm`)."""
    return file.lower().endswith(WORKBOOK_SUFFIXES)


def read_ledger(
    path: Path,
    label: str,
    options: LedgerOptions | None = None,
    max_bytes: int = MAX_REGISTRY_BYTES,
    max_rows: int | None = None,
) -> tuple[Ledger, list[Problem]]:
    """The rows of a firm ledger (a CSV file or an `.xlsx` workbook), and any problems.

    Empty cells count as missing (the firm class fills them); `tags` is split on
    `;`; yes/no cells are read as booleans; a column of credit codes gives the ids
    when there is no `id` column, and industry codes give the sector when there is
    no `sector` cell. At most `max_rows` rows are read (the run-size budget's share
    of firms); cells are quoted in messages only in part.
    """
    options = options or LedgerOptions()
    raw, problems = read_capped(path, label, max_bytes)
    if raw is None:
        return Ledger(), problems
    where = _Where(label)
    if raw.startswith(OLE_MAGIC):
        return Ledger(), [
            where(
                "an Excel 97-2003 workbook (.xls), which parksim cannot read: save it as "
                "an Excel Workbook (.xlsx) or as CSV"
            )
        ]
    if raw.startswith(ZIP_MAGIC) or is_workbook(str(path)):
        if options.encoding is not None:
            return Ledger(), [where("`encoding` is for CSV files; a workbook has none")]
        grid, problems = _workbook_grid(raw, where, options.sheet, max_bytes)
        del raw
        if grid is None:
            return Ledger(), problems
        where = _Where(label, grid.sheet)
    else:
        if options.sheet is not None:
            return Ledger(), [
                where(f"`sheet: {options.sheet}` names a sheet, but this is a CSV file")
            ]
        text, problems = decode(raw, label, options.encoding)
        del raw
        if text is None:
            return Ledger(), problems
        grid, problems = _csv_grid(text, where)
        del text
        if grid is None:
            return Ledger(), problems
    return _table(grid, where, options, max_rows)
