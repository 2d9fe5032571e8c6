"""The size of a run, estimated before anything is allocated, against `limits`.

A scenario can be valid key by key and still ask for a run no machine finishes:
a million firms for 10,000 days, a `truck_load` a thousandth of a firm's daily
input with a year of `order_up_to_days`, a million replications kept in memory.
`check` estimates what a run will simulate (firm-days), hold (memory), send
through transfer stations (truck trips) and schedule (reviews, trips and
admission tests: events), and refuses, at the key that makes the run big, what
passes the scenario's `limits` (defaults in `schema.Limits`;
`docs/budgets.md` explains them and how to raise them). `check_planned` does the
same for the firm count alone before firms are generated, so that generating
them cannot be what fills the memory.

The estimates are upper bounds of the same order as the real thing (the memory
per firm and per input line was measured on the bench city), never exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from sim.scenario.dists import dist_min
from sim.scenario.errors import KeyPath, Problem, shown
from sim.scenario.expand import Park
from sim.scenario.ids import raw_counts
from sim.scenario.schema import Limits

Locate = Callable[[KeyPath, str], Problem]

FIRM_BYTES = 4_000
"""Memory of one firm from loading to the end of a replication (the bench city
takes 3.3 KB a firm without inputs; pydantic models, arrays, review draws)."""
LINE_BYTES = 1_500
"""Memory of one input line of a firm, with its model and arrays (measured 1.4 KB)."""
LINK_BYTES = 250
"""Memory of one source of an input line (backlogs, shares, lead times, passes)."""
TEAM_BYTES = 2_000
"""Memory of one service team: a SimPy process and its pending events."""
BAY_BYTES = 32
"""Memory of one unloading bay (its slot in the heap of free times)."""
TRIP_BYTES = 400
"""Memory of one truck trip in flight (its object, its place in a queue, its event)."""
TRACE_SERIES = 30
"""Daily series every trace records besides those per sector, cause and station."""
MB = 1 << 20


def limits_of(data: Any) -> Limits:
    """The `limits` of raw scenario data: the valid ones, or the defaults (the schema
    reports a malformed `limits` section with the scenario's other problems)."""
    raw = data.get("limits") if isinstance(data, dict) else None
    try:
        return Limits.model_validate(raw if isinstance(raw, dict) else {})
    except ValidationError:
        return Limits()


def max_firms(limits: Limits) -> int:
    """Most firms the memory budget holds, before anything else is counted."""
    return max(1, limits.memory_mb * MB // FIRM_BYTES)


def _whole(v: Any, default: int) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) and v > 0 else default


@dataclass(frozen=True)
class _Source:
    """Firms from one place: listed, one `generate` entry, one registry."""

    firms: int
    path: KeyPath
    """Where to point when they are too many (`scale.firms` for scaled generate counts)."""
    what: str
    section: str = "enterprises"
    index: int = 0


def _rules(data: Any, cname: Any) -> int:
    """Input rules of a firm class in raw data (0 when it has none or is malformed)."""
    classes = data.get("firm_classes") if isinstance(data, dict) else None
    cls = classes.get(cname) if isinstance(classes, dict) and isinstance(cname, str) else None
    rules = cls.get("inputs") if isinstance(cls, dict) else None
    return len(rules) if isinstance(rules, list) else 0


def _raw_number(data: Any, section: str, key: str, default: float) -> float:
    part = data.get(section) if isinstance(data, dict) else None
    v = part.get(key) if isinstance(part, dict) else None
    ok = isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1e9
    return float(v) if ok else default  # type: ignore[arg-type]


def _planned_parts(
    data: Any, sources: list[_Source], days: int, replications: int
) -> list[tuple[float, KeyPath, str, str]]:
    """Memory the firms a scenario will make take, before they are made: each with one
    input line (of one source) per input rule of its class, its rows in the quarantine
    and isolation rings and its entry in every replication's record."""
    firms = sum(s.firms for s in sources)
    base = 0.0
    for src in sources:
        entries = data.get(src.section) if isinstance(data, dict) else None
        entry = None
        if isinstance(entries, list) and src.section != "enterprises":
            entry = entries[src.index]
        rules = _rules(data, entry.get("class")) if isinstance(entry, dict) else 0
        base += src.firms * (FIRM_BYTES + rules * (LINE_BYTES + LINK_BYTES))
    more = ", ..." if len(sources) > 3 else ""
    what = f"{firms:,} firms ({', '.join(s.what for s in sources[:3])}{more})"
    ring = days + 1
    q = min(math.ceil(_raw_number(data, "workforce", "quarantine_days", 14.0)), ring) + 1
    iso = min(math.ceil(_raw_number(data, "outbreaks", "isolation_days", 14.0)), ring) + 1
    return [
        (base, sources[0].path, what, "make fewer firms"),
        *_ring_parts(q, iso, firms),
        (
            replications * firms * 8.0,
            ("replications",),
            f"the records of {replications:,} replications × {firms:,} firms",
            "choose fewer replications",
        ),
    ]


def _ring_parts(q: int, iso: int, firms: int) -> list[tuple[float, KeyPath, str, str]]:
    return [
        (
            q * firms * 8.0,
            ("workforce", "quarantine_days"),
            f"the quarantine ring of {q:,} days × {firms:,} firms",
            "shorten the quarantine",
        ),
        (
            iso * firms * 8.0,
            ("outbreaks", "isolation_days"),
            f"the isolation ring of {iso:,} days × {firms:,} firms",
            "shorten the isolation",
        ),
    ]


def _firm_sources(
    data: Any, registry_rows: Mapping[int, int], listed: int | None = None
) -> list[_Source]:
    """Where the firms of a scenario come from, largest first."""
    out: list[_Source] = []
    n_listed = listed
    if n_listed is None:
        firms = data.get("enterprises") if isinstance(data, dict) else None
        n_listed = len(firms) if isinstance(firms, list) else 0
    if n_listed:
        out.append(_Source(n_listed, ("enterprises",), f"{n_listed:,} listed"))
    scale = data.get("scale") if isinstance(data, dict) else None
    scaled = isinstance(scale, dict) and scale.get("firms") is not None
    for i, count in (raw_counts(data) or {}).items():
        path: KeyPath = ("scale", "firms") if scaled else ("generate", i, "count")
        out.append(_Source(count, path, f"{count:,} from generate[{i}]", "generate", i))
    for i, rows in registry_rows.items():
        what = f"{rows:,} from registry[{i}]"
        out.append(_Source(rows, ("registry", i, "file"), what, "registry", i))
    return sorted(out, key=lambda s: -s.firms)


def _firm_days(
    firms: int, days: int, replications: int, sources: list[_Source], limits: Limits
) -> Problem | None:
    """The firm-days problem (located by path only), when the run passes the budget."""
    total = firms * days * replications
    if total <= limits.firm_days:
        return None
    # the factor furthest above an ordinary run's (1,000 firms, 120 days, 10 replications)
    factors: list[tuple[float, KeyPath, str]] = [
        (replications / 10, ("replications",), "fewer replications"),
        (days / 120, ("days",), "a shorter horizon"),
    ]
    if sources:
        factors.append((firms / 1000, sources[0].path, "fewer firms"))
    _, path, advice = max(factors, key=lambda f: f[0])
    message = (
        f"this run would simulate {total:,} firm-days ({firms:,} firms × {days:,} days × "
        f"{replications:,} replications), more than `limits.firm_days` "
        f"({limits.firm_days:,}); choose {advice}, or raise `limits.firm_days` if the run "
        "is meant to be this long"
    )
    return Problem(message, path=path)


def _memory(parts: list[tuple[float, KeyPath, str, str]], limits: Limits) -> Problem | None:
    """The memory problem, when the parts add up to more than the budget."""
    total = sum(p[0] for p in parts)
    if total <= limits.memory_mb * MB:
        return None
    size, path, what, advice = max(parts, key=lambda p: p[0])
    message = (
        f"this run would need about {total / MB:,.0f} MB of memory, more than "
        f"`limits.memory_mb` ({limits.memory_mb:,}); the largest part is {what} "
        f"({size / MB:,.0f} MB): {advice}, or raise `limits.memory_mb` if the machine "
        "has the memory"
    )
    return Problem(message, path=path)


def check_planned(
    data: Any, registry_rows: Mapping[int, int], days: Any, replications: Any
) -> list[Problem]:
    """Budget problems visible from the raw data alone: the firms it will make (listed,
    generated, registry rows) against the memory and firm-day budgets. Run before
    firms are generated or cross-referenced, which is where their memory goes."""
    limits = limits_of(data)
    sources = _firm_sources(data, registry_rows)
    firms = sum(s.firms for s in sources)
    days, replications = _whole(days, 120), _whole(replications, 10)
    problems: list[Problem] = []
    if sources:
        problem = _memory(_planned_parts(data, sources, days, replications), limits)
        if problem is not None:
            problems.append(problem)
    problem = _firm_days(firms, days, replications, sources, limits)
    if problem is not None:
        problems.append(problem)
    return problems


@dataclass(frozen=True)
class Estimate:
    """What a run of a park will simulate, hold and truck, by estimate."""

    firm_days: int
    memory_bytes: float
    trips: float
    """Truck trips through transfer stations in one replication (0: no station, or no
    level asks for freight passes)."""
    events: float
    """Reviews, truck trips and admission tests in one replication."""


def check(park: Park, data: Any, registry_rows: Mapping[int, int], locate: Locate) -> list[Problem]:
    """Every budget the expanded park passes, as problems located at the key that
    makes the run big (`locate(path, message)`); `data` is the raw scenario and
    `registry_rows` the firms each `registry` entry's CSV holds."""
    sc = park.scenario
    limits = sc.limits
    n = len(park.firms)
    sources = _firm_sources(data, registry_rows, len(sc.enterprises))
    problems: list[Problem] = []
    fd = _firm_days(n, sc.days, sc.replications, sources, limits)
    if fd is not None:
        problems.append(fd)
    mem = _memory(_memory_parts(park, sources), limits)
    if mem is not None:
        problems.append(mem)
    trips = _trips(park, limits)
    if trips is not None:
        problems.append(trips)
    events = _events(park, limits)
    if events is not None:
        problems.append(events)
    return [locate(p.path, p.message) for p in problems]


def _memory_parts(park: Park, sources: list[_Source]) -> list[tuple[float, KeyPath, str, str]]:
    """(bytes, where, what, advice) of each part of a replication's memory, and of the
    traces every replication keeps."""
    sc = park.scenario
    n = len(park.firms)
    days = sc.days
    lines = sum(len(f.inputs) for f in park.firms)
    links = sum(len(i.sources) + (i.alternative is not None) for f in park.firms for i in f.inputs)
    firm_path: KeyPath = sources[0].path if sources else ("enterprises",)
    parts: list[tuple[float, KeyPath, str, str]] = [
        (
            n * FIRM_BYTES + lines * LINE_BYTES + links * LINK_BYTES,
            firm_path,
            f"{n:,} firms with {lines:,} input lines",
            "make fewer firms",
        )
    ]
    ring = days + 1
    wf = sc.workforce
    origins = [*wf.origins, *(o for c in wf.classes.values() for o in c.origins or ())]
    travel = max([0, *(math.ceil(o.travel_days) for o in origins)])
    q = min(math.ceil(wf.quarantine_days) + travel, ring) + 1
    iso = min(math.ceil(sc.outbreaks.isolation_days), ring) + 1
    parts.extend(_ring_parts(q, iso, n))
    corridors = (c.lead_days for c in sc.corridors if c.lead_days is not None)
    lead = max([sc.supply.park_lead_days, *(s.lead_days for s in sc.suppliers), *corridors])
    pipe = max(1, math.ceil(lead)) + 1
    parts.append(
        (
            pipe * lines * 8,
            ("supply", "park_lead_days"),
            f"goods in transit over {pipe:,} days of lead time × {lines:,} input lines",
            "shorten the lead times",
        )
    )
    stations = sc.logistics.transfer_stations
    parts.append(
        (
            len(stations) * lines * 8 + sum(s.bays for s in stations) * BAY_BYTES,
            ("logistics", "transfer_stations"),
            f"{len(stations):,} transfer stations × {lines:,} input lines",
            "use fewer transfer stations or bays",
        )
    )
    parts.append(
        (
            len(sc.regions) * ring * 16,
            ("regions",),
            f"the control levels of {len(sc.regions):,} zones × {ring:,} days",
            "use fewer zones",
        )
    )
    measures = len(sc.finance.relief.measures)
    parts.append(
        (
            measures * n,
            ("finance", "relief", "measures"),
            f"{measures:,} relief measures × {n:,} firms",
            "use fewer relief measures",
        )
    )
    teams = min(sc.reopening.service_teams, 2 * n + 1)  # the teams the model starts
    parts.append(
        (
            teams * TEAM_BYTES,
            ("reopening", "service_teams"),
            f"{teams:,} service teams",
            "send fewer service teams",
        )
    )
    flight = _trip_count(park).in_flight
    parts.append(
        (
            flight * TRIP_BYTES,
            ("logistics", "truck_load"),
            f"up to {_count(flight)} truck trips in stations or on the road at once",
            "check `logistics.truck_load` (goods per truck trip, in output units)",
        )
    )
    goods = len({i.good for f in park.firms for i in f.inputs})
    sectors = len({f.sector for f in park.firms})
    series = TRACE_SERIES + sectors + goods + 5 * len(stations)
    per_trace = days * series * 8 + (n + len(sc.suppliers)) * 8
    reps = sc.replications
    biggest = max(
        (reps / 10, ("replications",), "fewer replications"),
        (days / 120, ("days",), "a shorter horizon"),
        (series / 100, firm_path, "fewer goods and sectors"),
        key=lambda f: f[0],
    )
    parts.append(
        (
            per_trace * reps,
            biggest[1],
            f"the daily records of {reps:,} replications × {days:,} days × {series:,} series",
            f"choose {biggest[2]}",
        )
    )
    return parts


def estimate(park: Park) -> Estimate:
    """The park's size by the same estimates `check` uses."""
    sc = park.scenario
    memory = sum(p[0] for p in _memory_parts(park, _firm_sources({}, {}, len(park.firms))))
    return Estimate(
        firm_days=len(park.firms) * sc.days * sc.replications,
        memory_bytes=memory,
        trips=_trip_count(park).total,
        events=_review_count(park) + _trip_count(park).total + _retests(park),
    )


@dataclass(frozen=True)
class _Trips:
    """Truck trips of one replication through transfer stations, by estimate."""

    volume: float = 0.0
    """Full loads: what the routes across zone boundaries may carry over the run."""
    part_loads: float = 0.0
    """One part-loaded truck per route and order cycle."""
    in_flight: float = 0.0
    """At most in stations or on the road at once: an order-up-to level of goods per line
    (goods on order count towards it) and one part-load per route."""
    worst: str = ""
    """The input line with the most full loads, described."""

    @property
    def total(self) -> float:
        return self.volume + self.part_loads


_LAST_TRIPS: list[tuple[Park, _Trips]] = []
"""The last park counted and its count: the checks ask for it four times (a province of
100,000 firms takes a quarter of a second a count)."""


def _trip_count(park: Park) -> _Trips:
    """Truck trips of a replication through stations (`_count_trips`), counted once per
    park."""
    if _LAST_TRIPS and _LAST_TRIPS[0][0] is park:
        return _LAST_TRIPS[0][1]
    trips = _count_trips(park)
    _LAST_TRIPS[:] = [(park, trips)]
    return trips


def _count_trips(park: Park) -> _Trips:
    """Truck trips of a replication through stations (none without a station, or when
    no level asks freight for passes): routes that cross a zone boundary go through
    them while either zone is controlled, at most all the time.

    The goods of a route are what its line may order over the run (its need for
    `order_up_to_days` plus `days`; an alternative source counted as if it took
    over), and at most what its source can make in the run (a supplier's capacity,
    a park firm's baseline output, for `days`).
    """
    sc = park.scenario
    lg = sc.logistics
    if not lg.transfer_stations or not any(c.freight_pass for c in sc.control_levels.values()):
        return _Trips()
    region = {f.id: f.region for f in park.firms}
    region |= {s.id: s.region for s in sc.suppliers}
    capacity = {f.id: f.baseline_output * sc.days for f in park.firms}
    capacity |= {s.id: s.capacity * sc.days for s in sc.suppliers}
    up_to = sc.supply.order_up_to_days
    cover = up_to + sc.days
    # a route ships when its line reorders, and then daily while its source is short:
    # count one part-load an order cycle (the days between reorder point and order-up-to)
    cycles = math.ceil(sc.days / max(1.0, up_to - sc.supply.reorder_days))
    ordered: dict[str, float] = {}
    held: dict[str, float] = {}
    routes = 0
    for f in park.firms:
        for inp in f.inputs:
            share = inp.per_output * f.baseline_output / len(inp.sources)
            alt = [inp.alternative] if inp.alternative else []
            for src in (*inp.sources, *alt):
                if region.get(src, f.region) == f.region:
                    continue
                routes += 1
                ordered[src] = ordered.get(src, 0.0) + share * cover
                held[src] = held.get(src, 0.0) + share * up_to
    if not routes:
        return _Trips()
    volume = in_flight = 0.0
    worst, worst_text = -1.0, ""
    for src, goods in ordered.items():
        goods = min(goods, capacity.get(src, goods))
        volume += goods / lg.truck_load
        in_flight += min(held[src], goods) / lg.truck_load
        if goods > worst:
            worst = goods
            worst_text = (
                f"{shown(src)} alone may ship {goods:.3g} across controlled boundaries in "
                f"the run ({sc.days:,} days and {up_to:g} days of cover), in loads of "
                f"{lg.truck_load:g}"
            )
    return _Trips(volume, routes * cycles, in_flight + routes, worst_text)


def _count(x: float) -> str:
    return f"{x:,.0f}" if x < 1e15 else f"{x:.3g}" if math.isfinite(x) else "astronomically many"


def _trips(park: Park, limits: Limits) -> Problem | None:
    trips = _trip_count(park)
    total = trips.total
    if total <= limits.trips:
        return None
    worst = trips.worst
    if trips.volume >= trips.part_loads:
        path: KeyPath = ("logistics", "truck_load")
        why = f"{worst}; check `logistics.truck_load` (goods per truck trip, in output units)"
    else:
        path = ("days",)
        why = (
            "each route across a controlled boundary sends at least one part-loaded truck "
            "an order cycle"
        )
    message = (
        f"this run could send {_count(total)} truck trips a replication through transfer "
        f"stations, more than `limits.trips` ({limits.trips:,}): {why}; or raise "
        "`limits.trips` if the run is meant to be this large"
    )
    return Problem(message, path=path)


MIN_RETRY_DAYS = 1 / 24
"""The model's shortest time between a failed review and the next application
(`sim.model.reopening.MIN_RETRY_DAYS`; the scenario layer does not import the model)."""


def _review_count(park: Park) -> float:
    """Reviews of one replication: each firm's first, then the failed ones again (on
    average 1 / (1 - fail_prob) in all; with fail_prob 1, one every review and
    rectification, at most every `MIN_RETRY_DAYS`), and one credit review a firm."""
    sc = park.scenario
    r = sc.reopening
    cycle = max(MIN_RETRY_DAYS, dist_min(r.review_days) + dist_min(r.rectify_days))
    most = sc.days / cycle + 1
    per_firm = most if r.fail_prob >= 1 else min(1 / (1 - r.fail_prob), most)
    credit = any(m.kind == "credit_line" for m in sc.finance.relief.measures)
    return len(park.firms) * (per_firm + credit)


def _retests(park: Park) -> float:
    """Admission tests of trucks turned back and declared again: each day a station
    tests what waits (up to `admit_per_day`), and while `admit_share` is below 1 the
    same trucks may come back every day."""
    sc = park.scenario
    in_flight = _trip_count(park).in_flight
    if not in_flight:
        return 0.0
    total = 0.0
    for st in sc.logistics.transfer_stations:
        if st.admit_share < 1:
            daily = in_flight if st.admit_per_day is None else min(in_flight, st.admit_per_day)
            total += daily * sc.days
    return total


def _events(park: Park, limits: Limits) -> Problem | None:
    reviews = _review_count(park)
    trips = _trip_count(park).total
    retests = _retests(park)
    total = reviews + trips + retests
    if total <= limits.events:
        return None
    sc = park.scenario
    if reviews >= max(trips, retests):
        path: KeyPath = ("reopening", "fail_prob")
        why = (
            f"{_count(reviews)} reviews: with fail_prob {sc.reopening.fail_prob:g}, each firm "
            "applies again after every failed review"
        )
    elif retests >= trips:
        worst = max(
            range(len(sc.logistics.transfer_stations)),
            key=lambda k: 1 - sc.logistics.transfer_stations[k].admit_share,
        )
        path = ("logistics", "transfer_stations", worst, "admit_share")
        why = (
            f"{_count(retests)} admission tests: trucks turned back come again, every day "
            "of the run"
        )
    else:
        path = ("logistics", "truck_load")
        why = f"{_count(trips)} truck trips"
    message = (
        f"this run could schedule {_count(total)} events a replication, more than "
        f"`limits.events` ({limits.events:,}); most are {why}; or raise `limits.events` "
        "if the run is meant to be this large"
    )
    return Problem(message, path=path)


__all__ = ["Estimate", "check", "check_planned", "estimate", "limits_of", "max_firms"]
