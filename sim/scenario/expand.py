"""From classes and registries (firm ledgers) to concrete firms: the park the model runs.

A city of 15,000 firms fits in a page because `generate:` draws firms from class
distributions. Generation uses its own random streams derived from the
scenario seed (not the replication), so every replication and every policy
option sees the same park. Each generate entry (named by its id prefix) and each
registry (by its file's name) has one stream per attribute, per tag share and per
aspect of each input rule (`EntryStreams`): an overlay that changes how one
attribute of one class is drawn, or adds a class, redraws nothing else. Only
input links, drawn among a sector's firms weighted by size, see the sizes of
the firms they may pick. In a region, `from_parks` narrows those firms (same
streams), and `same_park_share` draws from three streams of its own (`:same_park`,
`:sources:own_park`, `:sources:other_parks`), so a rule without it, and every
scenario without parks, draws exactly as before.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.scenario.errors import KeyPath, Problem, ScenarioError, pydantic_message, shown
from sim.scenario.ids import generated_ids, scaled_counts
from sim.scenario.ledger import Column, Ledger, LedgerOptions, is_workbook, read_ledger
from sim.scenario.refs import Checker, declared, ref_of
from sim.scenario.sampling import WeightedPool, name_key
from sim.scenario.schema import (
    DRAWN,
    REGION,
    TAG,
    Enterprise,
    FirmClass,
    InputRule,
    Registry,
    Scenario,
)

GENERATION_KEY = 1 << 40
"""First spawn key of every generation stream. A model stream's first key is its
replication number (at most 1,000,000), so no model stream can equal one."""

STAFF_DRAW_MAX = 10**12
"""Drawn headcounts are clipped here (above the schema's maximum, so still refused)."""


@dataclass(frozen=True)
class Park:
    """A validated scenario and every concrete firm in it, in a fixed order."""

    scenario: Scenario
    firms: tuple[Enterprise, ...]
    warnings: tuple[Problem, ...] = ()
    """What the loader found legal but probably not meant (`load.print_warnings`)."""
    loaded_from: tuple[Path, ...] = ()
    """The scenario file, then the overlays merged onto it in order, as `load.load_scenario`
    read them (empty for a park made otherwise): what a run folder copies into `inputs/`."""


@dataclass
class _Draft:
    fields: dict[str, Any]
    cls: FirmClass | None
    streams: EntryStreams | None
    path: KeyPath = ()
    """Where the firm is written in the scenario (listed or generated firms)."""
    file: str | None = None
    """The registry file of a registry firm, with its `line` (or row of `sheet`)."""
    line: int | None = None
    sheet: str | None = None
    columns: dict[str, Column] = field(default_factory=dict)
    """The registry's column of each field (problems name it)."""

    def problem(self, message: str, key: str | int | None = None) -> Problem:
        """A problem with this firm, located at its registry row (and the column of
        `key`) or its scenario entry."""
        if self.file is not None:
            col = self.columns.get(key) if isinstance(key, str) else None
            path: KeyPath = () if key is None else (key,) if col is None else (col.header,)
            column = None if col is None else col.number
            return Problem(message, path, self.file, self.line, column, self.sheet)
        if self.path and self.path[0] == "enterprises":
            return Problem(message, path=self.path if key is None else (*self.path, key))
        fid = self.fields.get("id")
        where = f"firm '{fid}'" + ("" if key is None else f" {key}")
        return Problem(f"{where}: {message}", path=self.path)


class EntryStreams:
    """The generation streams of one generate entry or registry: one per name.

    A stream is `SeedSequence(seed, spawn_key=(GENERATION_KEY, name_key(entry),
    name_key(name)))`, made when first asked for and then drawn from in firm order,
    so the k-th firm of an entry gets the k-th draw of each of its attributes
    whatever the other attributes' distributions are.
    """

    def __init__(self, seed: int, entry: str) -> None:
        self.seed = seed
        self.entry = name_key(entry)
        self._made: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        rng = self._made.get(name)
        if rng is None:
            key = (GENERATION_KEY, self.entry, name_key(name))
            rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))
            self._made[name] = rng
        return rng


def generate_entry(prefix: str) -> str:
    """Stream name of a generate entry: its id prefix (unique, as its firms' ids are)."""
    return f"generate:{prefix}"


def registry_entries(files: list[str]) -> list[str]:
    """Stream name of each registry: its file's name without the folder (the resolved
    scenario names the copy in its folder, and a project may move), then how many
    registries of the same name come before it. A workbook is named as the CSV file
    of its stem (`park.xlsx` as `park.csv`), so that a ledger and the CSV saved from
    it make the same park."""
    seen: dict[str, int] = {}
    out = []
    for file in files:
        name = file.replace("\\", "/").rsplit("/", 1)[-1]
        if is_workbook(name):
            name = name.rsplit(".", 1)[0] + ".csv"
        n = seen.get(name, 0)
        seen[name] = n + 1
        out.append(f"registry:{name}:{n}")
    return out


def rule_names(rules: list[InputRule]) -> list[str]:
    """Stream name of each input rule of a class: its good and how many rules of
    that good come before it, so adding a rule for another good moves no other."""
    seen: dict[str, int] = {}
    out = []
    for rule in rules:
        n = seen.get(rule.good, 0)
        seen[rule.good] = n + 1
        out.append(f"input:{rule.good}:{n}")
    return out


def _from_class(
    cls: FirmClass, n: int, streams: EntryStreams, staff: np.ndarray | None = None
) -> list[dict[str, Any]]:
    """Draw the attributes of `n` firms of a class (vectorised), each attribute from
    its own stream of the entry (`EntryStreams`).

    `staff` (a registry row's headcount) replaces the drawn one, so that beds and
    bus seats are the class's shares of the firm's real staff (the class's draw is
    still made, so the next row gets the next draw). A class without
    `baseline_output` or `staff` leaves them out (None).
    """
    above = streams("above_scale").random(n) < cls.above_scale_share
    output = (
        cls.baseline_output.sample(streams("baseline_output"), n)
        if cls.baseline_output is not None
        else None
    )
    if cls.staff is not None:
        # clipped before the cast: a draw beyond int64 would wrap round to a negative
        # headcount, and the firm's check must say "too many", not "below 0"
        drawn = np.rint(cls.staff.sample(streams("staff"), n))
        drawn = np.clip(drawn, 0, STAFF_DRAW_MAX).astype(int)
        staff = drawn if staff is None else staff
    migrant = np.clip(cls.migrant_share.sample(streams("migrant_share"), n), 0, 1)
    beds_share = cls.dorm_beds_share.sample(streams("dorm_beds_share"), n)
    seats_share = cls.bus_seats_share.sample(streams("bus_seats_share"), n)
    beds = None if staff is None else np.rint(beds_share * staff).astype(int)
    seats = None if staff is None else np.rint(seats_share * staff).astype(int)
    closed = streams("closed_loop").random(n) < cls.closed_loop_share
    ramp = cls.ramp_days.sample(streams("ramp_days"), n) if cls.ramp_days is not None else None
    tag_draws = {t: streams(f"tag:{t}").random(n) < p for t, p in sorted(cls.tag_shares.items())}
    cash = cls.cash_days.sample(streams("cash_days"), n) if cls.cash_days is not None else None
    out = []
    for i in range(n):
        tags = list(cls.tags) + [t for t, hit in tag_draws.items() if hit[i] and t not in cls.tags]
        out.append(
            {
                "sector": cls.sector,
                "region": cls.region,
                "above_scale": bool(above[i]),
                "baseline_output": None if output is None else float(max(output[i], 1e-9)),
                "staff": None if staff is None else int(staff[i]),
                "migrant_share": float(migrant[i]),
                "dorm_beds": None if beds is None else int(beds[i]),
                "bus_seats": None if seats is None else int(seats[i]),
                "closed_loop": bool(closed[i]),
                "ramp_days": None if ramp is None else float(ramp[i]),
                "tags": tags,
                "cash_days": None if cash is None else float(cash[i]),
            }
        )
    return out


def _number(v: Any) -> float | None:
    """A finite number from a raw (CSV) value, or None when it is not one."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _row_staff(fields: dict[str, Any]) -> np.ndarray | None:
    """A registry row's headcount as a one-element array, when the cell holds one."""
    x = _number(fields.get("staff"))
    return np.array([int(x)]) if x is not None and x >= 0 and x == int(x) else None


def ledger_options(reg: Registry) -> LedgerOptions:
    """How to read a registry's file, from its entry."""
    return LedgerOptions(
        sheet=reg.sheet,
        encoding=reg.encoding,
        header_row=reg.header_row,
        columns=reg.columns,
        industries=reg.industries,
        output_per=reg.output_per,
    )


def registry_path(scenario_file: Path | None, file: str) -> Path:
    """A registry's file path, relative to the scenario file's folder."""
    base = scenario_file.parent if scenario_file is not None else Path.cwd()
    return (base / file).resolve()


def registry_label(scenario_file: Path | None, file: str) -> str:
    """How problems name a registry file: next to the scenario file, as the planner named it."""
    return file if scenario_file is None else str(scenario_file.parent / file)


@dataclass(frozen=True)
class _Sector:
    """Candidates for sources: a sector's firms (of some parks), in firm order, with their
    positions and their pool weighted by size."""

    firms: list[int]
    position: dict[int, int]
    pool: WeightedPool

    def excluded(self, firms: Iterable[int]) -> list[int]:
        """Positions of those of `firms` that are candidates here."""
        pos = self.position
        return [pos[j] for j in firms if j in pos]

    def available(self, excluded: list[int], named_w: Sequence[float] = ()) -> int:
        """Candidates with a weight: named ones, then the pool's without the excluded."""
        w = self.pool.weights
        return (
            sum(1 for x in named_w if x > 0)
            + self.pool.positive
            - len({p for p in excluded if w[p] > 0})
        )


_NONE = _Sector([], {}, WeightedPool(np.zeros(0)))


class _Candidates:
    """The firms of each sector with their pool weighted by size, also among the firms of
    some parks only (each made when first asked for)."""

    def __init__(self, park_firms: list[_Draft], park_of: np.ndarray | None) -> None:
        # a bad registry cell is reported later, when the firm is validated; here it weighs 0
        self.size = np.array(
            [max(_number(d.fields.get("baseline_output")) or 0.0, 0.0) for d in park_firms]
        )
        members: dict[str, list[int]] = {}
        for i, d in enumerate(park_firms):
            members.setdefault(str(d.fields.get("sector")), []).append(i)
        self.by_sector = members
        self.park_of = park_of
        self._made: dict[tuple[str, frozenset[int] | None], _Sector] = {}

    def __call__(self, sector: str | None, parks: frozenset[int] | None = None) -> _Sector:
        """The firms of `sector` (of these parks only, unless None)."""
        if not sector:
            return _NONE
        key = (sector, parks)
        made = self._made.get(key)
        if made is None:
            firms = self.by_sector.get(sector, [])
            if parks is not None and self.park_of is not None and firms:
                sec = np.array(firms, dtype=np.int64)
                firms = sec[np.isin(self.park_of[sec], sorted(parks))].tolist()
            if firms:
                pool = WeightedPool(self.size[np.array(firms, dtype=np.int64)])
                made = _Sector(firms, {f: p for p, f in enumerate(firms)}, pool)
            else:
                made = _NONE
            self._made[key] = made
        return made


def park_of_firms(scenario: Scenario, park_firms: list[_Draft]) -> np.ndarray | None:
    """Each firm's park (its index in `parks`, by its region; -1 for a region of no park,
    which is reported later), or None without parks."""
    if not scenario.parks:
        return None
    zone = {z: k for k, p in enumerate(scenario.parks) for z in p.zones}
    return np.array([zone.get(str(d.fields.get("region")), -1) for d in park_firms], np.int64)


_RuleDraw = tuple[list[float], list[float], list[float] | None]


def _rule_draws(rule: InputRule, name: str, streams: EntryStreams, n: int) -> _RuleDraw:
    """The `links`, `per_output` and `stock_days` draws of `n` firms in a row for one rule,
    each from its stream: the k-th firm gets the k-th draw, as one draw per firm would
    give it (numpy draws an array element by element)."""
    links = rule.links.sample(streams(f"{name}:links"), n).tolist()
    per_output = rule.per_output.sample(streams(f"{name}:per_output"), n).tolist()
    stock = (
        rule.stock_days.sample(streams(f"{name}:stock_days"), n).tolist()
        if rule.stock_days is not None
        else None
    )
    return links, per_output, stock


@dataclass(frozen=True)
class _Plan:
    """What every firm of a class shares in drawing one input rule's sources."""

    cname: str
    named: list[str]
    """The rule's named `from` sources, once each."""
    named_set: frozenset[str]
    allowed: frozenset[int] | None
    """The parks of `from_parks` (None: every park)."""
    sector_firms: int
    """Firms of `from_sector` in the whole region."""
    problem: Problem | None
    """Why the rule cannot be met (then it draws nothing)."""


def _plan(
    rule: InputRule,
    j: int,
    cname: str,
    candidates: _Candidates,
    park_index: dict[str, int],
    park_of: np.ndarray | None,
) -> _Plan:
    """The plan of rule `j` of class `cname`."""
    named = list(dict.fromkeys(rule.sources))
    allowed = (
        frozenset(park_index[p] for p in rule.from_parks if p in park_index)
        if rule.from_parks and park_of is not None
        else None
    )
    # a sector with no firm at all gives no input, as without parks; one whose firms are
    # all outside the parks named is a mistake
    sector_firms = len(candidates(rule.from_sector).firms)
    problem = None
    if allowed is not None and sector_firms and not candidates(rule.from_sector, allowed).firms:
        problem = Problem(
            f"no firm of sector {shown(rule.from_sector)} is in "
            f"{'park' if len(rule.from_parks) == 1 else 'parks'} "
            f"{', '.join(shown(p) for p in rule.from_parks)}; add such firms there, or name "
            "other parks",
            path=("firm_classes", cname, "inputs", j, "from_parks"),
        )
    return _Plan(cname, named, frozenset(named), allowed, sector_firms, problem)


def _entries(park_firms: list[_Draft]) -> dict[KeyPath, tuple[int, int]]:
    """Where each generate entry's firms start among the firms, and how many there are
    (they come in a row, and share their class and streams)."""
    out: dict[KeyPath, tuple[int, int]] = {}
    for i, d in enumerate(park_firms):
        if d.file is None and d.path[:1] == ("generate",) and d.cls is not None:
            start, n = out.get(d.path, (i, 0))
            out[d.path] = (start, n + 1)
    return out


def _links(
    park_firms: list[_Draft], suppliers: dict[str, float], scenario: Scenario
) -> list[Problem]:
    """Draw input links of class-made firms; candidates weighted by size (hubs emerge).

    In a region, a rule's `from_parks` keeps the `from_sector` candidates of those parks,
    and `same_park_share` splits each source between the firm's own park and the others
    (`_split_sources`). Returns the rules that cannot be met, once per class, rule and
    park. A generate entry's draws of `links`, `per_output` and `stock_days` are made for
    all its firms at once (the same numbers as firm by firm)."""
    ids = [str(d.fields.get("id")) for d in park_firms]
    index = {fid: i for i, fid in enumerate(ids)}
    park_of = park_of_firms(scenario, park_firms)
    park_index = {p.id: k for k, p in enumerate(scenario.parks)}
    candidates = _Candidates(park_firms, park_of)
    size = candidates.size.tolist()
    entries = _entries(park_firms)
    entry_draws: dict[KeyPath, list[_RuleDraw]] = {}
    names_of: dict[int, list[str]] = {}
    plans: dict[tuple[int, int], _Plan] = {}
    sides: dict[tuple[int, int, int], tuple[_Sector, _Sector]] = {}
    problems: dict[tuple[object, ...], Problem] = {}
    for i, d in enumerate(park_firms):
        cls = d.cls
        if cls is None or not cls.inputs:
            continue
        streams = d.streams
        assert streams is not None
        names = names_of.get(id(cls))
        if names is None:
            names = names_of[id(cls)] = rule_names(cls.inputs)
        entry = entries.get(d.path) if d.file is None else None
        if entry is not None:
            drawn = entry_draws.get(d.path)
            if drawn is None:
                drawn = entry_draws[d.path] = [
                    _rule_draws(rule, name, streams, entry[1])
                    for rule, name in zip(cls.inputs, names, strict=True)
                ]
            at = i - entry[0]
        else:
            drawn = [
                _rule_draws(rule, name, streams, 1)
                for rule, name in zip(cls.inputs, names, strict=True)
            ]
            at = 0
        inputs = list(d.fields.get("inputs") or [])
        for j, rule in enumerate(cls.inputs):
            rule_name = names[j]
            k_all, per_output_all, stock_all = drawn[j]
            k_draw = k_all[at]
            stock = None if stock_all is None else stock_all[at]
            plan = plans.get((id(cls), j))
            if plan is None:
                plan = plans[(id(cls), j)] = _plan(
                    rule, j, str(d.fields.get("class")), candidates, park_index, park_of
                )
                if plan.problem is not None:
                    problems.setdefault((plan.cname, j, "from_parks"), plan.problem)
            if plan.problem is not None:
                continue
            named = plan.named if ids[i] not in plan.named_set else [
                s for s in plan.named if s != ids[i]
            ]  # fmt: skip
            named_w = [suppliers.get(s, size[index[s]] if s in index else 1.0) for s in named]
            # neither the firm itself nor a firm already named in `from` (links are distinct)
            own_and_named = (i, *(index[s] for s in named if s in index))
            allowed, sector_firms = plan.allowed, plan.sector_firms
            if rule.same_park_share is not None and park_of is not None and sector_firms:
                own = int(park_of[i])
                side = sides.get((id(cls), j, own))
                if side is None:
                    side = sides[(id(cls), j, own)] = _sides(
                        rule, plan, j, own, candidates, scenario, named_w, problems
                    )
                chosen_firms = (
                    None
                    if side is _NO_SIDES
                    else _split_sources(
                        rule, rule_name, streams, side, k_draw, named_w, own_and_named
                    )
                )
                if chosen_firms is None:
                    continue
                picked_named, picked = chosen_firms
                sources = [named[c] for c in picked_named] + [ids[f] for f in picked]
            else:
                sec = candidates(rule.from_sector, allowed)
                excluded = sec.excluded(own_and_named)
                available = sec.available(excluded, named_w)
                if available == 0:
                    continue
                k = int(min(max(round(k_draw), 1), available))
                chosen = sorted(
                    sec.pool.choose(streams(f"{rule_name}:sources"), named_w, excluded, k)
                )
                m = len(named)
                sources = [named[c] if c < m else ids[sec.firms[c - m]] for c in chosen]
            inputs.append(
                {
                    "good": rule.good,
                    "from": sources,
                    "per_output": per_output_all[at],
                    "criticality": rule.criticality,
                    "shortage_cut": rule.shortage_cut,
                    "stock_days": stock,
                }
            )
        d.fields["inputs"] = inputs
    return list(problems.values())


_NO_SIDES: tuple[_Sector, _Sector] = (_NONE, _NONE)


def _sides(
    rule: InputRule,
    plan: _Plan,
    j: int,
    own: int,
    candidates: _Candidates,
    scenario: Scenario,
    named_w: list[float],
    problems: dict[tuple[object, ...], Problem],
) -> tuple[_Sector, _Sector]:
    """For a rule with `same_park_share`, the candidates of a firm of park `own`: its own
    park's firms of the sector, and the other allowed parks' (`_NO_SIDES`, with a problem
    added, when the share cannot be met)."""
    share = float(rule.same_park_share or 0.0)
    allowed = plan.allowed
    parks = allowed if allowed is not None else frozenset(range(len(scenario.parks)))
    home = candidates(rule.from_sector, parks & {own})
    away = candidates(rule.from_sector, parks - {own})
    cname = plan.cname
    where = ("firm_classes", cname, "inputs", j, "same_park_share")
    if share > 0 and own >= 0 and not home.firms:
        park = scenario.parks[own].id
        why = (
            f"park {shown(park)} is not in `from_parks`"
            if allowed is not None and own not in allowed
            else f"no firm of sector {shown(rule.from_sector)} is in park {shown(park)}"
        )
        problems.setdefault(
            (cname, j, "own", own),
            Problem(
                f"a share {share:g} of the sources should be in the firm's own park, but {why} "
                f"(class {shown(cname)} has firms there); lower the share to 0, or add such "
                "firms",
                path=where,
            ),
        )
        return _NO_SIDES
    if share < 1 and not away.firms and not any(x > 0 for x in named_w):
        others = "the parks of `from_parks`" if allowed is not None else "any other park"
        problems.setdefault(
            (cname, j, "other"),
            Problem(
                f"a share {1 - share:g} of the sources should be outside the firm's own park, "
                f"but no firm of sector {shown(rule.from_sector)} is in {others}; raise the "
                "share to 1, or add such firms",
                path=where,
            ),
        )
        return _NO_SIDES
    return home, away


def _split_sources(
    rule: InputRule,
    rule_name: str,
    streams: EntryStreams,
    side: tuple[_Sector, _Sector],
    k_draw: float,
    named_w: list[float],
    own_and_named: tuple[int, ...],
) -> tuple[list[int], list[int]] | None:
    """The sources of one rule with `same_park_share`: how many of the links are drawn in
    the firm's own park (each with that chance, stream `:same_park`), then those among
    its own park's firms of the sector (`:sources:own_park`) and the rest among the other
    allowed parks' firms and the rule's named `from` sources (`:sources:other_parks`),
    each weighted by size. A side with too few candidates gives its links to the other.
    Returns the positions of the named sources drawn and the firms drawn (in firm order),
    or None when there is no candidate."""
    share = float(rule.same_park_share or 0.0)
    home, away = side
    excl_home = home.excluded(own_and_named)
    excl_away = away.excluded(own_and_named)
    avail_home = home.available(excl_home)
    avail_away = away.available(excl_away, named_w)
    if avail_home + avail_away == 0:
        return None
    k = int(min(max(round(k_draw), 1), avail_home + avail_away))
    k_home = int(np.count_nonzero(streams(f"{rule_name}:same_park").random(k) < share))
    k_home = max(min(k_home, avail_home), k - avail_away)
    picked_named: list[int] = []
    picked: list[int] = []
    if k_home:
        rng = streams(f"{rule_name}:sources:own_park")
        picked += [home.firms[c] for c in home.pool.choose(rng, [], excl_home, k_home)]
    if k > k_home:
        rng = streams(f"{rule_name}:sources:other_parks")
        m = len(named_w)
        for c in away.pool.choose(rng, named_w, excl_away, k - k_home):
            if c < m:
                picked_named.append(c)
            else:
                picked.append(away.firms[c - m])
    return sorted(picked_named), sorted(picked)


def _outside_parks(scenario: Scenario, made: list[tuple[_Draft, Enterprise]]) -> list[Problem]:
    """In a region (`parks` given), firms whose region is a zone of no park: one problem
    per listed firm, generate entry or registry file."""
    if not scenario.parks:
        return []
    zones = {z for p in scenario.parks for z in p.zones}
    out: list[Problem] = []
    seen: set[object] = set()
    for d, f in made:
        if f.region in zones:
            continue
        where = d.file if d.file is not None else d.path
        if d.path[:1] != ("enterprises",) and where in seen:
            continue
        seen.add(where)
        message = (
            f"firm {shown(f.id)} is in region {shown(f.region)}, which no park lists in its "
            f"`zones` (parks: {', '.join(p.id for p in scenario.parks)}); put the region in "
            "a park's zones, or the firm in a zone"
        )
        if d.path[:1] == ("generate",) and d.cls is not None:
            out.append(Problem(message, path=("firm_classes", str(d.fields["class"]), "region")))
        else:
            out.append(d.problem(message, "region"))
    return out


def expand(
    scenario: Scenario,
    scenario_file: Path | None,
    ledgers: dict[int, Ledger] | None = None,
) -> Park:
    """Concrete firms: listed ones, then generated ones, then registry rows, in file order.

    Problems are located at a registry firm's row (and column), or by key path for
    listed and generated firms (the loader turns paths into file lines).
    `ledgers` are the registries' files when the caller has read them (they are
    read otherwise); their rows' dicts are consumed.
    """
    problems: list[Problem] = []
    current: list[_Draft] = []
    names = Checker(lambda path, message: current[0].problem(message, path[0] if path else None))
    drafts: list[_Draft] = [
        _Draft(e.model_dump(by_alias=True, exclude_none=True), None, None, ("enterprises", i))
        for i, e in enumerate(scenario.enterprises)
    ]
    listed = len(drafts)
    counts = scaled_counts([g.count for g in scenario.generate], scenario.scale.firms)
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
        prefix = g.id_prefix or g.firm_class
        streams = EntryStreams(scenario.seed, generate_entry(prefix))
        ids = generated_ids(prefix, counts[gi])
        for fid, fields in zip(ids, _from_class(cls, counts[gi], streams), strict=True):
            fields["id"] = fid
            fields["class"] = g.firm_class
            drafts.append(_Draft(fields, cls, streams, ("generate", gi)))
    entries = registry_entries([reg.file for reg in scenario.registry])
    for ri, reg in enumerate(scenario.registry):
        label = registry_label(scenario_file, reg.file)
        if ledgers is not None and ri in ledgers:
            ledger = ledgers[ri]
        else:
            ledger, probs = read_ledger(
                registry_path(scenario_file, reg.file), label, ledger_options(reg)
            )
            problems.extend(probs)
        streams = EntryStreams(scenario.seed, entries[ri])
        for line, fields in ledger.rows:
            draft = _Draft(fields, None, streams, file=label, line=line)
            draft.sheet, draft.columns = ledger.sheet, ledger.columns
            cname = (
                fields.pop("class", None)
                or reg.classes.get(str(fields.get("sector")))
                or reg.firm_class
            )
            if cname is not None:
                draft.cls = scenario.firm_classes.get(cname)
                if draft.cls is None:  # the `class` column means what the entry's `class` does
                    current[:] = [draft]
                    names.check(
                        ("class",), cname, ref_of(Registry, "firm_class"), scenario.firm_classes
                    )
                    continue
                defaults = _from_class(draft.cls, 1, streams, _row_staff(fields))[0]
                draft.fields = {k: v for k, v in defaults.items() if v is not None} | fields
                draft.fields["class"] = cname
            drafts.append(draft)
    problems.extend(names.problems)
    names.problems.clear()
    if problems:
        raise ScenarioError(problems)
    suppliers = {s.id: s.capacity for s in scenario.suppliers}
    problems.extend(_links(drafts, suppliers, scenario))

    made: list[tuple[_Draft, Enterprise]] = []
    seen: set[str] = set()
    # A registry row's own references: its region and tags (a generated firm's come
    # from its class, and drawn inputs from rules, all checked with the scenario).
    known = declared(scenario, (REGION, TAG))
    for d in drafts:
        try:
            drawn = d.file is None and d.cls is not None
            firm = Enterprise.model_validate(d.fields, context=DRAWN if drawn else None)
        except ValidationError as e:
            for err in e.errors():
                key = next((p for p in err["loc"] if isinstance(p, str)), None)
                if err["type"] == "missing" and d.file is not None and len(err["loc"]) == 1:
                    cname = d.fields.get("class")
                    why = f"its class {shown(cname)} gives none" if cname else "it has no class"
                    message = f"no value: the row leaves it blank and {why}"
                else:
                    message = f"{pydantic_message(err)}; found {shown(err.get('input'))}"
                problems.append(d.problem(message, key))
            continue
        if firm.id in seen:
            problems.append(
                d.problem(
                    f"duplicate firm id {shown(firm.id)} (generated or registry "
                    "firm clashes with another firm)",
                    "id",
                )
            )
        seen.add(firm.id)
        made.append((d, firm))
        if d.path[:1] == ("enterprises",):
            continue  # listed firms were checked with the scenario
        if firm.id in suppliers:
            problems.append(d.problem(f"firm id {shown(firm.id)} is also a supplier id", "id"))
        if d.file is not None:
            current[:] = [d]
            names.refs(Enterprise, firm, known)
    problems.extend(names.problems)
    problems.extend(_outside_parks(scenario, made))
    supplier_ids = set(suppliers)
    for d, f in made[listed:]:
        for inp in f.inputs:
            for s in inp.sources:
                if s not in seen and s not in supplier_ids:
                    problems.append(d.problem(f"input from unknown {shown(s)}", "inputs"))
    if not made and not problems:
        # `generate` counts of 0 (or `scale.firms: 0`) and empty registries pass the
        # schema's "some firms" check, but a park of no firms has no baseline to recover.
        where: KeyPath = (
            ("scale", "firms")
            if scenario.scale.firms == 0
            else ("generate",)
            if scenario.generate
            else ("registry",)
        )
        problems.append(
            Problem(
                "the scenario makes no firms (generate counts and registries add up to 0); "
                "a park needs at least one",
                path=where,
            )
        )
    if problems:
        raise ScenarioError(problems)
    return Park(scenario=scenario, firms=tuple(f for _, f in made))
