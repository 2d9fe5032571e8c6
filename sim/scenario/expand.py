"""From classes and CSV registries to concrete firms: the park the model runs.

A city of 15,000 firms fits in a page because `generate:` draws firms from class
distributions. Generation uses its own random streams derived from the
scenario seed (not the replication), so every replication and every policy
option sees the same park; each generate/registry entry has its own stream, so
adding a class does not redraw the firms of another.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.refs import generated_ids
from sim.scenario.schema import Enterprise, FirmClass, Scenario

GENERATE_STREAM = 0xA11CE
REGISTRY_STREAM = 0xB0B
LINKS_STREAM = 0x11E5

REGISTRY_COLUMNS = (
    "id",
    "name",
    "class",
    "sector",
    "region",
    "above_scale",
    "baseline_output",
    "staff",
    "migrant_share",
    "dorm_beds",
    "bus_seats",
    "closed_loop",
    "ramp_days",
    "tags",
    "initially_open",
)
"""Columns a firm registry CSV may have (`tags` separated by `;`)."""

MAX_REGISTRY_BYTES = 50_000_000


@dataclass(frozen=True)
class Park:
    """A validated scenario and every concrete firm in it, in a fixed order."""

    scenario: Scenario
    firms: tuple[Enterprise, ...]


@dataclass
class _Draft:
    fields: dict[str, Any]
    cls: FirmClass | None
    rng: np.random.Generator | None


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _from_class(cls: FirmClass, n: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Draw the attributes of `n` firms of a class (vectorised, fixed order of draws)."""
    assert cls.baseline_output is not None and cls.staff is not None
    above = rng.random(n) < cls.above_scale_share
    output = cls.baseline_output.sample(rng, n)
    staff = np.maximum(np.rint(cls.staff.sample(rng, n)), 0).astype(int)
    migrant = np.clip(cls.migrant_share.sample(rng, n), 0, 1)
    beds = np.rint(cls.dorm_beds_share.sample(rng, n) * staff).astype(int)
    seats = np.rint(cls.bus_seats_share.sample(rng, n) * staff).astype(int)
    closed = rng.random(n) < cls.closed_loop_share
    ramp = cls.ramp_days.sample(rng, n) if cls.ramp_days is not None else None
    tag_draws = {t: rng.random(n) < p for t, p in sorted(cls.tag_shares.items())}
    out = []
    for i in range(n):
        tags = list(cls.tags) + [t for t, hit in tag_draws.items() if hit[i] and t not in cls.tags]
        out.append(
            {
                "sector": cls.sector,
                "region": cls.region,
                "above_scale": bool(above[i]),
                "baseline_output": float(max(output[i], 1e-9)),
                "staff": int(staff[i]),
                "migrant_share": float(migrant[i]),
                "dorm_beds": int(beds[i]),
                "bus_seats": int(seats[i]),
                "closed_loop": bool(closed[i]),
                "ramp_days": None if ramp is None else float(ramp[i]),
                "tags": tags,
            }
        )
    return out


def _parse_bool(v: str) -> bool | str:
    low = v.strip().lower()
    if low in ("true", "yes", "1", "y"):
        return True
    if low in ("false", "no", "0", "n"):
        return False
    return v


def read_registry(path: Path, label: str) -> tuple[list[tuple[int, dict[str, Any]]], list[Problem]]:
    """Rows of a firm registry as raw field dicts with their line numbers, and any problems.

    Empty cells count as missing (the firm class fills them); `tags` is split on `;`.
    """
    problems: list[Problem] = []
    try:
        size = path.stat().st_size
    except OSError as e:
        return [], [Problem(f"cannot read firm registry: {e.strerror or e}", file=label)]
    if size > MAX_REGISTRY_BYTES:
        return [], [
            Problem(f"firm registry is {size} bytes; the limit is {MAX_REGISTRY_BYTES}", file=label)
        ]
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return [], [
            Problem(
                f"not UTF-8 text (byte {e.start}): save the spreadsheet as 'CSV UTF-8'", file=label
            )
        ]
    reader = csv.reader(text.splitlines())
    try:
        header = next(reader)
    except StopIteration:
        return [], [Problem("the firm registry is empty (no header row)", file=label)]
    except csv.Error as e:
        return [], [Problem(f"bad CSV: {e}", file=label, line=1)]
    header = [h.strip() for h in header]
    for col, h in enumerate(header, 1):
        if h not in REGISTRY_COLUMNS:
            problems.append(
                Problem(
                    f"unknown column '{h}'; allowed: {', '.join(REGISTRY_COLUMNS)}",
                    file=label,
                    line=1,
                    column=col,
                )
            )
    if "id" not in header:
        problems.append(Problem("the registry needs an `id` column", file=label, line=1))
    if len(set(header)) != len(header):
        problems.append(Problem("a column name appears twice", file=label, line=1))
    if problems:
        return [], problems
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        for line, row in enumerate(reader, 2):
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(header):
                problems.append(
                    Problem(f"{len(row)} cells for {len(header)} columns", file=label, line=line)
                )
                continue
            fields: dict[str, Any] = {}
            for h, cell in zip(header, row, strict=True):
                cell = cell.strip()
                if cell == "":
                    continue
                if h == "tags":
                    fields[h] = [t.strip() for t in cell.split(";") if t.strip()]
                elif h in ("above_scale", "closed_loop", "initially_open"):
                    fields[h] = _parse_bool(cell)
                else:
                    fields[h] = cell
            rows.append((line, fields))
    except csv.Error as e:
        problems.append(Problem(f"bad CSV: {e}", file=label, line=reader.line_num))
    return rows, problems


def registry_path(scenario_file: Path | None, file: str) -> Path:
    """A registry's CSV path, relative to the scenario file's folder."""
    base = scenario_file.parent if scenario_file is not None else Path.cwd()
    return (base / file).resolve()


def _links(park_firms: list[_Draft], suppliers: dict[str, float]) -> None:
    """Draw input links of class-made firms; candidates weighted by size (hubs emerge)."""
    ids = [str(d.fields.get("id")) for d in park_firms]
    index = {fid: i for i, fid in enumerate(ids)}
    size = np.array([float(d.fields.get("baseline_output") or 0) for d in park_firms])
    members: dict[str, list[int]] = {}
    for i, d in enumerate(park_firms):
        members.setdefault(str(d.fields.get("sector")), []).append(i)
    by_sector = {s: np.array(v, dtype=np.int64) for s, v in members.items()}
    empty = np.zeros(0, dtype=np.int64)
    for i, d in enumerate(park_firms):
        if d.cls is None or not d.cls.inputs:
            continue
        rng = d.rng
        assert rng is not None
        inputs = list(d.fields.get("inputs") or [])
        for rule in d.cls.inputs:
            k_draw = rule.links.sample(rng, 1)[0]
            per_output = rule.per_output.sample(rng, 1)[0]
            stock = rule.stock_days.sample(rng, 1)[0] if rule.stock_days is not None else None
            named = [s for s in rule.sources if s != ids[i]]
            named_w = [suppliers.get(s, size[index[s]] if s in index else 1.0) for s in named]
            sec = by_sector.get(rule.from_sector, empty) if rule.from_sector else empty
            w = np.concatenate([np.asarray(named_w, dtype=float), size[sec]])
            pos = int(np.searchsorted(sec, i))
            if pos < len(sec) and sec[pos] == i:
                w[len(named) + pos] = 0.0
            available = int(np.count_nonzero(w > 0))
            if available == 0:
                continue
            k = int(min(max(round(k_draw), 1), available))
            chosen = np.sort(rng.choice(len(w), size=k, replace=False, p=w / w.sum()))
            inputs.append(
                {
                    "good": rule.good,
                    "from": [
                        named[c] if c < len(named) else ids[sec[c - len(named)]] for c in chosen
                    ],
                    "per_output": float(per_output),
                    "criticality": rule.criticality,
                    "shortage_cut": rule.shortage_cut,
                    "stock_days": None if stock is None else float(stock),
                }
            )
        d.fields["inputs"] = inputs


def expand(scenario: Scenario, scenario_file: Path | None) -> Park:
    """Concrete firms: listed ones, then generated ones, then registry rows, in file order."""
    problems: list[Problem] = []
    drafts: list[_Draft] = [
        _Draft(e.model_dump(by_alias=True, exclude_none=True), None, None)
        for e in scenario.enterprises
    ]
    listed = len(drafts)
    for gi, g in enumerate(scenario.generate):
        cls = scenario.firm_classes[g.firm_class]
        missing = [
            f for f in ("sector", "region", "baseline_output", "staff") if getattr(cls, f) is None
        ]
        if missing:
            problems.append(
                Problem(
                    f"class '{g.firm_class}' used by generate[{gi}] lacks {', '.join(missing)}",
                    path=("firm_classes", g.firm_class),
                )
            )
            continue
        rng = _rng(scenario.seed, GENERATE_STREAM, gi)
        ids = generated_ids(g.id_prefix or g.firm_class, g.count)
        for fid, fields in zip(ids, _from_class(cls, g.count, rng), strict=True):
            fields["id"] = fid
            drafts.append(_Draft(fields, cls, rng))
    reg_meta: list[tuple[str, int]] = []
    for ri, reg in enumerate(scenario.registry):
        path = registry_path(scenario_file, reg.file)
        label = reg.file
        rows, probs = read_registry(path, label)
        problems.extend(probs)
        rng = _rng(scenario.seed, REGISTRY_STREAM, ri)
        for line, fields in rows:
            cname = fields.pop("class", None) or reg.firm_class
            cls = None
            if cname is not None:
                cls = scenario.firm_classes.get(cname)
                if cls is None:
                    problems.append(
                        Problem(
                            f"unknown firm class '{cname}'", file=label, line=line, path=("class",)
                        )
                    )
                    continue
                if cls.baseline_output is not None and cls.staff is not None:
                    defaults = _from_class(cls, 1, rng)[0]
                else:
                    defaults = {"sector": cls.sector, "region": cls.region, "tags": cls.tags}
                defaults = {k: v for k, v in defaults.items() if v is not None}
                fields = {**defaults, **fields}
            drafts.append(_Draft(fields, cls, rng))
            reg_meta.append((label, line))
    if problems:
        raise ScenarioError(problems)
    suppliers = {s.id: s.capacity for s in scenario.suppliers}
    _links(drafts, suppliers)

    firms: list[Enterprise] = []
    seen: dict[str, int] = {}
    for i, d in enumerate(drafts):
        where: dict[str, Any] = {}
        if i >= listed + sum(g.count for g in scenario.generate):
            label, line = reg_meta[i - listed - sum(g.count for g in scenario.generate)]
            where = {"file": label, "line": line}
        try:
            firm = Enterprise.model_validate(d.fields)
        except ValidationError as e:
            for err in e.errors():
                loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
                problems.append(
                    Problem(f"{err['msg']} (found {err.get('input')!r})", path=loc, **where)
                )
            continue
        if firm.id in seen:
            problems.append(
                Problem(
                    f"duplicate firm id '{firm.id}' (generated or registry "
                    "firm clashes with another firm)",
                    path=("id",),
                    **where,
                )
            )
        seen[firm.id] = i
        firms.append(firm)
    supplier_ids = set(suppliers)
    regions = {r.id for r in scenario.regions}
    for f in firms[listed:]:
        if f.region not in regions:
            problems.append(Problem(f"firm '{f.id}': unknown region '{f.region}'"))
        for inp in f.inputs:
            for s in inp.sources:
                if s not in seen and s not in supplier_ids:
                    problems.append(Problem(f"firm '{f.id}': input from unknown '{s}'"))
    if problems:
        raise ScenarioError(problems)
    return Park(scenario=scenario, firms=tuple(firms))
