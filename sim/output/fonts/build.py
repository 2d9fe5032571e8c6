"""Regenerate the CJK font parksim ships: `python -m sim.output.fonts.build [SOURCE]`.

SOURCE is Noto Sans CJK SC Regular (default: Debian's `fonts-noto-cjk`,
`/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc`, face "Noto Sans CJK SC").
The subset keeps every character of GB 2312 (the 7,445 characters of the national
standard every Chinese system covers: 6,763 hanzi and the symbols), printable ASCII,
some typographic marks, and every character of the project's own Chinese text (the
catalogue `sim/output/catalogue.yaml`, the shipped scenarios and registries); drops
hinting and OpenType layout features (matplotlib uses neither); and renames the font
`Parksim CJK SC`, as the SIL Open Font License asks of a modified version. The result
is written byte for byte the same from the same source (no time stamp).
"""

from __future__ import annotations

import sys
from pathlib import Path

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SOURCE_FACE = "Noto Sans CJK SC"
FAMILY = "Parksim CJK SC"
POSTSCRIPT = "ParksimCJKSC-Regular"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
OUT = HERE / f"{POSTSCRIPT}.otf"
EXTRA = (
    "–—‘’“”…·•×÷±≤≥≈≠→←↑↓△▲▼●○■□◆◇★☆※、。〈〉《》「」『』【】〔〕〖〗～％（），：；？！Δδσμ∑√∞°℃№"
)
"""Marks the project's text uses beside GB 2312 (most are in it too)."""


def gb2312() -> set[str]:
    """Every character of GB 2312 (rows 0xA1–0xF7, cells 0xA1–0xFE, as Python decodes it)."""
    out = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return out


def project_characters(root: Path = ROOT) -> set[str]:
    """Characters beyond ASCII of the project's own Chinese text: the catalogue, the
    shipped scenarios, policies, sweeps, calibrations, registries and ledgers."""
    files = [root / "sim" / "output" / "catalogue.yaml"]
    for pattern in ("*.yaml", "*.csv"):
        files += sorted((root / "scenarios").rglob(pattern))
    chars: set[str] = set()
    for f in files:
        chars |= {c for c in _text(f.read_bytes()) if ord(c) > 0x7E}
    return chars


def _text(data: bytes) -> str:
    """A shipped file's text: UTF-8, or GB18030 for ledgers saved by Chinese Excel."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def wanted() -> set[str]:
    """Every character the subset covers."""
    ascii_ = {chr(c) for c in range(0x20, 0x7F)}
    return gb2312() | ascii_ | set(EXTRA) | project_characters()


def build(source: Path = SOURCE, out: Path = OUT) -> Path:
    """Subset and rename the source font into `out`."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection, TTFont

    if source.suffix.lower() in (".ttc", ".otc"):
        faces = TTCollection(str(source)).fonts
        font = next(f for f in faces if f["name"].getDebugName(1) == SOURCE_FACE)
    else:
        font = TTFont(str(source))
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14]
    options.notdef_outline = True
    sub = subset.Subsetter(options)
    sub.populate(unicodes={ord(c) for c in wanted()})
    sub.subset(font)
    names = font["name"]
    for rec in list(names.names):
        if rec.nameID in (1, 3, 4, 6):
            names.removeNames(nameID=rec.nameID)
    for name_id, text in (
        (1, FAMILY),
        (3, f"{POSTSCRIPT};parksim subset"),
        (4, f"{FAMILY} Regular"),
        (6, POSTSCRIPT),
    ):
        names.setName(text, name_id, 3, 1, 0x409)
        names.setName(text, name_id, 1, 0, 0)
    cff = font["CFF "].cff
    cff.fontNames = [POSTSCRIPT]
    top = cff.topDictIndex[0]
    top.FamilyName = FAMILY
    top.FullName = f"{FAMILY} Regular"
    font.recalcTimestamp = False
    font.save(str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    """Build from the source named on the command line (or the default)."""
    args = sys.argv[1:] if argv is None else argv
    out = build(Path(args[0]) if args else SOURCE)
    print(f"{out}: {out.stat().st_size:,} bytes, {len(wanted()):,} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
