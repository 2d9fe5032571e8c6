"""Cross-references between sections: every id a scenario names must exist.

Runs on the raw (parsed but not yet validated) data and tolerates anything
malformed, so that a dangling `from:` is reported in the same message as a
typo'd key or a share of 1.5 that the schema rejects.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Any

from sim.scenario.errors import KeyPath, Problem
from sim.scenario.schema import KNOWN_TAGS, default_levels

Locate = Callable[[KeyPath, str], Problem]


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


def _hint(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


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


def check_references(
    data: Any, locate: Locate, registry_ids: dict[int, list[str]] | None = None
) -> list[Problem]:
    """All dangling or duplicate ids in a raw scenario mapping.

    `locate(path, message)` turns a key path into a located Problem;
    `registry_ids` maps each `registry` entry's index to the firm ids its CSV holds.
    """
    if not isinstance(data, dict):
        return []
    problems: list[Problem] = []

    def bad(path: KeyPath, msg: str) -> None:
        problems.append(locate(path, msg))

    levels = data.get("control_levels")
    level_names = set(levels) if isinstance(levels, dict) else set(default_levels())
    extra = {t for _, t in _strs(data.get("extra_tags"))}
    tags = set(KNOWN_TAGS) | extra

    def check_level(path: KeyPath, name: Any) -> None:
        if isinstance(name, str) and name not in level_names:
            bad(
                path,
                f"unknown control level '{name}'{_hint(name, level_names)}; "
                f"defined: {', '.join(sorted(level_names))}",
            )

    def check_tags(path: KeyPath, v: Any) -> None:
        for i, t in _strs(v):
            if t not in tags:
                p = path if i is None else (*path, i)
                bad(
                    p,
                    f"unknown tag '{t}'{_hint(t, tags)}; known tags: "
                    f"{', '.join(sorted(tags))} (declare new ones in `extra_tags`)",
                )

    # ids, and duplicates among them
    regions: set[str] = set()
    for i, r in _items(data, "regions"):
        rid = r.get("id")
        if isinstance(rid, str):
            if rid in regions:
                bad(("regions", i, "id"), f"duplicate region id '{rid}'")
            regions.add(rid)
        for j, ch in _items(r, "timeline"):
            check_level(("regions", i, "timeline", j, "level"), ch.get("level"))

    firm_ids: set[str] = set()
    suppliers: set[str] = set()
    for i, s in _items(data, "suppliers"):
        sid = s.get("id")
        if isinstance(sid, str):
            if sid in suppliers:
                bad(("suppliers", i, "id"), f"duplicate supplier id '{sid}'")
            suppliers.add(sid)
    for i, e in _items(data, "enterprises"):
        fid = e.get("id")
        if isinstance(fid, str):
            if fid in firm_ids:
                bad(("enterprises", i, "id"), f"duplicate firm id '{fid}'")
            elif fid in suppliers:
                bad(("enterprises", i, "id"), f"firm id '{fid}' is also a supplier id")
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
    gens = _items(data, "generate")
    raw_counts = [g.get("count") for _, g in gens]
    scale = data.get("scale")
    target = scale.get("firms") if isinstance(scale, dict) else None
    if all(isinstance(c, int) and c >= 0 for c in raw_counts) and (
        target is None or (isinstance(target, int) and target >= 0)
    ):
        counts = dict(zip([i for i, _ in gens], scaled_counts(raw_counts, target), strict=True))
    else:
        counts = {i: g.get("count") for i, g in gens}
    for i, g in gens:
        cname = g.get("class")
        if isinstance(cname, str) and cname not in class_names:
            bad(
                ("generate", i, "class"), f"unknown firm class '{cname}'{_hint(cname, class_names)}"
            )
        prefix = g.get("id_prefix", cname)
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
        cname = reg.get("class")
        if isinstance(cname, str) and cname not in class_names:
            bad(
                ("registry", i, "class"), f"unknown firm class '{cname}'{_hint(cname, class_names)}"
            )
        firm_ids.update((registry_ids or {}).get(i, []))
    sources = firm_ids | suppliers

    for i, e in _items(data, "enterprises"):
        region = e.get("region")
        if isinstance(region, str) and region not in regions:
            bad(("enterprises", i, "region"), f"unknown region '{region}'{_hint(region, regions)}")
        check_tags(("enterprises", i, "tags"), e.get("tags"))
        for j, inp in _items(e, "inputs"):
            for k, src in _strs(inp.get("from")):
                path: KeyPath = ("enterprises", i, "inputs", j, "from")
                path = path if k is None else (*path, k)
                if src == e.get("id"):
                    bad(path, f"firm '{src}' cannot supply itself")
                elif src not in sources:
                    bad(path, f"'{src}' is neither a firm nor a supplier{_hint(src, sources)}")
            alt = inp.get("alternative")
            if isinstance(alt, str):
                path = ("enterprises", i, "inputs", j, "alternative")
                if alt == e.get("id"):
                    bad(path, f"firm '{alt}' cannot supply itself")
                elif alt not in sources:
                    bad(path, f"'{alt}' is neither a firm nor a supplier{_hint(alt, sources)}")
    for i, s in _items(data, "suppliers"):
        region = s.get("region")
        if isinstance(region, str) and region not in regions:
            bad(("suppliers", i, "region"), f"unknown region '{region}'{_hint(region, regions)}")
    if isinstance(classes, dict):
        for cname, c in classes.items():
            if not isinstance(c, dict):
                continue
            base: KeyPath = ("firm_classes", cname)
            region = c.get("region")
            if isinstance(region, str) and region not in regions:
                bad((*base, "region"), f"unknown region '{region}'{_hint(region, regions)}")
            check_tags((*base, "tags"), c.get("tags"))
            tag_shares = c.get("tag_shares")
            if isinstance(tag_shares, dict):
                check_tags((*base, "tag_shares"), list(tag_shares))
            for j, rule in _items(c, "inputs"):
                for k, src in _strs(rule.get("from")):
                    path = (*base, "inputs", j, "from")
                    path = path if k is None else (*path, k)
                    if src not in sources:
                        bad(path, f"'{src}' is neither a firm nor a supplier{_hint(src, sources)}")
                sec = rule.get("from_sector")
                if isinstance(sec, str) and sec not in sectors:
                    known = sorted(s for s in sectors if isinstance(s, str))
                    bad(
                        (*base, "inputs", j, "from_sector"),
                        f"no firm or class has sector '{sec}'{_hint(sec, known)}",
                    )

    reop = data.get("reopening")
    if isinstance(reop, dict):
        check_tags(("reopening", "priority"), reop.get("priority"))
        liaison = reop.get("liaison")
        if isinstance(liaison, dict):
            check_tags(("reopening", "liaison", "tags"), liaison.get("tags"))
        for i, b in _items(reop, "whitelists"):
            base = ("reopening", "whitelists", i)
            for k, fid in _strs(b.get("firms")):
                if fid not in firm_ids:
                    p = (*base, "firms") if k is None else (*base, "firms", k)
                    bad(p, f"unknown firm '{fid}'{_hint(fid, firm_ids)}")
            check_tags((*base, "tags"), b.get("tags"))
    outb = data.get("outbreaks")
    if isinstance(outb, dict) and isinstance(outb.get("raise_level"), dict):
        check_level(("outbreaks", "raise_level", "level"), outb["raise_level"].get("level"))

    def check_firms(path: KeyPath, v: Any) -> None:
        for k, fid in _strs(v):
            if fid not in firm_ids:
                p = path if k is None else (*path, k)
                bad(p, f"unknown firm '{fid}'{_hint(fid, firm_ids)}")

    logi = data.get("logistics")
    if isinstance(logi, dict):
        station_ids: set[str] = set()
        for i, st in _items(logi, "transfer_stations"):
            base = ("logistics", "transfer_stations", i)
            sid = st.get("id")
            if isinstance(sid, str):
                if sid in station_ids:
                    bad((*base, "id"), f"duplicate station id '{sid}'")
                station_ids.add(sid)
            for k, rid in _strs(st.get("serves")):
                if rid not in regions:
                    p = (*base, "serves") if k is None else (*base, "serves", k)
                    bad(p, f"unknown region '{rid}'{_hint(rid, regions)}")
            check_firms((*base, "partner_for"), st.get("partner_for"))
        for i, grant in _items(logi, "grants"):
            check_firms(("logistics", "grants", i, "firms"), grant.get("firms"))
    supply = data.get("supply")
    coord = supply.get("coordination") if isinstance(supply, dict) else None
    if isinstance(coord, dict):
        for k, sid in _strs(coord.get("suppliers")):
            if sid not in suppliers:
                p = ("supply", "coordination", "suppliers")
                p = p if k is None else (*p, k)
                bad(p, f"unknown supplier '{sid}'{_hint(sid, suppliers)}")
    return problems
