"""How values are spelled in results files, and how CSV columns are read back.

Every CSV number is written with 10 significant digits and an empty cell stands
for a value that does not exist (NaN and infinities never reach a file); names
from the scenario are quoted when they hold a comma, a quote or a line break; a
CSV file of a run or comparison folder starts with a UTF-8 byte-order mark unless
`reporting.csv_bom` is false (`excel`), so that Excel opens it as UTF-8.
JSON is indented and strict (NaN and infinities become null). The readers check
a file's header and every cell, and name the file and line of what they refuse;
they read a file with or without the byte-order mark alike (`CSV_ENCODING`).
The owner of each file (`sim.files.<file>`) writes and reads it with these.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

# --------------------------------------------------------------------------- writing

BOM = "\ufeff"
"""The UTF-8 byte-order mark: Excel reads a CSV file that starts with it as UTF-8 (without
it, Excel on Chinese Windows reads GBK, and names come out garbled)."""
CSV_ENCODING = "utf-8-sig"
"""How parksim reads its CSV files: UTF-8, a leading byte-order mark skipped if present."""


def excel(text: str, bom: bool) -> str:
    """The text of a CSV file, with the byte-order mark first when `bom`
    (`reporting.csv_bom`)."""
    return BOM + text if bom else text


def number(v: float | None) -> str:
    """A number cell: 10 significant digits; empty when the value does not exist
    (None, NaN, an infinity), e.g. the mean wait on a day no trip was cleared."""
    if v is None or not math.isfinite(v):
        return ""
    return f"{v:.10g}"


def text(v: str) -> str:
    """A CSV cell for a name from the scenario (ids, sectors, goods may hold a `"`)."""
    if any(c in v for c in ',"\r\n'):
        return '"' + v.replace('"', '""') + '"'
    return v


def cell(v: Any) -> str:
    """A cell of a table of mixed values: empty for None, `true`/`false`, numbers as
    `number`, lists and mappings as JSON, anything else as text."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.10g}" if math.isfinite(v) else ""
    if isinstance(v, dict | list):
        return json.dumps(v, sort_keys=True)
    return str(v)


def csv_lines(rows: Iterable[Sequence[str]]) -> str:
    """Rows of cells (header first) as CSV text, quoted where needed, `\\n` line ends."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def csv_text(header: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """Mappings as CSV text under `header`, each value spelled by `cell`."""
    return csv_lines([list(header), *([cell(r.get(h)) for h in header] for r in rows)])


def lines(rows: Sequence[str]) -> str:
    """Rows already spelled as CSV lines, header first, as the text of a file."""
    return "\n".join(rows) + "\n"


def finite(v: Any) -> Any:
    """`v` with every NaN or infinite float replaced by None (strict JSON)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: finite(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [finite(x) for x in v]
    return v


def json_text(doc: Any) -> str:
    """Indented strict JSON of a results file: NaN and infinities become null."""
    return json.dumps(finite(doc), indent=2, allow_nan=False, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- reading


def require_file(path: Path) -> None:
    """FileNotFoundError naming the folder when a results file is missing."""
    if not path.is_file():
        raise FileNotFoundError(
            f"{path.name} not found in results folder {path.parent} (looked for {path})"
        )


def read_columns(path: Path, expected: Sequence[str]) -> dict[str, list[str]]:
    """Columns of a CSV file by header name; the header must name all of `expected`."""
    require_file(path)
    with path.open(newline="", encoding=CSV_ENCODING) as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise ValueError(f"{path}: empty file, expected header {','.join(expected)}")
        header = [h.strip() for h in header]
        missing = [name for name in expected if name not in header]
        if missing:
            raise ValueError(
                f"{path}:1: header {','.join(header)} lacks column(s) {', '.join(missing)}"
                f" (expected {','.join(expected)})"
            )
        rows = [row for row in reader if row]
    width = len(header)
    if any(len(row) != width for row in rows):
        i = next(i for i, row in enumerate(rows) if len(row) != width)
        raise ValueError(
            f"{path}:{line_of(path, i)}: expected {width} fields, found {len(rows[i])}"
        )
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    return {name: list(columns[header.index(name)]) for name in expected}


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file as text, by header name."""
    with path.open(newline="", encoding=CSV_ENCODING) as f:
        return list(csv.DictReader(f))


def header_of(path: Path) -> list[str]:
    """The column names of a CSV file's header (none for an empty file)."""
    require_file(path)
    with path.open(newline="", encoding=CSV_ENCODING) as fh:
        return [h.strip() for h in next(csv.reader(fh), [])]


def line_of(path: Path, row: int) -> int:
    """1-based file line of the `row`-th non-empty data row (for error messages only)."""
    with path.open(newline="", encoding=CSV_ENCODING) as fh:
        reader = csv.reader(fh)
        next(reader, None)
        seen = -1
        for record in reader:
            if record:
                seen += 1
                if seen == row:
                    return reader.line_num
    return row + 2


def int_column(path: Path, raw: list[str], name: str) -> np.ndarray:
    """A column of whole numbers, none negative (days, replications, counts)."""
    try:
        out = np.fromiter(map(int, raw), dtype=np.intp, count=len(raw))
    except ValueError:
        _raise_bad_cell(path, raw, name, int, "a whole number")
        raise
    if out.size and out.min() < 0:
        line = line_of(path, int(np.argmax(out < 0)))
        raise ValueError(f"{path}:{line}: {name} must not be negative, found {out.min()}")
    return out


def cell_float(raw: str) -> float:
    """A number cell; an empty cell is a value that does not exist (NaN in memory)."""
    return float(raw) if raw else math.nan


def float_column(path: Path, raw: list[str], name: str) -> np.ndarray:
    """A column of numbers, empty cells NaN."""
    try:
        return np.fromiter(map(cell_float, raw), dtype=float, count=len(raw))
    except ValueError:
        _raise_bad_cell(path, raw, name, cell_float, "a number")
        raise


def blank_float_column(path: Path, raw: list[str], name: str) -> np.ndarray:
    """A column of numbers where blank cells (spaces too) are NaN."""
    out = np.empty(len(raw))
    for i, value in enumerate(raw):
        try:
            out[i] = float(value) if value.strip() else math.nan
        except ValueError:
            raise ValueError(f"{path}:{i + 2}: {name} {value!r} is not a number") from None
    return out


def _raise_bad_cell(
    path: Path, raw: list[str], name: str, parse: Callable[[str], Any], what: str
) -> None:
    for i, value in enumerate(raw):
        try:
            parse(value)
        except ValueError:
            raise ValueError(f"{path}:{line_of(path, i)}: {name} {value!r} is not {what}") from None


def shape(
    path: Path,
    rep: np.ndarray,
    day: np.ndarray,
    replications: int | None,
    days: int | None,
) -> tuple[int, int]:
    """(replications, days) of a daily table: as found, or as the run says (a table
    holding more than the run had is refused)."""
    n_rep = int(rep.max()) + 1 if rep.size else 0
    n_day = int(day.max()) + 1 if day.size else 0
    if replications is not None:
        if n_rep > replications:
            raise ValueError(
                f"{path}: replication {n_rep - 1} found but the run has {replications}"
            )
        n_rep = replications
    if days is not None:
        if n_day > days:
            raise ValueError(f"{path}: day {n_day - 1} found but the run has {days} days")
        n_day = days
    return n_rep, n_day


def read_json(path: Path, what: str = "results") -> Any:
    """A JSON file of a folder; FileNotFoundError naming the folder when missing."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing (not a complete parksim {what} folder)")
    return json.loads(path.read_text(encoding="utf-8"))
