"""Cross-references between sections: every name a scenario uses must exist.

Runs on the raw (parsed but not yet validated) data and tolerates anything
malformed, so that a dangling `from:` is reported in the same message as a
typo'd key or a share of 1.5 that the schema rejects.

Every field that names something (a region, control level, tag, sector, firm,
supplier or firm class) is checked by one helper, `Names.check`, which says
what is known and suggests the closest name; every list of items with ids
(regions, suppliers, firms, stations, relief measures, white-list batches) is
checked for repeats by `Names.define`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from sim.scenario.errors import KeyPath, Problem, shown
from sim.scenario.schema import KNOWN_TAGS, default_levels

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


def _items(data: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    seq = data.get(key) if isinstance(data, dict) else None
    if not isinstance(seq, list):
        return []
    return [(i, x) for i, x in enumerate(seq) if isinstance(x, dict)]


def _strs(v: Any) -> list[tuple[int | None, str]]:
    if isinstance(v, str):
        return [(None, v)]
    if isinstance(v, list):
        return [(i, x) for i, x in enumerate(v) if isinstance(x, str)]
    return []


def _is_str(item: dict[str, Any], key: str) -> bool:
    return isinstance(item.get(key), str)


def suggestion(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {shown(close[0])}?)" if close else ""


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


def raw_counts(data: Any) -> dict[int, int] | None:
    """Firms each `generate` entry makes (after `scale.firms`), from raw data; None
    when a count is not a whole number yet (the schema reports it)."""
    gens = _items(data, "generate")
    counts = [g.get("count") for _, g in gens]
    scale = data.get("scale") if isinstance(data, dict) else None
    target = scale.get("firms") if isinstance(scale, dict) else None
    whole = all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts)
    if not whole or not (
        target is None or (isinstance(target, int) and not isinstance(target, bool) and target >= 0)
    ):
        return None
    return dict(zip([i for i, _ in gens], scaled_counts(counts, target), strict=True))  # type: ignore[arg-type]


class Names:
    """Checks names against what a scenario defines, collecting located problems."""

    def __init__(self, locate: Locate) -> None:
        self.locate = locate
        self.problems: list[Problem] = []
        self.hints = 0
        self._pools: dict[int, dict[str, list[str]]] = {}
        self._sorted: dict[int, list[str]] = {}

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

    def check(
        self,
        path: KeyPath,
        value: Any,
        known: Collection[str],
        kind: str,
        *,
        unknown: str = "unknown {kind} {name}",
        listed: str = "",
        note: str = "",
        self_id: str | None = None,
    ) -> None:
        """Every name in `value` (one text or a list of texts, at `path`) must be in `known`.

        The message is `unknown` (with {kind} and {name}), a suggestion, then
        `listed` followed by the known names when `listed` is given, then `note`.
        `self_id` is a firm's own id, which its inputs may not name.
        """
        for k, name in _strs(value):
            p = path if k is None else (*path, k)
            if self_id is not None and name == self_id:
                self.bad(p, f"firm {shown(name)} cannot supply itself")
                continue
            if name in known:
                continue
            message = unknown.format(kind=kind, name=shown(name)) + self.hint(name, known)
            if listed:
                message += f"; {listed}: {self.listing(known)}"
            self.bad(p, message + note)

    def define(
        self, items: Sequence[tuple[int, dict[str, Any]]], base: KeyPath, kind: str
    ) -> list[str]:
        """The ids of `items` (at `base`), reporting each id given twice."""
        ids: list[str] = []
        seen: set[str] = set()
        for i, item in items:
            ident = item.get("id")
            if isinstance(ident, str):
                if ident in seen:
                    self.bad((*base, i, "id"), f"duplicate {kind} id {shown(ident)}")
                seen.add(ident)
                ids.append(ident)
        return ids


def check_references(
    data: Any,
    locate: Locate,
    registry_ids: Mapping[int, Sequence[str]] | None = None,
    registry_sectors: Iterable[str] = (),
) -> list[Problem]:
    """All dangling or duplicate names in a raw scenario mapping.

    `locate(path, message)` turns a key path into a located Problem;
    `registry_ids` maps each `registry` entry's index to the firm ids its CSV
    holds, and `registry_sectors` are the sectors its rows name.
    """
    if not isinstance(data, dict):
        return []
    names = Names(locate)
    bad = names.bad

    levels = data.get("control_levels")
    level_names = set(levels) if isinstance(levels, dict) else set(default_levels())
    extra = {t for _, t in _strs(data.get("extra_tags"))}
    tags = set(KNOWN_TAGS) | extra

    def check_level(path: KeyPath, name: Any) -> None:
        names.check(path, name, level_names, "control level", listed="defined")

    def check_tags(path: KeyPath, v: Any) -> None:
        names.check(
            path, v, tags, "tag", listed="known tags", note=" (declare new ones in `extra_tags`)"
        )

    # ids, and duplicates among them
    regions = set(names.define(_items(data, "regions"), ("regions",), "region"))
    for i, r in _items(data, "regions"):
        for j, ch in _items(r, "timeline"):
            check_level(("regions", i, "timeline", j, "level"), ch.get("level"))

    suppliers = set(names.define(_items(data, "suppliers"), ("suppliers",), "supplier"))
    firm_ids: set[str] = set()
    for i, e in _items(data, "enterprises"):
        fid = e.get("id")
        if isinstance(fid, str):
            if fid in firm_ids:
                bad(("enterprises", i, "id"), f"duplicate firm id {shown(fid)}")
            elif fid in suppliers:
                bad(("enterprises", i, "id"), f"firm id {shown(fid)} is also a supplier id")
            firm_ids.add(fid)

    classes = data.get("firm_classes")
    class_names = set(classes) if isinstance(classes, dict) else set()
    # only text can be a sector name (a malformed one is the schema's to report)
    sectors = {e.get("sector") for _, e in _items(data, "enterprises") if _is_str(e, "sector")}
    if isinstance(classes, dict):
        sectors |= {
            c.get("sector")
            for c in classes.values()
            if isinstance(c, dict) and _is_str(c, "sector")
        }
    sectors |= set(registry_sectors)
    gens = _items(data, "generate")
    counts = raw_counts(data) or {i: g.get("count") for i, g in gens}
    for i, g in gens:
        names.check(("generate", i, "class"), g.get("class"), class_names, "firm class")
        prefix = g.get("id_prefix", g.get("class"))
        count = counts.get(i)
        if isinstance(prefix, str) and isinstance(count, int) and 0 <= count <= 1_000_000:
            ids = generated_ids(prefix, count)
            taken = [x for x in ids if x in firm_ids or x in suppliers]
            if taken:
                more = f" and {len(taken) - 3} more" if len(taken) > 3 else ""
                bad(
                    ("generate", i),
                    f"makes firm ids already used by another firm or supplier: "
                    f"{', '.join(taken[:3])}{more}; give it a different `id_prefix`",
                )
            firm_ids.update(ids)
    for i, reg in _items(data, "registry"):
        names.check(("registry", i, "class"), reg.get("class"), class_names, "firm class")
        firm_ids.update((registry_ids or {}).get(i, []))
    sources = firm_ids | suppliers
    neither = "{name} is neither a firm nor a supplier"

    def check_inputs(base: KeyPath, inputs: list[tuple[int, dict[str, Any]]], me: Any) -> None:
        goods: dict[str, int] = {}
        for j, inp in inputs:
            good = inp.get("good")
            if isinstance(good, str):
                if good in goods:
                    bad(
                        (*base, j, "good"),
                        f"good {shown(good)} is already input {goods[good]} of this "
                        "recipe; give each good once (one line can have several `from`)",
                    )
                goods.setdefault(good, j)
            me_id = me if isinstance(me, str) else None
            for key in ("from", "alternative"):
                path = (*base, j, key)
                names.check(path, inp.get(key), sources, "", unknown=neither, self_id=me_id)

    for i, e in _items(data, "enterprises"):
        names.check(("enterprises", i, "region"), e.get("region"), regions, "region")
        check_tags(("enterprises", i, "tags"), e.get("tags"))
        check_inputs(("enterprises", i, "inputs"), _items(e, "inputs"), e.get("id"))
    for i, s in _items(data, "suppliers"):
        names.check(("suppliers", i, "region"), s.get("region"), regions, "region")
    if isinstance(classes, dict):
        for cname, c in classes.items():
            if not isinstance(c, dict):
                continue
            base: KeyPath = ("firm_classes", cname)
            names.check((*base, "region"), c.get("region"), regions, "region")
            check_tags((*base, "tags"), c.get("tags"))
            tag_shares = c.get("tag_shares")
            if isinstance(tag_shares, dict):
                check_tags((*base, "tag_shares"), list(tag_shares))
            rules = _items(c, "inputs")
            check_inputs((*base, "inputs"), rules, None)
            for j, rule in rules:
                names.check(
                    (*base, "inputs", j, "from_sector"),
                    rule.get("from_sector"),
                    sectors,
                    "sector",
                    unknown="no firm, class or registry row has sector {name}",
                )

    def check_sectors(path: KeyPath, v: Any) -> None:
        names.check(path, v, sectors, "sector", listed="sectors")

    def check_firms(path: KeyPath, v: Any) -> None:
        names.check(path, v, firm_ids, "firm")

    reop = data.get("reopening")
    if isinstance(reop, dict):
        check_tags(("reopening", "priority"), reop.get("priority"))
        liaison = reop.get("liaison")
        if isinstance(liaison, dict):
            check_tags(("reopening", "liaison", "tags"), liaison.get("tags"))
        batches = _items(reop, "whitelists")
        names.define(batches, ("reopening", "whitelists"), "white-list batch")
        for i, b in batches:
            base = ("reopening", "whitelists", i)
            check_firms((*base, "firms"), b.get("firms"))
            check_tags((*base, "tags"), b.get("tags"))
            check_sectors((*base, "sectors"), b.get("sectors"))
    outb = data.get("outbreaks")
    if isinstance(outb, dict) and isinstance(outb.get("raise_level"), dict):
        check_level(("outbreaks", "raise_level", "level"), outb["raise_level"].get("level"))

    logi = data.get("logistics")
    if isinstance(logi, dict):
        stations = _items(logi, "transfer_stations")
        names.define(stations, ("logistics", "transfer_stations"), "station")
        for i, st in stations:
            base = ("logistics", "transfer_stations", i)
            names.check((*base, "serves"), st.get("serves"), regions, "region")
            check_firms((*base, "partner_for"), st.get("partner_for"))
        for i, grant in _items(logi, "grants"):
            check_firms(("logistics", "grants", i, "firms"), grant.get("firms"))
    supply = data.get("supply")
    coord = supply.get("coordination") if isinstance(supply, dict) else None
    if isinstance(coord, dict):
        path = ("supply", "coordination", "suppliers")
        names.check(path, coord.get("suppliers"), suppliers, "supplier")
    fin = data.get("finance")
    relief = fin.get("relief") if isinstance(fin, dict) else None
    if isinstance(relief, dict):
        measures = _items(relief, "measures")
        names.define(measures, ("finance", "relief", "measures"), "relief measure")
        for i, m in measures:
            elig = m.get("eligible")
            if isinstance(elig, dict):
                base = ("finance", "relief", "measures", i, "eligible")
                check_tags((*base, "tags"), elig.get("tags"))
                check_sectors((*base, "sectors"), elig.get("sectors"))
    return names.problems
