"""Read scenario YAML into plain Python data, remembering the line of every key.

Later checks (schema, cross-references, overlays) report problems as
`file:line:col: enterprises[3].inputs[0].from: ...`; for that they need to map a
key path back to the text a planner wrote. `load_yaml` returns a `Source`: the
data plus a mark for every path.

Reading is defensive because scenario files come from people, not programs:

* PyYAML follows YAML 1.1, where `on`/`off`/`yes`/`no` are booleans, `1e-3` is a
  string and `2022-04-16` is a date. Scenario files are read with YAML 1.2
  core-schema rules instead (only `true`/`false` are booleans, `1e-3` is a
  float, dates stay text until the schema asks for a date).
* PyYAML silently keeps the last of two equal keys; here that is an error.
* Aliases are expanded with a node budget (no "billion laughs"), recursive
  aliases and absurd nesting are refused, and files are size-checked before
  they are read.
* Values are counted while the document is composed, so a 20 MB list of a
  million numbers is refused at its 200,000th value, in about a second, not
  composed whole first. Events come from libyaml when PyYAML has it (several
  times faster than its pure-Python scanner on big files); a file that libyaml
  finds wrong is read again by the pure-Python parser, so the messages a
  planner sees are always PyYAML's.

Every failure is a `ScenarioError` that names the file and the line.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

import yaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.scanner import Scanner

try:
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    CParser = None  # type: ignore[assignment, misc]

from sim.scenario.errors import KeyPath, Problem, ScenarioError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_VALUES",
    "Mark",
    "Source",
    "load_yaml",
    "load_yaml_text",
]

DEFAULT_MAX_BYTES = 20_000_000
"""Largest scenario file read by default; a bigger one is almost certainly a mistake."""
MAX_NODES = 2_000_000
"""Most nodes a document may expand to once aliases are followed."""
MAX_VALUES = 200_000
"""Most values (scalars, lists and mappings) a file may hold as written. The largest
shipped scenario holds 600; 200,000 is ten thousand firms listed one by one (a
registry CSV holds more), and composing them takes about a second."""
MAX_DEPTH = 200
"""Deepest key path allowed; real scenarios nest less than ten levels."""

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_NULL_RE = re.compile(r"(?:~|null|Null|NULL|)\Z")
_BOOL_RE = re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z")
_INT_RE = re.compile(r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z")
_FLOAT_RE = re.compile(
    r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
)
_TOO_DEEP_EXPANDED = f"nesting is deeper than {MAX_DEPTH} levels once aliases are expanded"
_KIND_NAMES = {_NULL: "null", _BOOL: "a boolean", _INT: "an integer", _FLOAT: "a number"}


class Mark(NamedTuple):
    """Where a value came from: file name (or `--set ...`), 1-based line and column."""

    file: str
    line: int | None
    column: int | None


@dataclass
class Source:
    """Plain data read from YAML plus, for every key path in it, where it was written.

    `data` holds only dict/list/str/int/float/bool/None. `marks` has an entry for
    every node: a mapping entry is marked at its key (the line a person looks
    at), a list item at the item's start, the root `()` at the document start.
    """

    data: Any
    marks: dict[KeyPath, Mark]

    def mark_for(self, path: Sequence[str | int]) -> Mark | None:
        """Mark of the longest known prefix of `path`.

        Validation errors may point below the data (pydantic adds union tags or
        names a missing field), so walk up until a path that was written down.
        """
        for end in range(len(path), -1, -1):
            mark = self.marks.get(tuple(path[:end]))
            if mark is not None:
                return mark
        return None


class _TooBig(Exception):
    """Raised from inside the composer when nesting passes `MAX_DEPTH`, or the
    values written pass `MAX_VALUES`: the message and where."""

    def __init__(self, message: str, mark: yaml.Mark) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _Resolver(yaml.resolver.BaseResolver):
    """Resolves plain scalars like YAML 1.2's core schema, and counts what is composed.

    The resolver table is our own (it starts empty, so neither SafeLoader's
    global table nor its YAML 1.1 rules for yes/no, sexagesimals, timestamps,
    merge keys `<<` or the `=` value key are involved). The loaders are only
    used to compose nodes; values are built by `_Builder`.
    """

    yaml_implicit_resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012
    _depth = 0
    _values = 0

    # The composer calls these hooks around every node it builds (they exist for
    # path resolvers, which we do not use). Counting here costs no extra Python
    # stack frame, so the depth limit is hit long before a RecursionError, and a
    # huge list stops at MAX_VALUES without being composed whole.
    def descend_resolver(self, current_node: Node | None, current_index: Any) -> None:
        self._depth += 1
        self._values += 1
        if self._depth > MAX_DEPTH + 1:
            raise _TooBig(f"nesting is deeper than {MAX_DEPTH} levels", self._where())
        if self._values > MAX_VALUES:
            raise _TooBig(
                f"the file holds more than {MAX_VALUES:,} values (keys, list items, "
                "numbers, texts) from about here on; a scenario lists a few thousand "
                "firms one by one at most: put long lists of firms in a registry CSV",
                self._where(),
            )

    def ascend_resolver(self) -> None:
        self._depth -= 1

    def _where(self) -> yaml.Mark:
        mark: yaml.Mark = self.peek_event().start_mark  # type: ignore[attr-defined]
        return mark


_Resolver.add_implicit_resolver(_BOOL, _BOOL_RE, list("tTfF"))
_Resolver.add_implicit_resolver(_NULL, _NULL_RE, ["~", "n", "N", ""])
_Resolver.add_implicit_resolver(_INT, _INT_RE, list("-+0123456789"))
_Resolver.add_implicit_resolver(_FLOAT, _FLOAT_RE, list("-+.0123456789"))


class _Loader(Reader, Scanner, Parser, Composer, _Resolver):
    """The pure-Python composer: PyYAML's own scanner and parser (its messages)."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Resolver.__init__(self)


if CParser is not None:

    class _CLoader(Composer, _Resolver, CParser):  # Composer's get_node, not libyaml's
        """Events from libyaml, composed in Python (so that the hooks above run)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            _Resolver.__init__(self)

    _LOADERS: tuple[type, ...] = (_CLoader, _Loader)
else:  # pragma: no cover - PyYAML built without libyaml
    _LOADERS = (_Loader,)


def _mark(name: str, mark: Any) -> Mark:
    """PyYAML marks are 0-based; ours are 1-based like editors."""
    return Mark(name, mark.line + 1, mark.column + 1)


def _fail(name: str, message: str, mark: Any, path: KeyPath = ()) -> NoReturn:
    """Raise a one-problem `ScenarioError` located at `mark` (ours, or a 0-based mark of
    PyYAML or libyaml)."""
    if mark is not None and not isinstance(mark, Mark):
        mark = _mark(name, mark)
    line, column = (mark.line, mark.column) if mark else (None, None)
    raise ScenarioError([Problem(message, path, name, line, column)])


def _text_position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of character `index` in `text`."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _syntax_message(err: yaml.MarkedYAMLError) -> str:
    """PyYAML's problem text, plus its context ("while scanning ... at line N")."""
    message = f"invalid YAML: {err.problem or 'cannot parse'}"
    if err.context:
        where = ""
        if err.context_mark is not None:
            where = f" at line {err.context_mark.line + 1}, column {err.context_mark.column + 1}"
        message += f" ({err.context}{where})"
    return message


def _compose_with(loader_class: type, text: str, name: str) -> tuple[Node | None, Mark]:
    """Compose `text` with one loader; YAML errors propagate (see `_compose`)."""
    loader = loader_class(text)
    try:
        if not loader.check_node():
            return None, Mark(name, 1, 1)
        start = _mark(name, loader.peek_event().start_mark)
        root = loader.get_node()
        if not loader.check_event(yaml.StreamEndEvent):
            _fail(
                name,
                "a second YAML document starts here ('---'); "
                "a scenario file holds exactly one document",
                loader.peek_event().start_mark,
            )
        return root, start
    finally:
        loader.dispose()


REPARSE_CHARS = 1_000_000
"""Text PyYAML reads again for its message after libyaml found an error in it (a
megabyte takes it about half a second); an error further in keeps libyaml's words."""


def _up_to_line(text: str, err: yaml.YAMLError) -> str:
    """`text` cut after the line below a libyaml error, so that PyYAML, reading it
    again for its message, does not scan megabytes beyond the error."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    if mark is None or mark.line is None:
        return text
    end = -1
    for _ in range(mark.line + 2):
        end = text.find("\n", end + 1)
        if end < 0:
            return text
    return text[: end + 1]


def _compose(text: str, name: str) -> tuple[Node | None, Mark]:
    """Compose the single document in `text` into a node graph.

    Returns the root node (None when there is no document) and the mark of the
    document start. Aliases are not expanded here: an alias is the same node
    object as its anchor, so the graph may share nodes or even contain cycles.
    A document libyaml cannot read is read again by PyYAML, whose messages are
    the ones reported (on the text up to the error first, then whole).
    """
    if text.startswith("\ufeff"):  # a BOM is not a column in anyone's editor
        text = text[1:]
    try:
        try:
            return _compose_with(_LOADERS[0], text, name)
        except yaml.YAMLError as err:
            if len(_LOADERS) == 1:
                raise
            if isinstance(err, yaml.MarkedYAMLError):
                prefix = _up_to_line(text, err)
                if len(prefix) > REPARSE_CHARS:
                    raise  # libyaml's message: PyYAML would take seconds to reach the line
                if prefix != text:
                    _compose_with(_Loader, prefix, name)  # raises where libyaml did
            return _compose_with(_Loader, text, name)
    except _TooBig as err:
        _fail(name, err.message, err.mark)
    except yaml.MarkedYAMLError as err:
        _fail(name, _syntax_message(err), err.problem_mark or err.context_mark)
    except ReaderError as err:
        line, column = _text_position(text, err.position)
        code = err.character if isinstance(err.character, int) else ord(err.character)
        _fail(
            name,
            f"character U+{code:04X} is not allowed in YAML text",
            Mark(name, line, column),
        )
    except yaml.YAMLError as err:  # any other PyYAML complaint, still located at the file
        _fail(name, f"invalid YAML: {err}", None)
    raise AssertionError("unreachable")  # pragma: no cover


def _measure(
    node: Node,
    depth: int,
    memo: dict[int, tuple[int, int]],
    active: set[int],
    name: str,
) -> tuple[int, int]:
    """Expanded size and height of `node`, refusing bombs, cycles and deep nesting.

    The composed graph is small even for a "billion laughs" document: the
    blow-up only happens when aliases are expanded. Sizes are memoised per
    node, so this costs time linear in the text, and the document is refused
    before anything is expanded. Recursion is bounded by `MAX_DEPTH`.
    """
    key = id(node)
    if key in active:
        _fail(
            name,
            "an alias refers to a node that contains it (recursive anchor); it cannot be expanded",
            node.start_mark,
        )
    known = memo.get(key)
    if known is None:
        if depth > MAX_DEPTH:
            _fail(name, _TOO_DEEP_EXPANDED, node.start_mark)
        size, height = 1, 0
        if isinstance(node, (SequenceNode, MappingNode)):
            active.add(key)
            children: list[Node] = (
                node.value
                if isinstance(node, SequenceNode)
                else [child for pair in node.value for child in pair]
            )
            for child in children:
                child_size, child_height = _measure(child, depth + 1, memo, active, name)
                size += child_size
                height = max(height, child_height + 1)
                if size > MAX_NODES:
                    _fail(
                        name,
                        f"this value expands to more than {MAX_NODES:,} nodes once its "
                        "aliases are followed (an alias bomb?)",
                        node.start_mark,
                    )
            active.discard(key)
        known = memo[key] = (size, height)
    if depth + known[1] > MAX_DEPTH:
        _fail(name, _TOO_DEEP_EXPANDED, node.start_mark)
    return known


class _BadScalar(Exception):
    """A scalar that cannot become a value (unsupported tag, bad explicit type)."""


def _scalar(node: ScalarNode) -> Any:
    """Python value of a resolved scalar; quoted scalars were already tagged `str`."""
    tag, text = node.tag, node.value
    if tag == _STR:
        return text
    if tag == _NULL and _NULL_RE.match(text):
        return None
    if tag == _BOOL and _BOOL_RE.match(text):
        return text.lower() == "true"
    if tag == _INT and _INT_RE.match(text):
        return _to_int(text)
    if tag == _FLOAT and (_FLOAT_RE.match(text) or _INT_RE.match(text)):
        return _to_float(text)
    if tag in _KIND_NAMES:
        raise _BadScalar(f"cannot read {text!r} as {_KIND_NAMES[tag]}")
    raise _BadScalar(f"unsupported YAML tag {tag!r}; scenario files use plain values")


def _to_int(text: str) -> int:
    """Core-schema integer: decimal (leading zeros allowed), `0x..` or `0o..`."""
    if text[:2] in ("0x", "0o"):
        return int(text, 0)
    return int(text, 10)


def _to_float(text: str) -> float:
    """Core-schema float, including `.inf`, `-.inf` and `.nan`."""
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if lowered.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    if lowered[:2] in ("0x", "0o"):
        return float(_to_int(lowered))
    return float(text)


def _describe_key(node: Node) -> str:
    """How a bad key reads to a person, e.g. `the integer 1`."""
    if isinstance(node, ScalarNode):
        try:
            value = _scalar(node)
        except _BadScalar:
            return f"{node.value!r} with tag {node.tag!r}"
        kind = {type(None): "null", bool: "a boolean", int: "an integer", float: "a number"}
        return f"{kind.get(type(value), 'a value')} ({node.value or 'empty'})"
    return "a list" if isinstance(node, SequenceNode) else "a mapping"


class _Builder:
    """Expands a composed node graph into plain data and marks, collecting problems.

    Problems in keys and tags are collected (not raised at the first one) so a
    planner sees all duplicate keys of a file at once. Nodes reached through
    several aliases report the same problem once.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.marks: dict[KeyPath, Mark] = {}
        self.problems: dict[tuple[int | None, int | None, str], Problem] = {}

    def problem(self, message: str, mark: yaml.Mark, path: KeyPath) -> None:
        where = _mark(self.name, mark)
        self.problems.setdefault(
            (where.line, where.column, message),
            Problem(message, path, self.name, where.line, where.column),
        )

    def build(self, node: Node, path: KeyPath) -> Any:
        if isinstance(node, ScalarNode):
            try:
                return _scalar(node)
            except _BadScalar as err:
                self.problem(str(err), node.start_mark, path)
                return None
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                self.problem(f"unsupported YAML tag {node.tag!r} on a list", node.start_mark, path)
            items = []
            for index, item in enumerate(node.value):
                item_path = (*path, index)
                self.marks[item_path] = _mark(self.name, item.start_mark)
                items.append(self.build(item, item_path))
            return items
        assert isinstance(node, MappingNode)
        if node.tag != _MAP:
            self.problem(f"unsupported YAML tag {node.tag!r} on a mapping", node.start_mark, path)
        mapping: dict[str, Any] = {}
        first_seen: dict[str, yaml.Mark] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node, path)
            if key is None:
                continue
            if key in first_seen:
                first = first_seen[key]
                self.problem(
                    f"duplicate key {key!r}: it was already given at line {first.line + 1} "
                    "(YAML would silently keep only the last one)",
                    key_node.start_mark,
                    (*path, key),
                )
                continue
            first_seen[key] = key_node.start_mark
            self.marks[(*path, key)] = _mark(self.name, key_node.start_mark)
            mapping[key] = self.build(value_node, (*path, key))
        return mapping

    def key(self, node: Node, path: KeyPath) -> str | None:
        """The text of a mapping key, or None (with a problem) when it is not text."""
        if isinstance(node, ScalarNode) and node.tag == _STR:
            if node.value == "<<" and not node.style:  # plain: None (PyYAML), "" (libyaml)
                self.problem(
                    "YAML merge keys ('<<') are not supported; write the keys out",
                    node.start_mark,
                    path,
                )
                return None
            return str(node.value)
        self.problem(
            f"keys must be text, found {_describe_key(node)}; quote it if it is a name",
            node.start_mark,
            path,
        )
        return None


def _parse_text(text: str, name: str) -> Source | None:
    """Parse `text` into a `Source`, or None when it holds no value at all.

    "No value" is an empty or comment-only text, or a document that is just
    `---`. Callers decide what that means (an empty scenario, a null `--set`).
    """
    root, start = _compose(text, name)
    if root is None or (
        isinstance(root, ScalarNode) and root.tag == _NULL and root.value == "" and not root.style
    ):
        return None
    _measure(root, 0, {}, set(), name)
    builder = _Builder(name)
    builder.marks[()] = start
    data = builder.build(root, ())
    if builder.problems:
        raise ScenarioError(builder.problems.values())
    return Source(data, builder.marks)


def load_yaml_text(text: str, name: str) -> Source:
    """Read one YAML document from `text`; `name` is the file name used in marks.

    An empty document reads as an empty mapping, so an empty overlay changes
    nothing and an empty scenario is reported as "missing fields" by the schema.
    """
    source = _parse_text(text, name)
    if source is None:
        return Source({}, {(): Mark(name, 1, 1)})
    return source


def load_yaml(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
    """Read a scenario YAML file (UTF-8, one document, at most `max_bytes` bytes).

    The size is checked before reading, so a huge file is refused without
    filling memory; marks name the file as `str(path)`.
    """
    name = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        _fail(name, "file not found", None)
    except OSError as err:
        _fail(name, f"cannot read file: {err.strerror or err}", None)
    if stat.S_ISDIR(info.st_mode):
        _fail(name, "this is a directory, not a YAML file", None)
    if not stat.S_ISREG(info.st_mode):
        # a FIFO would block the open until someone writes to it; /dev/zero never ends
        _fail(name, "this is a device, pipe or socket, not a YAML file", None)
    too_big = (
        f"file is larger than the limit of {max_bytes:,} bytes; "
        "a scenario file this large is almost certainly not meant to be one"
    )
    if info.st_size > max_bytes:
        _fail(name, too_big, None)
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)  # +1: notice a file that grew meanwhile
    except OSError as err:
        _fail(name, f"cannot read file: {err.strerror or err}", None)
    if len(raw) > max_bytes:
        _fail(name, too_big, None)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line_start = raw.rfind(b"\n", 0, err.start) + 1
        line = raw.count(b"\n", 0, err.start) + 1
        column = len(raw[line_start : err.start].decode("utf-8", errors="replace")) + 1
        _fail(
            name,
            f"file is not UTF-8 text (byte 0x{raw[err.start]:02X} cannot be decoded); "
            "save it as UTF-8",
            Mark(name, line, column),
        )
    return load_yaml_text(text, name)
