"""GB/T 4754-2017 industry codes and the built-in table of the sectors they map to."""

from __future__ import annotations

import pytest

from sim.scenario.industries import (
    SECTIONS,
    Code,
    builtin_table,
    check_key,
    normal_key,
    parse_code,
    sector_of,
)

RANGES = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}
"""The 大类 of each 门类 in GB/T 4754-2017."""


def test_the_table_has_every_section_and_division_in_its_section() -> None:
    table = builtin_table()
    divisions = {c: i for c, i in table.items() if c.isdigit()}
    assert sorted(divisions) == [f"{n:02d}" for n in range(1, 98)]
    assert [c for c in table if c.isalpha()] == list(SECTIONS)
    for letter, (lo, hi) in RANGES.items():
        assert table[letter].section == letter
        for n in range(lo, hi + 1):
            assert divisions[f"{n:02d}"].section == letter


def test_every_division_has_one_of_the_42_input_output_sectors() -> None:
    table = builtin_table()
    io = {i.io_sector for i in table.values() if i.code.isdigit()}
    assert len(io) == 42
    assert sorted(int(s.split()[0]) for s in io) == list(range(1, 43))
    by_io = {i.io_sector: i.sector for i in table.values() if i.code.isdigit()}
    assert len(set(by_io.values())) == 42  # one sector id per input–output sector
    assert all(i.sector for i in table.values() if i.code.isdigit())


def test_a_section_has_a_sector_exactly_when_its_divisions_share_one() -> None:
    table = builtin_table()
    for letter, (lo, hi) in RANGES.items():
        sectors = {table[f"{n:02d}"].sector for n in range(lo, hi + 1)}
        expected = sectors.pop() if len(sectors) == 1 else ""
        assert table[letter].sector == expected, letter
    assert [s for s in SECTIONS if not table[s].sector] == ["B", "C", "D", "M"]


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("C3982", Code("C", "3982")),
        ("3982", Code("C", "3982")),
        (" c 39 ", Code("C", "39")),
        ("C398", Code("C", "398")),
        ("C", Code("C")),
        ("a", Code("A")),
        ("C39 计算机、通信和其他电子设备制造业", Code("C", "39")),
        ("计算机、通信和其他电子设备制造业", Code("C", "39")),
        ("制造业", Code("C")),
        ("Ｃ３９", Code("C", "39")),
        (39, Code("C", "39")),
        (1, Code("A", "01")),
        (3982.0, Code("C", "3982")),
        ("0111", Code("A", "0111")),
    ],
)
def test_codes_as_ledgers_write_them(cell: object, code: Code) -> None:
    assert parse_code(cell) == code


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("C99", "is not in GB/T 4754: it has no 大类 99"),
        ("00", "it has no 大类 00"),
        ("A39", "gives 门类 A, but 大类 39 (计算机、通信和其他电子设备制造业) is in 门类 C"),
        ("Z", "it has no 门类 Z (A to T)"),
        ("3", "has a code of 2, 3 or 4 digits"),
        ("398211", "has a code of 2, 3 or 4 digits"),
        ("Chemicals", "is not a GB/T 4754 code"),
        ("C39X", "is not a GB/T 4754 code"),
        ("电子", "is not a GB/T 4754 code"),
        ("", "is not a GB/T 4754 code"),
        (39.5, "is not a GB/T 4754 code"),
        (float("nan"), "is not a GB/T 4754 code"),
    ],
)
def test_what_is_no_code_says_why(cell: object, why: str) -> None:
    found = parse_code(cell)
    assert isinstance(found, str)
    assert why in found


def test_codes_cover_the_broader_ones() -> None:
    assert Code("C", "3982").covers(Code("C", "39"))
    assert Code("C", "3982").covers(Code("C"))
    assert not Code("C", "39").covers(Code("C", "3982"))
    assert not Code("C", "3982").covers(Code("A"))
    assert Code("C", "3982").keys() == ("3982", "398", "39", "C")
    assert Code("C").keys() == ("C",)


def test_the_scenario_table_is_read_first_and_the_most_specific_code_wins() -> None:
    code = Code("C", "3982")
    assert sector_of(code, {}) == "electronics"
    assert sector_of(code, {"39": "chips"}) == "chips"
    assert sector_of(code, {"39": "chips", "3982": "pcb"}) == "pcb"
    assert sector_of(code, {"C": "make"}) == "make"  # the scenario's table before the built-in
    assert sector_of(Code("C", "27"), {"26": "chem"}) == "chemicals"
    assert sector_of(Code("C"), {}) is None  # 制造业 spans many sectors
    assert sector_of(Code("F", "5123"), {}) == "trade"


def test_keys_of_industries_are_normalised_and_checked() -> None:
    assert [normal_key(k) for k in ("C39", "39", "c", "C3982")] == ["39", "39", "C", "3982"]
    assert check_key("C3982") is None
    assert check_key("A39") is not None
    assert check_key("99") is not None
