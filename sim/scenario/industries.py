"""Industry codes of the national classification (GB/T 4754-2017) and the sectors they
map to.

A ledger gives each firm's industry as a 门类 letter (`C`), a 2-digit 大类 (`39`),
a 3-digit 中类 or 4-digit 小类 (`3911`), any of these behind their letter (`C3911`),
a code followed by its name (`C39 计算机、通信和其他电子设备制造业`), or a 门类 or 大类
name alone. The built-in table (`gbt4754_sectors.csv` beside this module) names,
for every 门类 and 大类, a default sector: the groups of the national input–output
table's 42 sectors (`electronics` for 大类 39, `chemicals` for 26–29, ...). A 门类
whose 大类 fall in several of those sectors (B, C, D, M) has none: a firm needs its
大类 there. A registry's `industries:` maps codes to the scenario's own sectors and
is read first, most specific code first; the built-in table after it.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

TABLE_FILE = "gbt4754_sectors.csv"
"""The built-in table, in this package: code, section, name, sector, io_sector."""

SECTIONS = "ABCDEFGHIJKLMNOPQRST"
"""The 门类 letters of GB/T 4754-2017."""

KEY_PATTERN = r"^([A-Ta-t]|[A-Ta-t]?[0-9]{2,4})$"
"""How a code is written as a key of `industries:` (a letter, or 2–4 digits behind
an optional letter)."""


@dataclass(frozen=True)
class Industry:
    """One row of the built-in table: a 门类 (`code` a letter) or a 大类 (2 digits)."""

    code: str
    section: str
    name: str
    sector: str
    """Default sector ("" for a 门类 spanning several)."""
    io_sector: str
    """The input–output table sector it belongs to, number and name."""


@functools.cache
def builtin_table() -> dict[str, Industry]:
    """The built-in table by code, read once from the package."""
    text = resources.files("sim.scenario").joinpath(TABLE_FILE).read_text(encoding="utf-8")
    return {row["code"]: Industry(**row) for row in csv.DictReader(io.StringIO(text))}


@functools.cache
def _names() -> dict[str, str]:
    return {_squeeze(ind.name): code for code, ind in builtin_table().items()}


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class Code:
    """An industry as a ledger cell gives it: a 门类 letter and 0, 2, 3 or 4 digits."""

    section: str
    digits: str = ""

    def keys(self) -> tuple[str, ...]:
        """The table keys this code matches, most specific first."""
        d = self.digits
        return (*(d[:n] for n in (4, 3, 2) if len(d) >= n), self.section)

    def covers(self, other: Code) -> bool:
        """Whether `other` is this code or a broader one (C covers C39 covers C3911)."""
        return self.section == other.section and self.digits.startswith(other.digits)


_CODE = re.compile(r"\s*([A-Za-z])?\s*([0-9]+)?")


def parse_code(cell: object) -> Code | str:
    """The code a ledger cell gives, or why it gives none.

    A number cell (Excel drops leading zeros) of one digit is read as `0d`.
    """
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if not math.isfinite(cell) or cell != int(cell) or cell < 0:
            return "is not a GB/T 4754 code"
        cell = f"{int(cell):02d}"
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    named = _names().get(_squeeze(text))
    if named is not None:
        text = named
    m = _CODE.match(text)
    assert m is not None  # every group is optional
    letter, digits = m.group(1), m.group(2) or ""
    rest = text[m.end() :]
    if (letter is None and not digits) or (rest and rest[0].isascii() and rest[0].isalnum()):
        return "is not a GB/T 4754 code (a 门类 letter such as C, a 大类 such as 39, or C3911)"
    table = builtin_table()
    if digits:
        if not 2 <= len(digits) <= 4:
            return "has a code of 2, 3 or 4 digits in GB/T 4754 (大类, 中类, 小类)"
        division = table.get(digits[:2])
        if division is None:
            return f"is not in GB/T 4754: it has no 大类 {digits[:2]}"
        if letter is not None and letter.upper() != division.section:
            return (
                f"gives 门类 {letter.upper()}, but 大类 {digits[:2]} ({division.name}) is in "
                f"门类 {division.section}"
            )
        return Code(division.section, digits)
    assert letter is not None
    if letter.upper() not in SECTIONS:
        return f"is not in GB/T 4754: it has no 门类 {letter.upper()} (A to T)"
    return Code(letter.upper())


def normal_key(key: str) -> str:
    """A key of `industries:` as looked up: the letter alone, or the digits alone
    (`C39` and `39` are one key)."""
    key = key.strip().upper()
    return key if len(key) == 1 else key.lstrip(SECTIONS)


def check_key(key: str) -> str | None:
    """Why a key of `industries:` names no GB/T 4754 code, or None."""
    code = parse_code(key)
    return code if isinstance(code, str) else None


def sector_of(code: Code, overrides: Mapping[str, str]) -> str | None:
    """The sector of an industry: the registry's `industries:` first (most specific
    code first), then the built-in table; None when neither gives one (a 门类 that
    spans several sectors)."""
    keys = code.keys()
    for key in keys:
        if key in overrides:
            return overrides[key]
    table = builtin_table()
    for key in keys:
        found = table.get(key)
        if found is not None and found.sector:
            return found.sector
    return None
