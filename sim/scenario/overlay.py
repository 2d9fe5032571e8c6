"""Overlay files and `--set` overrides, keeping the origin of every value.

A planner runs a base scenario with an overlay (`--overlay lockdown-2.yaml`)
and a few `--set` overrides. When the merged scenario is checked, a problem
must point at the text that put the value there: the overlay's line for a
value the overlay changed, the base file's line for one it left alone, and
the `--set` expression for an override. So merging works on `Source`s and
carries marks along, re-keying them when list items move.

Merge rules: mappings merge key by key; lists of mappings that all have an
`id` merge item by item on that id (new ids are appended); any other list,
and any scalar, is replaced whole.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from sim.scenario.errors import KeyPath, Problem, ScenarioError, format_path
from sim.scenario.source import Mark, Source, _parse_text

__all__ = ["ById", "Index", "Key", "PathSelector", "apply_set", "merge", "parse_set"]

SET_FILE = "--set"
"""`Problem.file` for errors in `--set` expressions."""


def _error_at(message: str, path: KeyPath, mark: Mark | None) -> ScenarioError:
    """A one-problem error located at `mark` (when known)."""
    if mark is None:
        return ScenarioError([Problem(message, path)])
    return ScenarioError([Problem(message, path, mark.file, mark.line, mark.column)])


def _graft(
    value: Any,
    marks: dict[KeyPath, Mark],
    src: KeyPath,
    dst: KeyPath,
    out: dict[KeyPath, Mark],
) -> Any:
    """Copy `value` (found at `src` in `marks`) to `dst`, re-keying its marks into `out`.

    Walks the value rather than scanning all marks for a prefix, so merging
    stays linear in the size of the data. Returns a deep copy so the result
    never shares lists or dicts with its inputs.
    """
    mark = marks.get(src)
    if mark is not None:
        out[dst] = mark
    if isinstance(value, dict):
        return {k: _graft(v, marks, (*src, k), (*dst, k), out) for k, v in value.items()}
    if isinstance(value, list):
        return [_graft(v, marks, (*src, i), (*dst, i), out) for i, v in enumerate(value)]
    return value


def _item_id(item: Any) -> str | int | None:
    """The `id` of a list item usable for merging, or None when it has none."""
    if isinstance(item, dict):
        ident = item.get("id")
        if isinstance(ident, (str, int)) and not isinstance(ident, bool):
            return ident
    return None


def _merges_by_id(base: list[Any], over: list[Any]) -> bool:
    """Whether two lists merge item by item: every item on both sides is a mapping with an id.

    An empty overlay list is a replacement (it empties the list), not a no-op.
    """
    return bool(over) and all(_item_id(item) is not None for item in (*base, *over))


class _Merger:
    """One merge: holds both sources and the marks of the result being built."""

    def __init__(self, base: Source, overlay: Source) -> None:
        self.base = base
        self.overlay = overlay
        self.marks: dict[KeyPath, Mark] = {}

    def node(self, b: Any, bp: KeyPath, o: Any, op: KeyPath, rp: KeyPath) -> Any:
        """Merge overlay value `o` (at `op`) onto base value `b` (at `bp`), landing at `rp`."""
        if isinstance(b, dict) and isinstance(o, dict):
            self.keep_base_mark(bp, op, rp)
            result: dict[str, Any] = {}
            for key, value in b.items():
                if key in o:
                    result[key] = self.node(value, (*bp, key), o[key], (*op, key), (*rp, key))
                else:
                    result[key] = _graft(value, self.base.marks, (*bp, key), (*rp, key), self.marks)
            for key, value in o.items():
                if key not in b:
                    result[key] = _graft(
                        value, self.overlay.marks, (*op, key), (*rp, key), self.marks
                    )
            return result
        if isinstance(b, list) and isinstance(o, list) and _merges_by_id(b, o):
            return self.by_id(b, bp, o, op, rp)
        return _graft(o, self.overlay.marks, op, rp, self.marks)

    def keep_base_mark(self, bp: KeyPath, op: KeyPath, rp: KeyPath) -> None:
        """A container present on both sides is marked where the base defines it."""
        mark = self.base.marks.get(bp, self.overlay.marks.get(op))
        if mark is not None:
            self.marks[rp] = mark

    def by_id(self, b: list[Any], bp: KeyPath, o: list[Any], op: KeyPath, rp: KeyPath) -> Any:
        """Merge two lists of mappings on their `id`s; new ids go at the end, in overlay order."""
        self.keep_base_mark(bp, op, rp)
        overlay_at: dict[str | int, int] = {}
        for index, item in enumerate(o):
            ident = _item_id(item)
            assert ident is not None
            if ident in overlay_at:
                mark = self.overlay.marks.get((*op, index))
                raise _error_at(
                    f"id {ident!r} appears twice in this overlay list "
                    f"(first as item {overlay_at[ident]}); give each id once",
                    (*op, index),
                    mark,
                )
            overlay_at[ident] = index
        result: list[Any] = []
        used: set[str | int] = set()
        for index, item in enumerate(b):
            ident = _item_id(item)
            assert ident is not None
            if ident in overlay_at and ident not in used:
                used.add(ident)
                j = overlay_at[ident]
                result.append(self.node(item, (*bp, index), o[j], (*op, j), (*rp, index)))
            else:
                result.append(_graft(item, self.base.marks, (*bp, index), (*rp, index), self.marks))
        for j, item in enumerate(o):
            if _item_id(item) not in used:
                result.append(
                    _graft(item, self.overlay.marks, (*op, j), (*rp, len(result)), self.marks)
                )
        return result


def merge(base: Source, overlay: Source) -> Source:
    """Deep-merge `overlay` onto `base` into a new `Source` (neither input is changed).

    Values the overlay supplies carry the overlay's marks; untouched values keep
    the base's. An overlay `null` replaces the base value with None (it does not
    delete the key). The overlay's top level must be a mapping.
    """
    if not isinstance(overlay.data, dict):
        mark = overlay.mark_for(())
        kind = "a list" if isinstance(overlay.data, list) else f"{overlay.data!r}"
        raise _error_at(
            f"an overlay must be a mapping of the keys it changes at its top level, not {kind}",
            (),
            mark,
        )
    merger = _Merger(base, overlay)
    data = merger.node(base.data, (), overlay.data, (), ())
    return Source(data, merger.marks)


@dataclass(frozen=True)
class Key:
    """`.name` (or the first bare segment). On a list, an all-digit name is an index."""

    name: str


@dataclass(frozen=True)
class Index:
    """`[3]`: a list item by position (0-based)."""

    index: int


@dataclass(frozen=True)
class ById:
    """`[id=qingtaishan]`: the list item whose `id` (as text) equals `id`."""

    id: str


PathSelector = Key | Index | ById


def _set_error(expr: str, what: str) -> ScenarioError:
    """A `--set` problem: quotes the expression and says what is wrong."""
    return ScenarioError([Problem(f"{expr!r}: {what}", file=SET_FILE)])


_NAME_STOP = set(".[]=")


def _split_assignment(expr: str) -> tuple[str, str]:
    """Split at the first `=` outside brackets (`a[id=x].b=3` → `a[id=x].b`, `3`)."""
    depth = 0
    for pos, char in enumerate(expr):
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        elif char == "=" and depth == 0:
            return expr[:pos], expr[pos + 1 :]
    if depth > 0:
        raise _set_error(expr, "a '[' in the path is never closed with ']'")
    raise _set_error(expr, "expected PATH=VALUE, e.g. firms[0].staff=3 (there is no '=')")


def _parse_path(expr: str, text: str) -> tuple[PathSelector, ...]:
    """Parse `a.b[0].c[id=x]`, also accepting `a.0.c` for list positions."""
    text = text.strip()
    if not text:
        raise _set_error(expr, "the path before '=' is empty")
    selectors: list[PathSelector] = []
    pos = 0
    after = "start"  # what precedes `pos`: "start", "dot" or "selector"
    while pos < len(text):
        char = text[pos]
        if char == "[":
            if after == "dot":
                raise _set_error(expr, "a name is missing after '.' in the path")
            end = text.find("]", pos)
            if end < 0:
                raise _set_error(expr, f"'[' at position {pos + 1} of the path is never closed")
            inner = text[pos + 1 : end].strip()
            if inner.isdecimal() and inner.isascii():
                selectors.append(Index(int(inner)))
            elif inner.startswith("id=") and inner[3:].strip():
                selectors.append(ById(inner[3:].strip()))
            else:
                raise _set_error(
                    expr, f"cannot read [{inner}]: use [N] for a position or [id=NAME] for an id"
                )
            pos, after = end + 1, "selector"
        elif char == ".":
            if after != "selector":
                raise _set_error(expr, "a name is missing before '.' in the path")
            pos, after = pos + 1, "dot"
        elif after != "selector" and char != "]":
            end = pos
            while end < len(text) and text[end] not in _NAME_STOP:
                end += 1
            name = text[pos:end].strip()
            if not name:
                raise _set_error(expr, "a name in the path is blank")
            selectors.append(Key(name))
            pos, after = end, "selector"
        else:
            raise _set_error(expr, f"unexpected {char!r} in the path (expected '.' or '[')")
    if after == "dot":
        raise _set_error(expr, "the path ends with '.'")
    return tuple(selectors)


def parse_set(expr: str) -> tuple[tuple[PathSelector, ...], Any]:
    """Parse a `--set PATH=VALUE` expression.

    PATH is `a.b.c`, with list items chosen by position (`firms.0`, `firms[0]`)
    or by id (`stations[id=qingtaishan]`). VALUE is read as YAML with the same
    rules as scenario files (`3` is an int, `1e-3` a float, `[1, 2]` a list,
    `on` the text "on"); an empty VALUE is null.
    """
    path_text, value_text = _split_assignment(expr)
    selectors = _parse_path(expr, path_text)
    try:
        parsed = _parse_text(value_text, f"{SET_FILE} {expr}")
    except ScenarioError as err:
        reasons = "; ".join(p.message for p in err.problems)
        raise _set_error(expr, f"cannot read the value {value_text.strip()!r}: {reasons}") from None
    if parsed is None and value_text.strip().startswith("#"):
        raise _set_error(expr, "the value starts with '#', which YAML reads as a comment; quote it")
    return selectors, None if parsed is None else parsed.data


def _describe(value: Any) -> str:
    """Kind of a value in words, for "cannot go into ..." messages."""
    if isinstance(value, bool):
        return f"a boolean ({value})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ({value!r})"
    if value is None:
        return "null"
    return "a list" if isinstance(value, list) else "a mapping"


def _forget(value: Any, path: KeyPath, marks: dict[KeyPath, Mark]) -> None:
    """Drop the marks of `value` (at `path`) and everything below it."""
    marks.pop(path, None)
    if isinstance(value, dict):
        for key, child in value.items():
            _forget(child, (*path, key), marks)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _forget(child, (*path, index), marks)


def _mark_all(value: Any, path: KeyPath, mark: Mark, marks: dict[KeyPath, Mark]) -> None:
    """Give `value` (at `path`) and everything below it the same `mark`."""
    marks[path] = mark
    if isinstance(value, dict):
        for key, child in value.items():
            _mark_all(child, (*path, key), mark, marks)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _mark_all(child, (*path, index), mark, marks)


def apply_set(source: Source, expr: str) -> Source:
    """Apply one `--set PATH=VALUE` to a copy of `source`.

    A missing mapping key is created (also intermediate ones), so a typo
    becomes an "unknown key" from the schema, marked `--set PATH=VALUE`. Lists
    are never extended: a position must exist, an id must match an item.
    """
    selectors, value = parse_set(expr)
    mark = Mark(f"{SET_FILE} {expr}", None, None)
    data = copy.deepcopy(source.data)
    marks = dict(source.marks)
    if source.data is None:
        data = {}

    parent: Any = None
    slot: str | int | None = None
    current: Any = data
    path: KeyPath = ()
    for step, selector in enumerate(selectors):
        last = step == len(selectors) - 1
        here = format_path(path)
        if isinstance(current, dict):
            if not isinstance(selector, Key):
                raise _set_error(
                    expr, f"{here} is a mapping, not a list; select a key with '.name'"
                )
            if selector.name not in current:
                if last:
                    current[selector.name] = None
                elif isinstance(selectors[step + 1], Key):
                    current[selector.name] = {}
                    marks[(*path, selector.name)] = mark
                else:
                    raise _set_error(
                        expr,
                        f"{format_path((*path, selector.name))} does not exist, "
                        "so there is no list to select an item from",
                    )
            key: str | int = selector.name
        elif isinstance(current, list):
            key = _list_position(expr, here, current, selector)
        else:
            raise _set_error(expr, f"cannot go into {here}: it is {_describe(current)}")
        parent, slot, path = current, key, (*path, key)
        current = current[key]

    if parent is None:  # the path is never empty, so this cannot happen
        raise _set_error(expr, "the path before '=' is empty")
    assert slot is not None
    _forget(current, path, marks)
    parent[slot] = value
    _mark_all(value, path, mark, marks)
    return Source(data, marks)


def _list_position(expr: str, here: str, items: list[Any], selector: PathSelector) -> int:
    """Position in `items` that `selector` names, or a `--set` error saying why none does."""
    if isinstance(selector, ById):
        ids = []
        for index, item in enumerate(items):
            ident = _item_id(item)
            if ident is not None and str(ident) == selector.id:
                return index
            if ident is not None:
                ids.append(str(ident))
        listed = ", ".join(ids) if ids else "none"
        raise _set_error(expr, f"no item with id {selector.id!r} in {here} (ids: {listed})")
    if isinstance(selector, Key):
        if not (selector.name.isdecimal() and selector.name.isascii()):
            raise _set_error(
                expr,
                f"{here} is a list; select an item with [N] or [id=NAME], not .{selector.name}",
            )
        index = int(selector.name)
    else:
        index = selector.index
    if index >= len(items):
        if not items:
            size = "is empty"
        elif len(items) == 1:
            size = "has 1 item (position 0)"
        else:
            size = f"has {len(items)} items (positions 0-{len(items) - 1})"
        raise _set_error(expr, f"position {index} is out of range: {here} {size}")
    return index
