"""Text as a terminal shows it: a Chinese character takes two columns.

Tables printed by `validate`, `run` and `compare` line up in Chinese as in English
only when cells are padded to terminal columns, not to characters.
"""

from __future__ import annotations

import unicodedata


def columns(text: str) -> int:
    """Terminal columns `text` takes (a wide or full-width character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int, right: bool = False) -> str:
    """`text` padded with spaces to `width` terminal columns (on the left when `right`)."""
    space = " " * max(width - columns(text), 0)
    return space + text if right else text + space
