"""What a park holds, as a planner checks it before running: `parksim validate`.

`summarise(park)` turns a validated, expanded scenario into a `ParkSummary`: the
firms by class and by sector with their share of baseline output, the above-scale
count, every white-list batch with its day and date, how many firms it lists and
how many of those no earlier batch listed, the approval rules, the transfer stations
with what they can clear in a day, the freight passes, the service teams and
liaisons, each zone's control levels over time (as dates), what each level allows,
and the migrants' share of the staff and their return. A planner can then confirm
"the second list adds 60 firms" before running anything.

The summary is plain data: `as_json` gives it as JSON-ready data (`parksim validate
--json`), `from_json` reads that back, and `render` writes the text `parksim validate`
prints. Every word of that text is in `LABELS`, so that a translation swaps one table.
The text aligns columns by display width, so Chinese display names line up too.

Nothing here runs the model: batch membership follows the same rules as
`sim/model/reopening.py` (firms named, tags, sectors, above scale, the largest N, and
park suppliers of listed firms), which `tests/scenario/test_summary.py` checks
against the model's own white list.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from sim.scenario import dates
from sim.scenario.expand import Park
from sim.scenario.schema import (
    Approval,
    ControlLevel,
    Enterprise,
    ReturnPoint,
    Scenario,
    WhitelistBatch,
)
from sim.text import columns, pad

# --- the summary ---------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Firms of one class or one sector."""

    name: str | None
    """None: firms listed one by one without a class."""
    firms: int
    above_scale: int
    staff: int
    output_share: float
    """Share of the park's baseline output (0..1)."""


@dataclass(frozen=True)
class When:
    """A day of the run and its date (None without `start_date`)."""

    day: float
    date: str | None


@dataclass(frozen=True)
class Batch:
    """A white-list batch as it will be released."""

    id: str
    when: When
    listed: int
    """Firms it lists."""
    new: int
    """Of those, firms no batch released earlier (or earlier the same day) listed."""
    selects: str
    """How it picks firms, as written (`tags: backbone; top 20 by staff`)."""
    after_horizon: bool
    """Released on or after the last day of the run: never, in this run."""


@dataclass(frozen=True)
class ApprovalRule:
    """A rule approving eligible firms day by day."""

    id: str
    start: When
    end: When | None
    per_day: int | None
    share_per_day: float | None
    eligible: int
    """Firms it may approve (those already listed or reopening when it runs are skipped)."""
    order: str


@dataclass(frozen=True)
class Step:
    """From this day on, a zone is at this level."""

    when: When
    level: str


@dataclass(frozen=True)
class Zone:
    """A zone or outside region and its control levels over time."""

    id: str
    name: str | None
    firms: int
    suppliers: int
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Level:
    """What a control level allows."""

    name: str
    operate: str
    closed_loop_only: bool
    commuting: bool
    departures: bool
    review: bool
    output_cap: float
    freight_pass: bool


@dataclass(frozen=True)
class Station:
    """A transfer station and what it can clear in a day."""

    id: str
    name: str | None
    opens: When
    closes: When | None
    bays: int
    hours_per_day: float
    handling_hours: float
    """Mean bay time per truck trip (hours)."""
    trips_per_day: float
    """Trips its bays clear in a working day: bays × hours_per_day / handling_hours."""
    goods_per_day: float
    """The same in goods: trips × `logistics.truck_load`."""
    tested_per_day: int | None
    admit_share: float
    partner_for: tuple[str, ...]


@dataclass(frozen=True)
class Passes:
    """Freight passes for controlled routes (one source supplying one firm's input)."""

    per_day: int | None
    """None: as many as asked for."""
    valid_days: float | None
    """None: valid for the rest of the run."""
    grants: int
    truck_load: float
    needed_under: tuple[str, ...]
    """Control levels that ask for passes."""
    outbound_firms: int
    """Firms that truck part of their output out (each needs an outbound pass)."""


@dataclass(frozen=True)
class Teams:
    """Service teams reviewing reopening on site, and the liaisons among them."""

    service_teams: int
    review_days: float
    """Mean days of one review."""
    fail_share: float
    firms_per_team: int
    liaised_firms: int
    liaison_tags: tuple[str, ...]


@dataclass(frozen=True)
class ReturnShare:
    """By this day, this share of the migrants is back."""

    when: When
    share: float


@dataclass(frozen=True)
class Migrants:
    """Migrant workers: how many, and how they come back."""

    people: int
    share_of_staff: float
    returns: tuple[ReturnShare, ...]
    all_back_on_day_0: bool
    """No `migrant_return` given: every migrant is back on day 0."""
    quarantine_days: float
    chartered_seats: int
    origins: tuple[str, ...]


@dataclass(frozen=True)
class ParkFacts:
    """One park of a region: its zones, firms and own pools."""

    id: str
    name: str | None
    zones: tuple[str, ...]
    firms: int
    above_scale: int
    staff: int
    output_share: float
    """Its firms' share of the region's baseline output."""
    service_teams: int | None
    """None: its firms queue for the region's shared teams."""
    passes_per_day: int | None
    """None: routes into it draw on the region's shared passes."""
    own_workforce: tuple[str, ...]
    """Keys of `parks[].workforce` it gives (the rest are the region's)."""
    inputs_from_other_parks: int
    """Input lines of its firms with a source in another park (a line counts once, however
    many of its sources are elsewhere)."""


@dataclass(frozen=True)
class CorridorFacts:
    """A freight corridor between two parks."""

    id: str
    name: str | None
    between: tuple[str, str]
    lead_days: float | None
    """None: `supply.park_lead_days`."""
    passes_per_day: int | None
    """None: the receiving park's passes."""
    stations: tuple[str, ...]
    input_lines: int
    """Input lines with their firm in one of its parks and a source in the other (once
    each)."""


@dataclass(frozen=True)
class ParkSummary:
    """What a scenario holds, for a planner to check before running it."""

    name: str
    days: int
    start_date: str | None
    last_date: str | None
    replications: int
    seed: int
    firms: int
    above_scale: int
    staff: int
    baseline_output: float
    classes: tuple[Group, ...]
    sectors: tuple[Group, ...]
    whitelists: tuple[Batch, ...]
    approvals: tuple[ApprovalRule, ...]
    zones: tuple[Zone, ...]
    levels: tuple[Level, ...]
    stations: tuple[Station, ...]
    passes: Passes
    teams: Teams
    migrants: Migrants
    suppliers: int
    input_lines: int
    parks: tuple[ParkFacts, ...] = ()
    """Parks of a region (none: one park of every zone)."""
    corridors: tuple[CorridorFacts, ...] = ()
    recognition: str | None = None
    """Parks recognising each other's white lists, and the delay (None: no recognition)."""


# --- from a park ---------------------------------------------------------------------


def _when(day: float, start: dt.date | None, *, moment: bool = False) -> When:
    """A day as written and its date: that of the whole day it takes effect on (a
    fraction: the next day, as releases and level changes do), or, for a `moment` (a
    station opening at 2.5 opens during day 2), the day it falls in."""
    date = dates.date_of(day if moment else math.ceil(day), start)
    return When(day, date.isoformat() if date else None)


def _groups(firms: Sequence[Enterprise], key: str, total: float) -> tuple[Group, ...]:
    rows: dict[str | None, list[Enterprise]] = {}
    for f in firms:
        rows.setdefault(getattr(f, key), []).append(f)
    out = [
        Group(
            name,
            len(fs),
            sum(f.above_scale for f in fs),
            sum(f.staff for f in fs),
            math.fsum(f.baseline_output for f in fs) / total if total else 0.0,
        )
        for name, fs in rows.items()
    ]
    return tuple(sorted(out, key=lambda g: (-g.output_share, g.name is None, g.name or "")))


def _selects(b: WhitelistBatch) -> str:
    parts = []
    if b.firms:
        parts.append(f"firms: {', '.join(b.firms)}")
    if b.tags:
        parts.append(f"tags: {', '.join(b.tags)}")
    if b.sectors:
        parts.append(f"sectors: {', '.join(b.sectors)}")
    if b.above_scale:
        parts.append("above scale")
    if b.top_n is not None:
        parts.append(f"top {b.top_n.n} by {b.top_n.by}")
    if b.suppliers_of_listed:
        parts.append("park suppliers of listed firms")
    if b.parks:
        parts.append(f"rules in parks: {', '.join(b.parks)}")
    return "; ".join(parts)


def _suppliers_of(
    firms: Sequence[Enterprise],
    customers: set[int],
    park_of: dict[str, str] | None = None,
    recognising: set[str] | None = None,
) -> set[int]:
    """Park firms that supply an input (a source or the alternative) of `customers`; in a
    region (`park_of`: zone → park), only those in the customer's park, or in another
    park when both parks are `recognising` (mutual recognition)."""
    index = {f.id: i for i, f in enumerate(firms)}
    out: set[int] = set()
    for i in customers:
        for inp in firms[i].inputs:
            for src in (*inp.sources, inp.alternative):
                if src is not None and src in index:
                    j = index[src]
                    if park_of is not None:
                        mine, theirs = park_of[firms[i].region], park_of[firms[j].region]
                        rec = recognising is not None and {mine, theirs} <= recognising
                        if mine != theirs and not rec:
                            continue
                    out.add(j)
    return out


def _batches(park: Park, start: dt.date | None) -> tuple[Batch, ...]:
    """White-list batches in the order they are released (by day, then as written),
    each with the firms it lists and how many of them are new."""
    sc, firms = park.scenario, park.firms
    index = {f.id: i for i, f in enumerate(firms)}
    listed: set[int] = set()
    out: list[Batch] = []
    park_of = {z: p.id for p in sc.parks for z in p.zones} if sc.parks else None
    mr = sc.reopening.mutual_recognition
    recognising = None
    if park_of is not None and mr is not None:
        recognising = set(mr.parks) or {p.id for p in sc.parks}
    order = sorted(enumerate(sc.reopening.whitelists), key=lambda kb: (math.ceil(kb[1].day), kb[0]))
    for k, b in order:
        sel = {index[fid] for fid in b.firms if fid in index}
        tags, sectors = set(b.tags), set(b.sectors)
        among = [
            i
            for i, f in enumerate(firms)
            if not b.parks or (park_of is not None and park_of[f.region] in b.parks)
        ]
        for i in among:
            f = firms[i]
            if (tags & set(f.tags)) or f.sector in sectors or (b.above_scale and f.above_scale):
                sel.add(i)
        if b.top_n is not None and b.top_n.n > 0:
            size = [
                f.baseline_output if b.top_n.by == "baseline_output" else f.staff for f in firms
            ]
            sel |= set(sorted(among, key=lambda i: (-size[i], i))[: b.top_n.n])
        if b.suppliers_of_listed:
            sel |= _suppliers_of(firms, listed | sel, park_of, recognising)
        new = sel - listed
        listed |= sel
        out.append(
            Batch(
                b.id if b.id is not None else f"whitelists[{k}]",
                _when(b.day, start),
                len(sel),
                len(new),
                _selects(b),
                math.ceil(b.day) >= sc.days,
            )
        )
    return tuple(out)


def _eligible(rule: Approval, firms: Sequence[Enterprise]) -> int:
    el = rule.eligible
    return sum(
        (not el.classes or f.firm_class in el.classes)
        and (not el.tags or bool(set(el.tags) & set(f.tags)))
        and (not el.sectors or f.sector in el.sectors)
        and (el.above_scale is None or f.above_scale == el.above_scale)
        and (el.closed_loop is None or f.closed_loop == el.closed_loop)
        and (el.max_staff is None or f.staff <= el.max_staff)
        for f in firms
    )


def _zones(sc: Scenario, firms: Sequence[Enterprise], start: dt.date | None) -> tuple[Zone, ...]:
    out = []
    for r in sc.regions:
        steps = [Step(_when(c.day, start), c.level) for c in r.timeline]
        if not steps or steps[0].when.day > 0:
            steps.insert(0, Step(_when(0, start), "normal"))
        out.append(
            Zone(
                r.id,
                r.name,
                sum(f.region == r.id for f in firms),
                sum(s.region == r.id for s in sc.suppliers),
                tuple(steps),
            )
        )
    return tuple(out)


def _level(name: str, c: ControlLevel) -> Level:
    return Level(
        name,
        c.operate,
        c.closed_loop_only,
        c.commuting,
        c.commuting if c.departures is None else c.departures,
        c.review,
        c.output_cap,
        c.freight_pass,
    )


def _stations(sc: Scenario, start: dt.date | None) -> tuple[Station, ...]:
    out = []
    for s in sc.logistics.transfer_stations:
        handling = s.handling_hours.mean
        trips = s.bays * s.hours_per_day / handling if handling > 0 else math.inf
        out.append(
            Station(
                s.id,
                s.name,
                _when(s.opening_day, start, moment=True),
                None if s.closing_day is None else _when(s.closing_day, start, moment=True),
                s.bays,
                s.hours_per_day,
                handling,
                trips,
                trips * sc.logistics.truck_load,
                s.admit_per_day,
                s.admit_share,
                tuple(s.partner_for),
            )
        )
    return tuple(out)


def _liaised(sc: Scenario, firms: Sequence[Enterprise]) -> int:
    """Firms with a liaison: per pool of teams (the region's shared pool, and each park
    with its own `service_teams`), its teams × firms per team among its eligible firms
    (not counting the suppliers `liaison.across_parks` adds)."""
    li = sc.reopening.liaison
    wanted = set(li.tags)
    own = {z: p.id for p in sc.parks if p.service_teams is not None for z in p.zones}
    slots: dict[str | None, int] = {None: sc.reopening.service_teams}
    slots.update({p.id: p.service_teams for p in sc.parks if p.service_teams is not None})
    eligible: dict[str | None, int] = {}
    for f in firms:
        if not wanted or bool(wanted & set(f.tags)):
            pool = own.get(f.region)
            eligible[pool] = eligible.get(pool, 0) + 1
    return sum(min(slots[pool] * li.firms_per_team, n) for pool, n in eligible.items())


def _migrants(sc: Scenario, firms: Sequence[Enterprise], start: dt.date | None) -> Migrants:
    staff = sum(f.staff for f in firms)
    people = math.fsum(f.migrant_share * f.staff for f in firms)
    wf = sc.workforce
    return Migrants(
        round(people),
        people / staff if staff else 0.0,
        tuple(ReturnShare(_when(p.day, start), p.share) for p in wf.migrant_return),
        list(wf.migrant_return) == [ReturnPoint(day=0, share=1.0)],
        wf.quarantine_days,
        sum(b.seats for b in wf.chartered_buses),
        tuple(f"{o.region} {o.share:g}" for o in wf.origins),
    )


def summarise(park: Park) -> ParkSummary:
    """What a validated, expanded scenario holds (nothing is run)."""
    sc, firms = park.scenario, park.firms
    start = sc.start_date
    total = math.fsum(f.baseline_output for f in firms)
    last = dates.date_of(sc.days - 1, start)
    lg = sc.logistics
    return ParkSummary(
        name=sc.name,
        days=sc.days,
        start_date=start.isoformat() if start else None,
        last_date=last.isoformat() if last else None,
        replications=sc.replications,
        seed=sc.seed,
        firms=len(firms),
        above_scale=sum(f.above_scale for f in firms),
        staff=sum(f.staff for f in firms),
        baseline_output=total,
        classes=_groups(firms, "firm_class", total),
        sectors=_groups(firms, "sector", total),
        whitelists=_batches(park, start),
        approvals=tuple(
            ApprovalRule(
                a.id,
                _when(a.start_day, start),
                None if a.end_day is None else _when(a.end_day, start),
                a.per_day,
                a.share_per_day,
                _eligible(a, firms),
                a.order,
            )
            for a in sc.reopening.approvals
        ),
        zones=_zones(sc, firms, start),
        levels=tuple(_level(n, c) for n, c in sc.control_levels.items()),
        stations=_stations(sc, start),
        passes=Passes(
            lg.passes_per_day,
            lg.pass_valid_days,
            len(lg.grants),
            lg.truck_load,
            tuple(n for n, c in sc.control_levels.items() if c.freight_pass),
            sum(f.outbound_share > 0 for f in firms),
        ),
        teams=Teams(
            sc.reopening.service_teams,
            sc.reopening.review_days.mean,
            sc.reopening.fail_prob,
            sc.reopening.liaison.firms_per_team,
            _liaised(sc, firms),
            tuple(sc.reopening.liaison.tags),
        ),
        migrants=_migrants(sc, firms, start),
        suppliers=len(sc.suppliers),
        input_lines=sum(len(f.inputs) for f in firms),
        **_region(sc, firms, total),
    )


def _region(sc: Scenario, firms: Sequence[Enterprise], total: float) -> dict[str, Any]:
    """The parks, corridors and mutual recognition of a region (nothing without parks)."""
    if not sc.parks:
        return {}
    zone_park = {z: p.id for p in sc.parks for z in p.zones}
    park_of = {f.id: zone_park.get(f.region) for f in firms}
    cross: dict[str, int] = dict.fromkeys(zone_park.values(), 0)
    pairs: dict[frozenset[str], int] = {}
    for f in firms:
        home = park_of[f.id]
        if home is None:
            continue
        for inp in f.inputs:
            others = {park_of.get(src) for src in inp.sources} - {None, home}
            if others:
                cross[home] += 1
            for theirs in others:
                key = frozenset((home, str(theirs)))
                pairs[key] = pairs.get(key, 0) + 1
    parks = []
    for p in sc.parks:
        mine = [f for f in firms if park_of[f.id] == p.id]
        parks.append(
            ParkFacts(
                p.id,
                p.name,
                tuple(p.zones),
                len(mine),
                sum(f.above_scale for f in mine),
                sum(f.staff for f in mine),
                math.fsum(f.baseline_output for f in mine) / total if total else 0.0,
                p.service_teams,
                p.passes_per_day,
                tuple(k for k, v in p.workforce.model_dump(exclude_none=True).items() if v),
                cross[p.id],
            )
        )
    corridors = tuple(
        CorridorFacts(
            c.id,
            c.name,
            (c.between[0], c.between[1]),
            c.lead_days,
            c.passes_per_day,
            tuple(c.stations),
            pairs.get(frozenset(c.between), 0),
        )
        for c in sc.corridors
    )
    mr = sc.reopening.mutual_recognition
    recognition = None
    if mr is not None:
        who = ", ".join(mr.parks) if mr.parks else "every park"
        recognition = f"{who}; delay {_num(mr.delay_days)} days"
    return {"parks": tuple(parks), "corridors": corridors, "recognition": recognition}


# --- as data ---------------------------------------------------------------------------

_ADAPTER: TypeAdapter[ParkSummary] = TypeAdapter(ParkSummary)


def as_json(summary: ParkSummary) -> dict[str, Any]:
    """The summary as JSON-ready data (`parksim validate --json`); an unlimited station
    capacity is written as null."""
    data: dict[str, Any] = _ADAPTER.dump_python(summary, mode="json")
    for s in data["stations"]:
        for k in ("trips_per_day", "goods_per_day"):
            if not math.isfinite(s[k]):
                s[k] = None
    return data


def from_json(data: dict[str, Any]) -> ParkSummary:
    """A summary read back from `as_json` data."""
    data = {**data, "stations": [dict(s) for s in data.get("stations", [])]}
    for s in data["stations"]:
        for k in ("trips_per_day", "goods_per_day"):
            if s.get(k) is None:
                s[k] = math.inf
    return _ADAPTER.validate_python(data)


# --- as text ---------------------------------------------------------------------------

LABELS: dict[str, str] = {
    "valid": "{file}: valid scenario '{name}'",
    "horizon": "horizon {days} days{span}, {replications} replications, seed {seed}",
    "span": " ({first} to {last})",
    "firms": "Firms: {firms} in {sectors} sectors, {above_scale} above scale (规上), {staff} "
    "staff, baseline output {output} a day",
    "no_class": "(no class)",
    "by_class": "by class",
    "by_sector": "by sector",
    "col_firms": "firms",
    "col_above": "above scale",
    "col_staff": "staff",
    "col_share": "share of output",
    "whitelists": "White-list batches (new: not listed by an earlier batch)",
    "batch": "{id}  {when}  lists {listed}, new {new}  [{selects}]{late}",
    "after_horizon": "  (after the horizon: never released)",
    "no_whitelists": "White-list batches: none",
    "approvals": "Approval rules",
    "approval": "{id}  {start}{end}: {rate}, {eligible} firms eligible, in {order} order",
    "approval_end": " until {end}",
    "per_day": "{n} firms a day",
    "share_per_day": "{share} of the eligible firms a day",
    "zones": "Control levels over time",
    "zone": "{id} ({name}firms {firms}, suppliers {suppliers}): {steps}",
    "step": "{level} from {when}",
    "levels": "What each level allows",
    "level": "{name}: {operate}; {loop}; {commute}; {leave}; {review}; output cap {cap}; {pass_}",
    "operate_whitelist": "white-listed firms only",
    "operate_apply": "firms that apply",
    "operate_all": "all firms",
    "loop_yes": "closed loop only",
    "loop_no": "closed loop not needed",
    "commute_yes": "commuting",
    "commute_no": "no commuting",
    "leave_yes": "people may leave",
    "leave_no": "people held",
    "review_yes": "on-site review",
    "review_no": "no review",
    "pass_yes": "freight needs a pass",
    "pass_no": "no freight pass",
    "stations": "Transfer stations",
    "no_stations": "Transfer stations: none (controlled freight needs only a pass)",
    "station": "{id}{name}: open {opens}{closes}; {bays} bays x {hours} h / {handling} h a "
    "trip = {trips} trips a day ({goods} goods); {tested}, {admit} admitted{partner}",
    "station_closes": " to {closes}",
    "tested": "tests {n} trips a day",
    "untested": "no testing limit",
    "partner": "; partner point of {firms}",
    "passes": "Freight passes: {per_day}, {valid}; {grants} grants; truck load {load}; "
    "needed under {levels}; {outbound} firms truck output out",
    "passes_per_day": "{n} a day to waiting routes (a route: one source supplying one "
    "firm's input)",
    "passes_unlimited": "as many as asked for",
    "pass_valid": "valid {days} days",
    "pass_forever": "valid to the end of the run",
    "no_level": "no level",
    "teams": "Service teams: {teams} (a review takes {review} days on average, {fail} fail); "
    "liaisons: {per_team} firms per team, {liaised} firms liaised{tags}",
    "liaison_tags": " (tags: {tags})",
    "migrants": "Migrants: {people} people, {share} of staff; quarantine {quarantine} days; "
    "chartered bus seats {seats}{origins}",
    "origins": "; origins: {origins}",
    "returns": "  return: {points}",
    "return_point": "{share} by {when}",
    "all_back": "  return: all back on day 0 (no `migrant_return` given), then {quarantine} "
    "days of quarantine",
    "supply": "Suppliers: {suppliers} external; {lines} input lines",
    "parks": "Parks of the region",
    "park": "{id} ({name}zones {zones}): firms {firms}, above scale {above}, staff {staff}, "
    "{share} of output; teams {teams}; passes {passes}; own workforce: {workforce}; "
    "{cross} input lines from other parks",
    "shared": "the region's",
    "corridors": "Freight corridors",
    "no_corridors": "Freight corridors: none (cross-park freight uses the receiving park's "
    "passes and stations)",
    "corridor": "{id}{name}: {a} ↔ {b}; lead {lead}; passes {passes}; stations {stations}; "
    "{lines} input lines along it",
    "lead_default": "supply.park_lead_days",
    "passes_receiving": "the receiving park's",
    "recognition": "Mutual recognition of white lists: {who}",
    "no_recognition": "Mutual recognition of white lists: none (each park's lists stop at "
    "its boundary)",
    "day": "day {day}",
    "day_date": "{date} (day {day})",
    "none": "none",
}
"""Every word of the text `render` writes (English for now; a translation replaces the
values, keeping the `{placeholders}`)."""


def _num(x: float) -> str:
    """A number as a planner reads it: 1,234, 12.5, 0.35."""
    if math.isinf(x):
        return "unlimited"
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.3g}" if abs(x) < 100 else f"{x:,.1f}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _day(w: When, L: dict[str, str]) -> str:
    day = _num(w.day)
    return L["day_date"].format(date=w.date, day=day) if w.date else L["day"].format(day=day)


def _table(rows: list[list[str]], indent: str = "  ") -> list[str]:
    """Rows aligned in columns; the first column left, the others right."""
    widths = [max(columns(r[c]) for r in rows) for c in range(len(rows[0]))]
    return [
        indent + "  ".join(pad(cell, widths[c], right=c > 0) for c, cell in enumerate(r)).rstrip()
        for r in rows
    ]


def _groups_text(title: str, groups: Sequence[Group], L: dict[str, str]) -> list[str]:
    head = [title, L["col_firms"], L["col_above"], L["col_staff"], L["col_share"]]
    rows = [
        [
            L["no_class"] if g.name is None else g.name,
            _num(g.firms),
            _num(g.above_scale),
            _num(g.staff),
            _pct(g.output_share),
        ]
        for g in groups
    ]
    return _table([head, *rows])


def render(summary: ParkSummary, file: str, labels: dict[str, str] | None = None) -> str:
    """The text `parksim validate` prints (plain text, one fact per line)."""
    L = LABELS if labels is None else labels
    s = summary
    span = L["span"].format(first=s.start_date, last=s.last_date) if s.start_date else ""
    out = [
        L["valid"].format(file=file, name=s.name),
        "  "
        + L["horizon"].format(days=s.days, span=span, replications=s.replications, seed=s.seed),
        "",
        L["firms"].format(
            firms=_num(s.firms),
            sectors=_num(len(s.sectors)),
            above_scale=_num(s.above_scale),
            staff=_num(s.staff),
            output=_num(s.baseline_output),
        ),
        *_groups_text(L["by_class"], s.classes, L),
        *_groups_text(L["by_sector"], s.sectors, L),
        "",
    ]
    if s.whitelists:
        out.append(L["whitelists"])
        ids = max(columns(b.id) for b in s.whitelists)
        whens = max(columns(_day(b.when, L)) for b in s.whitelists)
        out += [
            "  "
            + L["batch"].format(
                id=pad(b.id, ids),
                when=pad(_day(b.when, L), whens),
                listed=_num(b.listed),
                new=_num(b.new),
                selects=b.selects,
                late=L["after_horizon"] if b.after_horizon else "",
            )
            for b in s.whitelists
        ]
    else:
        out.append(L["no_whitelists"])
    if s.approvals:
        out.append(L["approvals"])
        for a in s.approvals:
            rate = (
                L["per_day"].format(n=a.per_day)
                if a.per_day is not None
                else L["share_per_day"].format(share=_pct(a.share_per_day or 0.0))
            )
            end = L["approval_end"].format(end=_day(a.end, L)) if a.end else ""
            out.append(
                "  "
                + L["approval"].format(
                    id=a.id,
                    start=_day(a.start, L),
                    end=end,
                    rate=rate,
                    eligible=_num(a.eligible),
                    order=a.order,
                )
            )
    out += ["", L["zones"]]
    for z in s.zones:
        steps = ", ".join(L["step"].format(level=st.level, when=_day(st.when, L)) for st in z.steps)
        out.append(
            "  "
            + L["zone"].format(
                id=z.id,
                name=f"{z.name}; " if z.name else "",
                firms=_num(z.firms),
                suppliers=_num(z.suppliers),
                steps=steps,
            )
        )
    out.append(L["levels"])
    for lv in s.levels:
        yes = {True: "yes", False: "no"}
        out.append(
            "  "
            + L["level"].format(
                name=lv.name,
                operate=L[f"operate_{lv.operate}"],
                loop=L[f"loop_{yes[lv.closed_loop_only]}"],
                commute=L[f"commute_{yes[lv.commuting]}"],
                leave=L[f"leave_{yes[lv.departures]}"],
                review=L[f"review_{yes[lv.review]}"],
                cap=_pct(lv.output_cap),
                pass_=L[f"pass_{yes[lv.freight_pass]}"],
            )
        )
    out.append("")
    if s.stations:
        out.append(L["stations"])
        for st in s.stations:
            out.append(
                "  "
                + L["station"].format(
                    id=st.id,
                    name=f" ({st.name})" if st.name else "",
                    opens=_day(st.opens, L),
                    closes=L["station_closes"].format(closes=_day(st.closes, L))
                    if st.closes
                    else "",
                    bays=st.bays,
                    hours=_num(st.hours_per_day),
                    handling=_num(st.handling_hours),
                    trips=_num(st.trips_per_day),
                    goods=_num(st.goods_per_day),
                    tested=L["tested"].format(n=st.tested_per_day)
                    if st.tested_per_day is not None
                    else L["untested"],
                    admit=_pct(st.admit_share),
                    partner=L["partner"].format(firms=", ".join(st.partner_for))
                    if st.partner_for
                    else "",
                )
            )
    else:
        out.append(L["no_stations"])
    p = s.passes
    out.append(
        L["passes"].format(
            per_day=L["passes_per_day"].format(n=p.per_day)
            if p.per_day is not None
            else L["passes_unlimited"],
            valid=L["pass_valid"].format(days=_num(p.valid_days))
            if p.valid_days is not None
            else L["pass_forever"],
            grants=p.grants,
            load=_num(p.truck_load),
            levels=", ".join(p.needed_under) or L["no_level"],
            outbound=_num(p.outbound_firms),
        )
    )
    t = s.teams
    out.append(
        L["teams"].format(
            teams=_num(t.service_teams),
            review=_num(t.review_days),
            fail=_pct(t.fail_share),
            per_team=t.firms_per_team,
            liaised=_num(t.liaised_firms),
            tags=L["liaison_tags"].format(tags=", ".join(t.liaison_tags)) if t.liaison_tags else "",
        )
    )
    m = s.migrants
    out.append(
        L["migrants"].format(
            people=_num(m.people),
            share=_pct(m.share_of_staff),
            quarantine=_num(m.quarantine_days),
            seats=_num(m.chartered_seats),
            origins=L["origins"].format(origins=", ".join(m.origins)) if m.origins else "",
        )
    )
    if m.all_back_on_day_0:
        out.append(L["all_back"].format(quarantine=_num(m.quarantine_days)))
    else:
        points = ", ".join(
            L["return_point"].format(share=_pct(r.share), when=_day(r.when, L)) for r in m.returns
        )
        out.append(L["returns"].format(points=points))
    out.append(L["supply"].format(suppliers=s.suppliers, lines=_num(s.input_lines)))
    if s.parks:
        out += ["", *_region_text(s, L)]
    return "\n".join(out)


def _region_text(s: ParkSummary, L: dict[str, str]) -> list[str]:
    """The parks, corridors and mutual recognition of a region, a line each."""
    out = [L["parks"]]
    for p in s.parks:
        out.append(
            "  "
            + L["park"].format(
                id=p.id,
                name=f"{p.name}; " if p.name else "",
                zones=", ".join(p.zones),
                firms=_num(p.firms),
                above=_num(p.above_scale),
                staff=_num(p.staff),
                share=_pct(p.output_share),
                teams=L["shared"] if p.service_teams is None else _num(p.service_teams),
                passes=L["shared"] if p.passes_per_day is None else _num(p.passes_per_day),
                workforce=", ".join(p.own_workforce) or L["none"],
                cross=_num(p.inputs_from_other_parks),
            )
        )
    if s.corridors:
        out.append(L["corridors"])
        for c in s.corridors:
            out.append(
                "  "
                + L["corridor"].format(
                    id=c.id,
                    name=f" ({c.name})" if c.name else "",
                    a=c.between[0],
                    b=c.between[1],
                    lead=L["lead_default"] if c.lead_days is None else _num(c.lead_days),
                    passes=L["passes_receiving"]
                    if c.passes_per_day is None
                    else _num(c.passes_per_day),
                    stations=", ".join(c.stations) or L["none"],
                    lines=_num(c.input_lines),
                )
            )
    else:
        out.append(L["no_corridors"])
    if s.recognition is None:
        out.append(L["no_recognition"])
    else:
        out.append(L["recognition"].format(who=s.recognition))
    return out
