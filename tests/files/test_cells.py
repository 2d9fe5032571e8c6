"""CSV files that Excel on Chinese Windows opens as UTF-8: a byte-order mark first
(`reporting.csv_bom`), read back by parksim with or without it (issue 18.4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.files.cells import BOM, excel, header_of, line_of, read_columns, read_rows


def test_excel_puts_the_byte_order_mark_first_when_asked() -> None:
    assert excel("a,b\n", True) == "\ufeffa,b\n"
    assert excel("a,b\n", True).encode("utf-8")[:3] == b"\xef\xbb\xbf"
    assert excel("a,b\n", False) == "a,b\n"


@pytest.mark.parametrize("bom", [True, False])
def test_readers_read_a_file_with_or_without_the_mark(tmp_path: Path, bom: bool) -> None:
    path = tmp_path / "t.csv"
    path.write_text(excel("名称,day\n工厂,1\n\n乙,x\n", bom), encoding="utf-8")
    assert header_of(path) == ["名称", "day"]
    assert read_columns(path, ("名称", "day")) == {"名称": ["工厂", "乙"], "day": ["1", "x"]}
    assert read_rows(path)[0] == {"名称": "工厂", "day": "1"}
    assert line_of(path, 1) == 4  # the blank line counts, the mark does not
    assert path.read_text(encoding="utf-8").startswith(BOM) is bom
