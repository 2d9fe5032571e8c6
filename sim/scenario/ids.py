"""The ids of a scenario, declared in the schema: what kinds of thing have ids, which
keys declare them, which keys refer to them, and which sections make ids nobody writes.

A scenario names things by id: a firm's `region`, an input's `from`, a white list's
`firms`. The schema says so with markers on the field's type, and one walker
(`sim/scenario/refs.py`) checks every scenario against them:

- `Declares(KIND)` on an id: this key gives a thing of that kind its id
  (`regions[].id` declares regions), unique in the scenario unless told otherwise;
- `Ref(KIND, ...)` on a name: this key names a thing of one of these kinds, which
  must be declared somewhere (`enterprises[].region` refers to a region);
- `Provides(KIND, hook=...)` on a section whose ids are not written in the file
  (generated firms, registry rows): `hook` lists them.

`Kind` says how messages and the key reference speak of a kind. This module knows no
section of the format; `schema.py` declares the kinds and puts the markers on its
fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sim.scenario.errors import KeyPath


@dataclass(frozen=True, eq=False)
class Kind:
    """A kind of thing a scenario names by id (a region, a firm, a tag); one object per
    kind, compared by identity."""

    name: str
    """As messages and the key reference say it: `region`, `firm class`."""
    listed: str = ""
    """Label of the known ids listed after an "unknown" message (`known tags`); empty:
    not listed (a scenario may have thousands of firms)."""
    note: str = ""
    """Appended to an "unknown" message (how to declare a new one)."""
    builtin: tuple[str, ...] = ()
    """Ids every scenario has without declaring them."""
    builtin_doc: str = ""
    """How the key reference speaks of `builtin` (`the built-in tags`)."""
    distinct_from: tuple[Kind, ...] = ()
    """Kinds whose ids this kind's ids may not repeat (a firm may not have a supplier's
    id: an input's `from` could not tell them apart); reported at this kind's id."""

    def __repr__(self) -> str:
        return f"Kind({self.name!r})"

    @property
    def a(self) -> str:
        """The name with its article: `a region`, `an input`."""
        return f"{'an' if self.name[0] in 'aeiou' else 'a'} {self.name}"


@dataclass(frozen=True, init=False)
class Ref:
    """Marks a name that refers to a thing of one of `kinds` (declared somewhere).

    `Annotated[Ident, Ref(FIRM, SUPPLIER)]`: an id of a firm or a supplier. The
    message for a name that is none of them is `unknown {kind} {name}` (`{name} is
    neither a {kind} nor a ...` for several kinds) unless `unknown` says otherwise.
    """

    kinds: tuple[Kind, ...]
    unknown: str | None

    def __init__(self, *kinds: Kind, unknown: str | None = None) -> None:
        if not kinds:
            raise ValueError("a reference refers to at least one kind")
        object.__setattr__(self, "kinds", kinds)
        object.__setattr__(self, "unknown", unknown)

    def __repr__(self) -> str:
        return f"Ref({', '.join(k.name for k in self.kinds)})"


@dataclass(frozen=True)
class Declares:
    """Marks an id that declares a thing of `kind`.

    `unique_in`: `scenario` (no two things of the kind share an id), `list` (no two
    items of the list holding it: a good once per recipe) or None (may repeat: many
    firms declare the same sector). `duplicate` words a repeat ({name}, and {first}:
    the position of the first in its list); default `duplicate {kind} id {name}`.
    """

    kind: Kind
    unique_in: Literal["scenario", "list"] | None = "scenario"
    duplicate: str | None = None

    def __repr__(self) -> str:
        return f"Declares({self.kind.name})"


@dataclass(frozen=True)
class Context:
    """What a `Provides` hook may read beside the value of its own key."""

    scenario: Mapping[str, Any]
    """The whole scenario, as parsed (not yet validated)."""
    registry_rows: Mapping[int, Sequence[tuple[int, Mapping[str, Any]]]] = field(
        default_factory=dict
    )
    """Rows of each `registry` entry's CSV (line, fields), by entry."""


@dataclass(frozen=True)
class Provided:
    """Ids a section makes without writing them (one `generate` entry's firms)."""

    kind: Kind
    ids: Sequence[str]
    path: KeyPath
    """Where, below the key holding the `Provides`, the entry that makes them is."""
    clash: str | None = None
    """Said at `path` when some of `ids` are already taken by the kind (or a kind it
    must be distinct from), with {names}: the first few; None: not checked here."""


Hook = Callable[[Any, Context], Iterable[Provided]]


@dataclass(frozen=True, init=False)
class Provides:
    """Marks a section that makes ids of `kinds` nobody writes; `hook(value, context)`
    lists them, from the raw value of the key (anything: it must not fail on a
    malformed one). `doc` says where they come from in the key reference."""

    kinds: tuple[Kind, ...]
    hook: Hook
    doc: str

    def __init__(self, *kinds: Kind, hook: Hook, doc: str) -> None:
        object.__setattr__(self, "kinds", kinds)
        object.__setattr__(self, "hook", hook)
        object.__setattr__(self, "doc", doc)

    def __repr__(self) -> str:
        return f"Provides({', '.join(k.name for k in self.kinds)})"


# --- ids of generated firms ---------------------------------------------------------


def generated_ids(prefix: str, count: int) -> list[str]:
    """Ids of generated firms: `<prefix>0001` ... (zero-padded to at least 4 digits)."""
    width = max(4, len(str(count)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]


def scaled_counts(counts: list[int], firms: int | None) -> list[int]:
    """Generate counts rescaled so that they add up to `firms` (largest remainders).

    The `scale.firms` knob: one number sizes a synthetic city while keeping the
    mix of classes (benchmarks run the same city at 1,000 and 15,000 firms).
    """
    total = sum(counts)
    if firms is None or total == 0:
        return list(counts)
    exact = [c * firms / total for c in counts]
    out = [int(x) for x in exact]
    order = sorted(range(len(counts)), key=lambda k: (-(exact[k] - out[k]), k))
    for k in order[: firms - sum(out)]:
        out[k] += 1
    return out


def _whole(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def raw_counts(data: Any) -> dict[int, int] | None:
    """Firms each `generate` entry makes (after `scale.firms`), from raw data; None
    when a count is not a whole number yet (the schema reports it)."""
    seq = data.get("generate") if isinstance(data, dict) else None
    seq = seq if isinstance(seq, list) else []
    gens = [(i, g) for i, g in enumerate(seq) if isinstance(g, dict)]
    counts = [g.get("count") for _, g in gens]
    scale = data.get("scale") if isinstance(data, dict) else None
    target = scale.get("firms") if isinstance(scale, dict) else None
    if not all(_whole(c) for c in counts) or not (target is None or _whole(target)):
        return None
    whole = [int(c) for c in counts if c is not None]
    return dict(zip([i for i, _ in gens], scaled_counts(whole, target), strict=True))
