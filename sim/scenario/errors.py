"""Problems found in scenario input, each tied to a file, a line and a key path.

Every input check in parksim (YAML syntax, schema, cross-references, overlays,
`--set`, CSV registries) reports `Problem`s; a `ScenarioError` carries all of
them at once so that a planner fixes a file in one pass, not one error per run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

PathPart = str | int
KeyPath = tuple[PathPart, ...]


MAX_KEY_SHOWN = 60
"""Longest key shown in a key path (a key of a megabyte is cut, not echoed)."""
MAX_MESSAGE_SHOWN = 1000
"""Longest message shown for one problem."""
MAX_PROBLEMS_SHOWN = 100
"""Most problems listed in one error: a file that is wrong on every line needs its
first hundred fixed (or is not a scenario at all), not a million lines of output."""


def format_path(path: Sequence[PathPart]) -> str:
    """Render a key path the way a planner reads it: `enterprises[3].inputs[0].from`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part)
            if len(text) > MAX_KEY_SHOWN:
                text = text[: MAX_KEY_SHOWN - 3] + "..."
            out += f".{text}" if out else text
    return out or "(top level)"


def shown(value: Any, limit: int = 60) -> str:
    """A value as a planner wrote it (`true`, `null`, `'text'`, `[1, 2]`), cut to `limit`
    characters: a message quotes what it found, never a whole line of some other file."""
    parts: list[str] = []
    size = 0

    def add(text: str) -> bool:
        nonlocal size
        parts.append(text)
        size += len(text)
        return size <= limit

    def walk(v: Any) -> bool:
        if isinstance(v, bool):
            return add("true" if v else "false")
        if v is None:
            return add("null")
        if isinstance(v, dict):
            if not add("{"):
                return False
            for i, (k, x) in enumerate(v.items()):
                if (i and not add(", ")) or not add(f"{k}: ") or not walk(x):
                    return False
            return add("}")
        if isinstance(v, list | tuple):
            if not add("["):
                return False
            for i, x in enumerate(v):
                if (i and not add(", ")) or not walk(x):
                    return False
            return add("]")
        if isinstance(v, str) and len(v) > limit:
            v = v[: limit + 1]  # no need to quote megabytes to cut them
        return add(repr(v))

    walk(value)
    text = "".join(parts)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_SUBJECT = re.compile(r"(?:Input|String|List|Value|Dictionary|Integer|Number) (?=should )")


def pydantic_message(err: Any) -> str:
    """A pydantic error's text as our messages put it: `should be ...`, without
    pydantic's "Value error, " or its subject ("Input should", "String should"), and
    a pattern said in words rather than as a regular expression."""
    if err.get("type") == "string_pattern_mismatch":
        pattern = str((err.get("ctx") or {}).get("pattern", ""))
        if "\\s,;=" in pattern and "/" in pattern:
            return (
                "should be a name that is also a folder name: text without blanks, commas, "
                "semicolons, '=', brackets, slashes or backslashes, or control or invisible "
                "characters"
            )
        if "\\s,;=" in pattern:
            return (
                "should be an id: text without blanks, commas, semicolons, '=', brackets, "
                "or control or invisible characters"
            )
        if "\\x00-\\x1f" in pattern:
            return "should not contain control characters (line breaks, tabs, NUL)"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return _SUBJECT.sub("", msg, count=1) if _SUBJECT.match(msg) else msg


def column_letter(number: int) -> str:
    """A spreadsheet's name of a 1-based column: 1 → A, 27 → AA."""
    out = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and what was expected."""

    message: str
    path: KeyPath = ()
    file: str | None = None
    line: int | None = None
    """1-based line in `file`, when known."""
    column: int | None = None
    """1-based column in `file`, when known."""
    sheet: str | None = None
    """The worksheet of a workbook `file` (`line` is then its row)."""

    def where(self) -> str:
        """`file:line:col` (as much of it as is known; a `--set` expression of a
        megabyte, which names its own problems, is cut); in a workbook
        `file, sheet 'name', row 5, column C`."""
        if self.file is None:
            return ""
        file = self.file
        if len(file) > MAX_MESSAGE_SHOWN // 4:
            file = file[: MAX_MESSAGE_SHOWN // 4 - 3] + "..."
        if self.sheet is not None:
            parts = [file, f"sheet {shown(self.sheet, 40)}"]
            if self.line is not None:
                parts.append(f"row {self.line}")
            if self.column is not None:
                parts.append(f"column {column_letter(self.column)}")
            return ", ".join(parts)
        if self.line is None:
            return file
        if self.column is None:
            return f"{file}:{self.line}"
        return f"{file}:{self.line}:{self.column}"

    def __str__(self) -> str:
        where = self.where()
        head = f"{where}: " if where else ""
        path = f"{format_path(self.path)}: " if self.path else ""
        message = self.message
        if len(message) > MAX_MESSAGE_SHOWN:
            message = message[: MAX_MESSAGE_SHOWN - 3] + "..."
        return f"{head}{path}{message}"


class ScenarioError(Exception):
    """Bad input: one or more problems, reported together (the CLI exits with code 2)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = sorted(
            problems, key=lambda p: (p.file or "", p.line or 0, p.column or 0, str(p))
        )
        super().__init__(self.render())

    def render(self) -> str:
        """All problems, one per line, with a count heading when there are several
        (at most `MAX_PROBLEMS_SHOWN` of them, in file order)."""
        n = len(self.problems)
        lines = [str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        if n > 1:
            lines.insert(0, f"{n:,} problems found:")
        if n > MAX_PROBLEMS_SHOWN:
            more = n - MAX_PROBLEMS_SHOWN
            lines.append(f"... and {more:,} more (the first {MAX_PROBLEMS_SHOWN} are shown)")
        return "\n".join(lines)
