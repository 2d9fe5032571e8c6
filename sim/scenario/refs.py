"""Cross-references: every id a scenario names is declared, and declared once.

The schema marks which keys declare ids and which refer to them (`Declares`, `Ref`,
`Provides`: `sim/scenario/ids.py`); one walker, guided by those marks, collects the
declared ids of each kind from a scenario and checks every reference against them.
Nothing here knows a section of the format, so a new section's references are
checked as soon as its fields carry the marks.

The walker runs on the raw (parsed but not yet validated) data and tolerates
anything malformed, so that a dangling `from:` is reported in the same message as a
typo'd key or a share of 1.5 that the schema rejects. A key that is missing, or not
of the shape the schema wants, declares what its default declares (the default
`control_levels` when none are written).

Messages name what is known and suggest the closest name ("did you mean");
`check_references` is the loader's entry, `Checker` words one reference for a
caller that already knows the ids (registry rows in `expand.py`).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from sim.scenario.errors import KeyPath, Problem, shown
from sim.scenario.ids import Context, Declares, Kind, Provided, Provides, Ref
from sim.scenario.schema import Scenario

Locate = Callable[[KeyPath, str], Problem]

MAX_HINTS = 200
"""Suggestions ("did you mean ...?") computed per check: each compares a name with
every known one, which is slow against a million generated firm ids, and only the
first problems are shown anyway."""
MAX_LISTED = 30
"""Known names listed in a message (a scenario may define thousands)."""
HINT_POOL = 2000
"""Most known names a suggestion is chosen from: beyond it, those sharing the
name's first three characters (a typo rarely starts a name)."""
MAX_CLASHES_SHOWN = 3
"""Ids named when a section makes ids already taken."""


def suggestion(name: str, known: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest of `known`, or nothing."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {shown(close[0])}?)" if close else ""


# --- the marks of the schema, as a plan to walk -----------------------------------


@dataclass(frozen=True)
class _Leaf:
    """An id or a name: what it declares and what it refers to."""

    marks: tuple[Declares | Ref, ...]


@dataclass(frozen=True)
class _List:
    item: _Node


@dataclass(frozen=True)
class _Map:
    key: _Leaf | None
    value: _Node | None


@dataclass(frozen=True)
class _Sub:
    model: type[BaseModel]


@dataclass(frozen=True)
class _Either:
    options: tuple[_Node, ...]


_Node = _Leaf | _List | _Map | _Sub | _Either
Mark = Declares | Ref | Provides


@dataclass(frozen=True)
class _Key:
    """A field of a model that holds marks, at some depth."""

    name: str
    """The attribute (read from a validated model)."""
    key: str
    """The key as written (the alias: `from`, `class`)."""
    node: _Node | None
    provides: tuple[Provides, ...]
    info: FieldInfo
    declares: bool
    """Whether the field declares ids somewhere below (then its default is walked when
    it is missing)."""


def _marks_of(meta: Iterable[Any]) -> tuple[Declares | Ref, ...]:
    return tuple(m for m in meta if isinstance(m, Declares | Ref))


def _node(tp: Any, extra: Sequence[Any] = ()) -> _Node | None:
    """What of a type holds marks (None: nothing)."""
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        return _node(args[0], (*args[1:], *extra))
    marks = _marks_of(extra)
    if marks:
        if tp is not str:  # e.g. `Annotated[list[Ident], Ref(X)]`, `Annotated[Ident | None, ...]`
            raise TypeError(
                f"{marks[0]!r} marks one id (text), not {tp}: write "
                "`list[Annotated[Ident, Ref(...)]]` or `Annotated[Ident, Ref(...)] | None`"
            )
        return _Leaf(marks)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _Sub(tp) if _plan(tp) else None
    if origin in (list, tuple, Sequence) and args:
        item = _node(args[0])
        return None if item is None else _List(item)
    if origin is dict and len(args) == 2:
        key, value = _node(args[0]), _node(args[1])
        if key is None and value is None:
            return None
        if key is not None and not isinstance(key, _Leaf):
            raise TypeError(f"a mapping's keys are ids, not {tp}")
        return _Map(key, value)
    if origin in (typing.Union, types.UnionType):
        options = tuple(n for n in (_node(a) for a in args) if n is not None)
        return None if not options else options[0] if len(options) == 1 else _Either(options)
    return None


def _iter_marks(node: _Node | None) -> Iterable[Declares | Ref]:
    """The marks of a field down to (not into) the models it holds."""
    if isinstance(node, _Leaf):
        yield from node.marks
    elif isinstance(node, _List):
        yield from _iter_marks(node.item)
    elif isinstance(node, _Map):
        yield from _iter_marks(node.key)
        yield from _iter_marks(node.value)
    elif isinstance(node, _Either):
        for option in node.options:
            yield from _iter_marks(option)


def _declares(node: _Node | None) -> bool:
    if isinstance(node, _Sub):
        return any(k.declares for k in _plan(node.model))
    if isinstance(node, _List):
        return _declares(node.item)
    if isinstance(node, _Map):
        return _declares(node.key) or _declares(node.value)
    if isinstance(node, _Either):
        return any(_declares(o) for o in node.options)
    return any(isinstance(m, Declares) for m in _iter_marks(node))


_PLANS: dict[type[BaseModel], tuple[_Key, ...]] = {}
_BUILDING: set[type[BaseModel]] = set()


def _plan(model: type[BaseModel]) -> tuple[_Key, ...]:
    """The fields of `model` that hold marks, in the schema's order."""
    plan = _PLANS.get(model)
    if plan is not None:
        return plan
    if model in _BUILDING:
        return ()  # a model holding itself (none does): the walk does not go round
    _BUILDING.add(model)
    try:
        keys = []
        for name, info in model.model_fields.items():
            node = _node(info.annotation, info.metadata)
            provides = tuple(m for m in info.metadata if isinstance(m, Provides))
            if node is not None or provides:
                keys.append(_Key(name, info.alias or name, node, provides, info, _declares(node)))
        plan = _PLANS[model] = tuple(keys)
    finally:
        _BUILDING.discard(model)
    return plan


# --- walking a scenario ---------------------------------------------------------------


@dataclass(frozen=True)
class _Want:
    """What a walk looks for: all marks, or only some kinds' declarations or references."""

    declared: frozenset[Kind] | None = None
    """Kinds whose declarations are collected (None: all)."""
    refs: frozenset[Kind] | None = None
    """References are checked when all their kinds are among these (None: all)."""
    collect: bool = True
    check: bool = True

    def declaration(self, d: Declares) -> bool:
        return self.collect and (self.declared is None or d.kind in self.declared)

    def reference(self, r: Ref) -> bool:
        return self.check and (self.refs is None or set(r.kinds) <= self.refs)

    def provider(self, p: Provides) -> bool:
        return self.collect and (self.declared is None or bool(set(p.kinds) & self.declared))


class _Walk:
    """One pass over a scenario (raw mappings or validated models): the ids declared,
    the names referred to, and the ids sections make."""

    def __init__(self, want: _Want, context: Context | None) -> None:
        self.want = want
        self.context = context
        self.declared: list[tuple[Declares, str, KeyPath | None]] = []
        """Each declaration: its mark, the id and where it is written (None: a default)."""
        self.refs: list[tuple[Ref, str, KeyPath]] = []
        self.provided: list[tuple[Provided, KeyPath]] = []
        self._plans: dict[type[BaseModel], tuple[_Key, ...]] = {}
        self._marks: dict[int, tuple[tuple[Declares, ...], tuple[Ref, ...]]] = {}
        """The marks of each leaf (by id) this walk looks for."""
        self._visit: dict[type, Callable[[Any, Any, KeyPath | None], bool]] = {
            _Leaf: self._leaf,
            _List: self._list,
            _Map: self._map,
            _Sub: self._sub,
            _Either: self._either,
        }

    def model(self, model: type[BaseModel], value: Any, path: KeyPath | None) -> bool:
        """Walk one model's value; False when it is not a mapping (nor a model)."""
        validated = isinstance(value, BaseModel)
        if not (validated or isinstance(value, dict)):
            return False
        for k in self.plan(model):
            key = k.key
            if validated:
                v = getattr(value, k.name)
            elif key in value:
                v = value[key]
            elif k.name in value:  # models accept a field's name beside its alias
                key = k.name
                v = value[key]
            else:
                self.default(k)
                continue
            here = None if path is None else (*path, key)
            if k.provides and here is not None and not validated:
                self.provide(k, v, here)
            if not self.node(k.node, v, here):
                self.default(k)
        return True

    def plan(self, model: type[BaseModel]) -> tuple[_Key, ...]:
        """The fields of `model` holding marks this walk looks for."""
        plan = self._plans.get(model)
        if plan is None:
            self._plans[model] = ()  # a model holding itself adds nothing more
            plan = self._plans[model] = tuple(k for k in _plan(model) if self.wants(k))
        return plan

    def wants(self, k: _Key) -> bool:
        return any(self.want.provider(p) for p in k.provides) or self._wants(k.node)

    def _wants(self, node: _Node | None) -> bool:
        want = self.want
        if isinstance(node, _Leaf):
            return any(
                want.declaration(m) if isinstance(m, Declares) else want.reference(m)
                for m in node.marks
            )
        if isinstance(node, _List):
            return self._wants(node.item)
        if isinstance(node, _Map):
            return self._wants(node.key) or self._wants(node.value)
        if isinstance(node, _Sub):
            return bool(self.plan(node.model))
        if isinstance(node, _Either):
            return any(self._wants(o) for o in node.options)
        return False

    def default(self, k: _Key) -> None:
        """A key missing, or not of its shape, declares what its default declares."""
        if k.declares and self.want.collect:
            default = k.info.get_default(call_default_factory=True, validated_data={})
            if default is not PydanticUndefined:
                self.node(k.node, default, None)

    def provide(self, key: _Key, value: Any, path: KeyPath) -> None:
        for p in key.provides:
            if self.want.provider(p) and self.context is not None:
                for made in p.hook(value, self.context):
                    self.provided.append((made, (*path, *made.path)))

    def node(self, node: _Node | None, value: Any, path: KeyPath | None) -> bool:
        """Walk a value of `node`'s type; False when it has not that shape (roughly:
        the schema says what is wrong inside it)."""
        if node is None:
            return True  # nothing marked below (a key with only `Provides`)
        return self._visit[type(node)](node, value, path)

    def _leaf(self, node: _Leaf, value: Any, path: KeyPath | None) -> bool:
        if isinstance(value, str):
            self.leaf(node, value, path)
            return True
        if isinstance(value, list) and path and isinstance(path[-1], str):
            # several names where one key's name belongs: the schema says so, and each
            # name is still checked (a list declares nothing)
            for i, name in enumerate(value):
                if isinstance(name, str):
                    self.leaf(node, name, (*path, i), refs_only=True)
        return False

    def _list(self, node: _List, value: Any, path: KeyPath | None) -> bool:
        item = node.item
        if isinstance(value, list | tuple):
            visit = self._visit[type(item)]
            if path is None:
                for x in value:
                    visit(item, x, None)
            else:
                for i, x in enumerate(value):
                    visit(item, x, (*path, i))
            return True
        if isinstance(value, str) and isinstance(item, _Leaf):  # `from: a`
            return self._leaf(item, value, path)
        return False

    def _map(self, node: _Map, value: Any, path: KeyPath | None) -> bool:
        if not isinstance(value, dict):
            return False
        for k, v in value.items():
            here = None if path is None else (*path, k)
            if node.key is not None and isinstance(k, str):
                self.leaf(node.key, k, here)
            self.node(node.value, v, here)
        return True

    def _sub(self, node: _Sub, value: Any, path: KeyPath | None) -> bool:
        return self.model(node.model, value, path)

    def _either(self, node: _Either, value: Any, path: KeyPath | None) -> bool:
        return any(self.node(option, value, path) for option in node.options)

    def leaf(
        self, node: _Leaf, name: str, path: KeyPath | None, *, refs_only: bool = False
    ) -> None:
        marks = self._marks.get(id(node))
        if marks is None:
            want = self.want
            marks = self._marks[id(node)] = (
                tuple(m for m in node.marks if isinstance(m, Declares) and want.declaration(m)),
                tuple(m for m in node.marks if isinstance(m, Ref) and want.reference(m)),
            )
        declares, refs = marks
        if declares and not refs_only:
            for d in declares:
                self.declared.append((d, name, path))
        if refs and path is not None:
            for r in refs:
                self.refs.append((r, name, path))


# --- the checks -----------------------------------------------------------------------


class Checker:
    """Words problems with references ("unknown ... (did you mean ...?)"), located by
    `locate`, collecting them in `problems`."""

    def __init__(self, locate: Locate) -> None:
        self.locate = locate
        self.problems: list[Problem] = []
        self.hints = 0
        self._pools: dict[int, dict[str, list[str]]] = {}
        self._sorted: dict[int, list[str]] = {}
        self._walks: dict[frozenset[Kind], _Walk] = {}
        self._unions: dict[tuple[int, tuple[Kind, ...]], tuple[object, Collection[str]]] = {}

    def bad(self, path: KeyPath, message: str) -> None:
        self.problems.append(self.locate(path, message))

    def hint(self, name: str, known: Collection[str]) -> str:
        """` (did you mean 'x'?)` for the closest known name, or nothing."""
        if self.hints >= MAX_HINTS:
            return ""
        self.hints += 1
        if len(known) > HINT_POOL:
            pools = self._pools.get(id(known))
            if pools is None:
                pools = self._pools[id(known)] = {}
                for k in known:
                    pool = pools.setdefault(k[:3], [])
                    if len(pool) < HINT_POOL:
                        pool.append(k)
            known = pools.get(name[:3], [])
        return suggestion(name, known)

    def listing(self, known: Collection[str]) -> str:
        """The known names, sorted, the first `MAX_LISTED` of them."""
        names = self._sorted.get(id(known))
        if names is None:
            names = self._sorted[id(known)] = sorted(known)
        more = f" and {len(names) - MAX_LISTED:,} more" if len(names) > MAX_LISTED else ""
        return (", ".join(names[:MAX_LISTED]) or "none") + more

    def check(self, path: KeyPath, name: str, ref: Ref, known: Collection[str]) -> None:
        """`name` (at `path`) must be one of `known`, the ids of `ref`'s kinds."""
        if name in known:
            return
        kinds = ref.kinds
        if ref.unknown is not None:
            message = ref.unknown.format(kind=kinds[0].name, name=shown(name))
        elif len(kinds) == 1:
            message = f"unknown {kinds[0].name} {shown(name)}"
        else:
            message = f"{shown(name)} is neither " + " nor ".join(k.a for k in kinds)
        message += self.hint(name, known)
        if len(kinds) == 1 and kinds[0].listed:
            message += f"; {kinds[0].listed}: {self.listing(known)}"
        self.bad(path, message + "".join(k.note for k in kinds))

    def refs(
        self,
        model: type[BaseModel],
        value: Any,
        known: Mapping[Kind, Collection[str]],
        path: KeyPath = (),
    ) -> None:
        """Every reference in `value` (a `model`, raw or validated) to the kinds of `known`
        (references to other kinds are not checked here)."""
        kinds = frozenset(known)
        walk = self._walks.get(kinds)
        if walk is None:  # one walk (and its plans) for every firm of a registry
            walk = self._walks[kinds] = _Walk(_Want(refs=kinds, collect=False), None)
        walk.refs.clear()
        walk.model(model, value, path)
        for ref, name, where in walk.refs:
            held, pool = self._unions.get((id(known), ref.kinds), (None, ()))
            if held is not known:  # (holding `known` keeps its id from being reused)
                pool = _union(known, ref.kinds)
                self._unions[(id(known), ref.kinds)] = (known, pool)
            self.check(where, name, ref, pool)


def _union(known: Mapping[Kind, Collection[str]], kinds: Sequence[Kind]) -> Collection[str]:
    if len(kinds) == 1:
        return known.get(kinds[0], ())
    out: set[str] = set()
    for k in kinds:
        out.update(known.get(k, ()))
    return out


def _duplicates(walk: _Walk, written: Mapping[Kind, set[str]], checker: Checker) -> None:
    """Ids declared twice where they must be unique, and ids of one kind that another
    kind must not repeat (reported at the later one, or at the kind that must differ)."""
    firsts: dict[tuple[Kind, KeyPath], dict[str, int]] = {}
    for mark, name, path in walk.declared:
        if path is None or mark.unique_in is None:
            continue
        kind = mark.kind
        if mark.unique_in == "scenario":
            scope: KeyPath = ()
            position = 0
        else:  # the list holding the item
            at = len(path) - 1
            while at >= 0 and not isinstance(path[at], int):
                at -= 1
            if at < 0:
                continue
            scope, position = path[:at], int(path[at])
        seen = firsts.setdefault((kind, scope), {})
        if name in seen:
            template = mark.duplicate or "duplicate {kind} id {name}"
            checker.bad(path, template.format(kind=kind.name, name=shown(name), first=seen[name]))
            continue
        seen[name] = position
        for other in kind.distinct_from:
            if name in written.get(other, ()):
                checker.bad(path, f"{kind.name} id {shown(name)} is also {other.a} id")


def _clashes(walk: _Walk, written: Mapping[Kind, set[str]], checker: Checker) -> None:
    """Ids a section makes that are already declared (or made by an earlier section),
    reported at the entry that makes them, in the words of its `Provides` hook."""
    made: dict[Kind, set[str]] = {}
    for p, path in walk.provided:
        earlier = made.setdefault(p.kind, set())
        if p.clash is not None:
            pools = [written.get(p.kind, set()), earlier]
            pools += [written.get(k, set()) for k in p.kind.distinct_from]
            hits = set().union(*(pool.intersection(p.ids) for pool in pools))
            if hits:
                taken = [x for x in p.ids if x in hits]
                more = len(taken) - MAX_CLASHES_SHOWN
                names = ", ".join(taken[:MAX_CLASHES_SHOWN]) + (
                    f" and {more} more" if more > 0 else ""
                )
                checker.bad(path, p.clash.format(names=names))
        earlier.update(p.ids)


def _known(walk: _Walk, kinds: Iterable[Kind]) -> tuple[dict[Kind, set[str]], dict[Kind, set[str]]]:
    """Ids of each kind (built in, declared and made), and those declared in the file."""
    written: dict[Kind, set[str]] = {}
    for mark, name, _ in walk.declared:
        written.setdefault(mark.kind, set()).add(name)
    known = {k: set(k.builtin) | written.get(k, set()) for k in kinds}
    for p, _ in walk.provided:
        known.setdefault(p.kind, set(p.kind.builtin)).update(p.ids)
    return known, written


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _self_supply(data: Mapping[str, Any], checker: Checker) -> None:
    """A listed firm among its own sources (`from`, `alternative`). Not a reference
    check: the id exists, the link cannot; written out for the one section where a firm
    and its input lines are written together."""
    for i, firm in enumerate(_list(data.get("enterprises"))):
        me = firm.get("id") if isinstance(firm, dict) else None
        if not isinstance(me, str):
            continue
        for j, line in enumerate(_list(firm.get("inputs"))):
            for key in ("from", "alternative"):
                base: KeyPath = ("enterprises", i, "inputs", j, key)
                v = line.get(key) if isinstance(line, dict) else None
                named = [(base, v)] if isinstance(v, str) else list(_indexed(base, v))
                for path, name in named:
                    if name == me:
                        checker.bad(path, f"firm {shown(name)} cannot supply itself")


def _indexed(base: KeyPath, value: Any) -> Iterable[tuple[KeyPath, Any]]:
    return (((*base, k), x) for k, x in enumerate(_list(value)))


def check_references(
    data: Any,
    locate: Locate,
    registry_rows: Mapping[int, Sequence[tuple[int, Mapping[str, Any]]]] | None = None,
    model: type[BaseModel] = Scenario,
) -> list[Problem]:
    """All dangling or duplicate ids in a raw scenario mapping.

    `locate(path, message)` turns a key path into a located Problem;
    `registry_rows` are the rows of each `registry` entry's CSV (line, fields), by
    entry, which the registry's `Provides` hook reads; `model` is the schema (a
    subclass of `Scenario` in tests).
    """
    if not isinstance(data, dict):
        return []
    walk = _Walk(_Want(), Context(data, registry_rows or {}))
    walk.model(model, data, ())
    known, written = _known(walk, kinds_of(model))
    checker = Checker(locate)
    _duplicates(walk, written, checker)
    _clashes(walk, written, checker)
    pools: dict[tuple[Kind, ...], Collection[str]] = {}
    for ref, name, path in walk.refs:
        pool = pools.get(ref.kinds)
        if pool is None:
            pool = pools[ref.kinds] = _union(known, ref.kinds)
        checker.check(path, name, ref, pool)
    _self_supply(data, checker)
    return checker.problems


def declared(
    value: BaseModel | Mapping[str, Any],
    kinds: Iterable[Kind],
    model: type[BaseModel] = Scenario,
) -> dict[Kind, set[str]]:
    """The ids of `kinds` a scenario (validated, or a raw mapping) declares, with the
    built-in ones. Only for kinds no section makes without writing them (the firms of
    `generate` and registries need the raw scenario and its CSVs: `check_references`)."""
    wanted = frozenset(kinds)
    made = {k for p in providers(model) for k in p.kinds} & wanted
    if made:
        raise ValueError(f"ids of {sorted(k.name for k in made)} are made by sections too")
    walk = _Walk(_Want(declared=wanted, check=False), None)
    walk.model(model, value, ())
    known, _ = _known(walk, wanted)
    return known


def ref_of(model: type[BaseModel], field: str) -> Ref:
    """The reference mark of `model.field` (the CSV column that means the same thing is
    checked with it)."""
    (ref,) = [m for m in _iter_marks(_node_of(model, field)) if isinstance(m, Ref)]
    return ref


def _node_of(model: type[BaseModel], field: str) -> _Node | None:
    return next((k.node for k in _plan(model) if k.name == field), None)


# --- what the schema declares, for tests and the key reference ---------------------


def _models(model: type[BaseModel]) -> list[type[BaseModel]]:
    """`model` and every model below it that holds marks, in order of first appearance."""
    out: list[type[BaseModel]] = []

    def visit(m: type[BaseModel]) -> None:
        if m in out:
            return
        out.append(m)
        for k in _plan(m):
            for sub in _subs(k.node):
                visit(sub)

    visit(model)
    return out


def _subs(node: _Node | None) -> list[type[BaseModel]]:
    if isinstance(node, _Sub):
        return [node.model]
    if isinstance(node, _List):
        return _subs(node.item)
    if isinstance(node, _Map):
        return _subs(node.value)
    if isinstance(node, _Either):
        return [m for o in node.options for m in _subs(o)]
    return []


@cache
def marks(model: type[BaseModel] = Scenario) -> tuple[tuple[type[BaseModel], str, Mark], ...]:
    """Every mark of the schema: (model, field, mark)."""
    out: list[tuple[type[BaseModel], str, Mark]] = []
    for m in _models(model):
        for k in _plan(m):
            out += [(m, k.name, mark) for mark in _iter_marks(k.node)]
            out += [(m, k.name, p) for p in k.provides]
    return tuple(out)


def providers(model: type[BaseModel] = Scenario) -> list[Provides]:
    """The `Provides` marks of the schema."""
    return [m for _, _, m in marks(model) if isinstance(m, Provides)]


def kinds_of(model: type[BaseModel] = Scenario) -> list[Kind]:
    """Every kind the schema's marks name, in order of first mention."""
    out: list[Kind] = []
    for _, _, mark in marks(model):
        for k in (mark.kind,) if isinstance(mark, Declares) else mark.kinds:
            if k not in out:
                out.append(k)
    return out


@cache
def _sites(model: type[BaseModel]) -> dict[Kind, list[str]]:
    """Where each kind's ids come from, in words: `regions[].id`, the built-in tags."""
    out: dict[Kind, list[str]] = {}

    def add(kind: Kind, where: str) -> None:
        places = out.setdefault(kind, [kind.builtin_doc] if kind.builtin_doc else [])
        if where not in places:
            places.append(where)

    def visit(m: type[BaseModel], prefix: str, seen: frozenset[type[BaseModel]]) -> None:
        for k in _plan(m):
            here = f"{prefix}.{k.key}" if prefix else k.key
            for p in k.provides:
                for kind in p.kinds:
                    add(kind, p.doc)
            node(k.node, here, seen)

    def node(n: _Node | None, here: str, seen: frozenset[type[BaseModel]]) -> None:
        if isinstance(n, _Leaf):
            for mark in n.marks:
                if isinstance(mark, Declares):
                    add(mark.kind, f"`{here}`")
        elif isinstance(n, _List):
            node(n.item, f"{here}[]", seen)
        elif isinstance(n, _Map):
            if n.key is not None:
                for mark in n.key.marks:
                    if isinstance(mark, Declares):
                        add(mark.kind, f"the keys of `{here}`")
            node(n.value, f"{here}.<name>", seen)
        elif isinstance(n, _Sub):
            if n.model not in seen:
                visit(n.model, here, seen | {n.model})
        elif isinstance(n, _Either):
            for o in n.options:
                node(o, here, seen)

    visit(model, "", frozenset({model}))
    return out


def _either(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _an_id_of(kinds: Sequence[Kind]) -> str:
    return f"an id of {kinds[0].a}" + "".join(f" or {k.name}" for k in kinds[1:])


def field_note(model: type[BaseModel], field: str, root: type[BaseModel] = Scenario) -> str:
    """What a field declares or refers to, in words, generated from its marks for the key
    reference and the JSON Schema (empty: nothing)."""
    sentences = []
    for p in next((k.provides for k in _plan(model) if k.name == field), ()):
        made = " and ".join(k.name for k in p.kinds)
        sentences.append(f"Gives {made} ids that are not written in the scenario.")
    for mark in dict.fromkeys(_iter_marks(_node_of(model, field))):
        if isinstance(mark, Declares):
            kind = mark.kind
            unique = ""
            if mark.unique_in == "scenario":
                others = "".join(f" and {k.name}s" for k in kind.distinct_from)
                unique = f", unique among {kind.name}s{others}" if others else ", unique"
            elif mark.unique_in == "list":
                unique = ", unique in this list"
            sentences.append(f"Declares {_an_id_of([kind])}{unique}.")
        else:
            sites = _sites(root)
            places = [p for k in mark.kinds for p in sites.get(k, [])]
            sentences.append(f"Refers to {_an_id_of(mark.kinds)}: {_either(places)}.")
    return " ".join(sentences)
