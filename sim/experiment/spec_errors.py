"""Located problems of a sweep or calibration file: the line and key of each mistake.

Both files are YAML read through `sim.scenario.source.Source` and validated by pydantic
models of their own; a pydantic error becomes a `Problem` at the file, line and key
path it is about, with "did you mean" for an unknown key.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ValidationError

from sim.scenario.errors import KeyPath, Problem, pydantic_message, shown
from sim.scenario.source import Source


def at(source: Source, path: KeyPath, message: str) -> Problem:
    """`message` located at `path` of the file (at the file alone when the key is absent)."""
    mark = source.mark_for(path)
    if mark is None:
        return Problem(message, path)
    return Problem(message, path, mark.file, mark.line, mark.column)


def relative(spec_file: Path, text: str) -> Path:
    """A path written in the file: relative to the file's folder unless absolute."""
    p = Path(text)
    return (p if p.is_absolute() else spec_file.parent / p).resolve()


def problems(
    e: ValidationError, source: Source, models: Sequence[type[BaseModel]]
) -> list[Problem]:
    """Pydantic errors on the file as located Problems; `models` are the file's sections
    (their keys are what an unknown key is compared with)."""
    fields = sorted({f.alias or n for m in models for n, f in m.model_fields.items()})
    out = []
    for err in e.errors():
        loc: list[str | int] = []
        node = source.data
        for part in err["loc"]:
            if isinstance(node, dict) and part in node:
                node = node[part]
                loc.append(part)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
                loc.append(part)
            elif isinstance(node, dict) and isinstance(part, str) and part in fields:
                loc.append(part)
                break
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[-1]) if loc else "", fields, n=1)
            msg = f"unknown key '{loc[-1] if loc else '?'}'" + (
                f" (did you mean '{close[0]}'?)" if close else ""
            )
        elif err["type"] == "missing":
            msg = "required key is missing"
        else:
            msg = pydantic_message(err)
            if not isinstance(err.get("input"), dict | list):
                msg += f"; found {shown(err.get('input'))}"
        out.append(at(source, tuple(loc), msg))
    return out
