"""Warnings: what a scenario may say, but probably does not mean.

An error stops a run; a warning lets it go on and says, at the key, why the
result may surprise: 10^6 service teams for 38 firms, more dorm beds than staff,
a white-list batch released after the last day, costs above the margin. The
loader puts them in `Park.warnings`; `load.print_warnings` prints them as
`warning: file:line:col: key.path: why`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from sim.scenario.errors import KeyPath, Problem, shown
from sim.scenario.expand import Park
from sim.scenario.schema import ApprovalEligibility, ContinuityRule, Enterprise, Scenario

Locate = Callable[[KeyPath, str], Problem]

MANY_TEAMS = 100
"""Service teams that may outnumber the firms without a warning (a small test park with
the default five teams is fine; a million for 38 firms is a typo)."""
MANY_BAYS = 1000
"""Bays beyond which a transfer station is implausible (Qingtaishan had a few dozen
lanes; Sichuan, 9 May 2022); up to `schema.MAX_BAYS` is still accepted."""


def check_warnings(park: Park, locate: Locate, *, shortened: bool = False) -> list[Problem]:
    """Every warning about a loaded park, located at its key (`locate(path, message)`).

    `shortened`: the horizon was set on the command line (`--days`, `--set days=`), a
    deliberate short run, so what falls after its end is not worth a warning."""
    sc = park.scenario
    out: list[Problem] = []

    def warn(path: KeyPath, message: str) -> None:
        out.append(locate(path, message))

    firms = park.firms
    n = len(firms)
    staff = sum(f.staff for f in firms)
    migrants = sum(round(f.migrant_share * f.staff) for f in firms)

    # sizes beyond what they serve
    for i, f in enumerate(sc.enterprises):
        for key, what in (("dorm_beds", "dorm beds"), ("bus_seats", "bus seats")):
            have = getattr(f, key)
            if have > f.staff:
                warn(
                    ("enterprises", i, key),
                    f"{have:,} {what} for {f.staff:,} staff: those beyond the staff serve nobody",
                )
    extra = [f.id for f in firms[len(sc.enterprises) :] if max(f.dorm_beds, f.bus_seats) > f.staff]
    if extra:
        warn(
            ("registry",),
            f"{len(extra):,} registry firms have more dorm beds or bus seats than staff "
            f"(first {shown(extra[0])}): those beyond the staff serve nobody",
        )
    beds = sc.workforce.employee_station_beds
    if beds > staff:
        warn(
            ("workforce", "employee_station_beds"),
            f"{beds:,} employee-station beds for {staff:,} staff in the whole park",
        )
    for i, bus in enumerate(sc.workforce.chartered_buses):
        if bus.seats > migrants:
            warn(
                ("workforce", "chartered_buses", i, "seats"),
                f"{bus.seats:,} seats for {migrants:,} migrant workers in the whole park",
            )
    teams = sc.reopening.service_teams
    if teams > max(n, MANY_TEAMS):
        warn(
            ("reopening", "service_teams"),
            f"{teams:,} service teams for {n:,} firms: a team reviews one firm at a time, "
            f"so at most {n:,} ever work",
        )
    for i, st in enumerate(sc.logistics.transfer_stations):
        if st.bays > MANY_BAYS:
            warn(
                ("logistics", "transfer_stations", i, "bays"),
                f"{st.bays:,} unloading bays in one station (Qingtaishan had a few dozen lanes)",
            )

    for i, b in enumerate(sc.reopening.whitelists):
        picks = b.firms or b.tags or b.sectors or b.above_scale or b.suppliers_of_listed
        if not picks and (b.top_n is None or b.top_n.n == 0):
            warn(("reopening", "whitelists", i), "this batch selects no firm")
    for i, a in enumerate(sc.reopening.approvals):
        zones = _zones_of(park, a.eligible.parks)
        if a.per_day == 0:
            warn(("reopening", "approvals", i, "per_day"), "this rule approves no firm")
        elif not any(_eligible(a.eligible, f, zones) for f in firms):
            warn(("reopening", "approvals", i, "eligible"), "no firm is eligible for this rule")
    for i, c in enumerate(sc.continuity):
        if not any(_kept(c, f) for f in firms):
            warn(("continuity", i), "this rule keeps no firm running")
    if sc.scale.firms is not None and not sc.generate:
        warn(("scale", "firms"), "there is no `generate` entry to rescale: it changes nothing")
    for cname, cls in sc.firm_classes.items():
        for j, rule in enumerate(cls.inputs):
            if rule.same_park_share is None:
                continue
            if not sc.parks or not rule.from_sector:
                why = "there are no `parks`" if not sc.parks else "the rule has no `from_sector`"
                warn(
                    ("firm_classes", cname, "inputs", j, "same_park_share"),
                    f"{why}: the share of sources in the firm's own park changes nothing",
                )

    # things dated after the run ends
    days = sc.days

    def after(path: KeyPath, day: float, what: str) -> None:
        if not shortened and math.ceil(day) >= days:
            warn(
                path,
                f"day {day:g} is after the last day of the run (day {days - 1:,}): {what}",
            )

    for i, b in enumerate(sc.reopening.whitelists):
        after(("reopening", "whitelists", i, "day"), b.day, "the batch is never released")
    for i, a in enumerate(sc.reopening.approvals):
        path = ("reopening", "approvals", i, "start_day")
        after(path, a.start_day, "the rule never approves a firm")
    for i, g in enumerate(sc.logistics.grants):
        after(("logistics", "grants", i, "day"), g.day, "the passes are never granted")
    for i, st in enumerate(sc.logistics.transfer_stations):
        path = ("logistics", "transfer_stations", i, "opening_day")
        after(path, st.opening_day, "the station never opens")
    for i, bus in enumerate(sc.workforce.chartered_buses):
        after(("workforce", "chartered_buses", i, "day"), bus.day, "the bus never arrives")
    for i, m in enumerate(sc.finance.relief.measures):
        after(
            ("finance", "relief", "measures", i, "start_day"),
            m.start_day,
            "the measure never starts",
        )
    co = sc.supply.coordination
    if co.suppliers or co.top_n:
        after(("supply", "coordination", "start_day"), co.start_day, "coordination never starts")
    q = sc.workforce.quarantine_days
    if migrants and not shortened and math.ceil(q) >= days:
        warn(
            ("workforce", "quarantine_days"),
            f"a quarantine of {q:g} days outlasts the run ({days:,} days): no returning "
            "migrant ever goes on post",
        )
    ob = sc.outbreaks
    if ob.rate_per_1000_staff_day > 0 and not shortened and math.ceil(ob.isolation_days) >= days:
        warn(
            ("outbreaks", "isolation_days"),
            f"an isolation of {ob.isolation_days:g} days outlasts the run ({days:,} days): "
            "isolated staff never come back",
        )

    # rules that make a mechanism do nothing, or everything
    if sc.reopening.fail_prob >= 1 and any(lv.review for lv in sc.control_levels.values()):
        warn(
            ("reopening", "fail_prob"),
            "every review fails: no firm that needs a review ever reopens",
        )
    fin = sc.finance
    cash = fin.cash_days is not None or any(f.cash_days is not None for f in firms)
    if cash and fin.fixed_cost_share + fin.wage_share > fin.margin:
        warn(
            ("finance", "margin"),
            f"fixed costs and wages ({fin.fixed_cost_share:g} + {fin.wage_share:g} of baseline "
            f"output a day) are above the margin ({fin.margin:g}): every firm with cash loses "
            "money even at full output, and fails when its runway ends",
        )
    out.extend(_halted_on_day_0(park, locate))
    out.extend(_park_workforce(park, locate, shortened=shortened))
    out.extend(_corridors(park, locate, shortened=shortened))
    out.extend(_region_policies(park, locate))
    return out


POOLED = (
    "employee_station_beds",
    "hotel_beds",
    "chartered_buses",
    "migrant_return",
    "local_return",
)
"""`workforce` keys a park may give for itself (`parks[].workforce`)."""


def _park_workforce(park: Park, locate: Locate, *, shortened: bool) -> list[Problem]:
    """A park's own workforce pool beyond its firms' staff or migrants, its buses after the
    run, and a region-wide `workforce` key that every park replaces with its own (it
    serves no firm)."""
    sc = park.scenario
    if not sc.parks:
        return []
    out: list[Problem] = []
    zone_park = {z: k for k, p in enumerate(sc.parks) for z in p.zones}
    staff = [0] * len(sc.parks)
    migrants = [0] * len(sc.parks)
    for f in park.firms:
        k = zone_park.get(f.region)
        if k is not None:
            staff[k] += f.staff
            migrants[k] += round(f.migrant_share * f.staff)
    for k, p in enumerate(sc.parks):
        wf = p.workforce
        at = ("parks", k, "workforce")
        whose = f"the firms of park {shown(p.id)}"
        if wf.employee_station_beds is not None and wf.employee_station_beds > staff[k]:
            out.append(
                locate(
                    (*at, "employee_station_beds"),
                    f"{wf.employee_station_beds:,} employee-station beds for {staff[k]:,} staff "
                    f"of {whose}, the only ones they serve",
                )
            )
        for j, entry in enumerate(wf.hotel_beds or ()):
            if entry.beds > staff[k]:
                out.append(
                    locate(
                        (*at, "hotel_beds", j, "beds"),
                        f"{entry.beds:,} hotel beds for {staff[k]:,} staff of {whose}, "
                        "the only ones they serve",
                    )
                )
        for j, bus in enumerate(wf.chartered_buses or ()):
            if bus.seats > migrants[k]:
                out.append(
                    locate(
                        (*at, "chartered_buses", j, "seats"),
                        f"{bus.seats:,} seats for {migrants[k]:,} migrant workers of {whose}, "
                        "the only ones they serve",
                    )
                )
            if not shortened and math.ceil(bus.day) >= sc.days:
                out.append(
                    locate(
                        (*at, "chartered_buses", j, "day"),
                        f"day {bus.day:g} is after the last day of the run (day "
                        f"{sc.days - 1:,}): the bus never arrives",
                    )
                )
    given = sc.workforce.model_fields_set
    for key in POOLED:
        if key not in given or getattr(sc.workforce, key) in (None, [], 0):
            continue
        if all(getattr(p.workforce, key) is not None for p in sc.parks):
            out.append(
                locate(
                    ("workforce", key),
                    f"every park gives its own `{key}` (parks[].workforce): the region's "
                    "serves no firm",
                )
            )
    return out


def _pass_days(sc: Scenario) -> dict[str, tuple[bool, bool]]:
    """Zone → (whether it requires freight passes on every day of the run, whether on
    any day), by its timeline; a level raised by outbreaks may ask for passes on any
    day, if the raise's level does."""
    levels = sc.control_levels
    base = "normal" if "normal" in levels else min(levels, key=lambda k: levels[k].rank)
    raise_ = sc.outbreaks.raise_level
    raised = raise_ is not None and levels[raise_.level].freight_pass
    out = {}
    for r in sc.regions:
        passes = [levels[base].freight_pass] * sc.days
        for change in r.timeline:
            start = math.ceil(change.day)
            passes[start:] = [levels[change.level].freight_pass] * max(0, sc.days - start)
        out[r.id] = (all(passes), any(passes) or raised)
    return out


def _corridors(park: Park, locate: Locate, *, shortened: bool) -> list[Problem]:
    """Corridors whose stations or passes do not do what they seem to: a station that
    never opens while an end park needs passes for the whole run, a station of another
    park, passes and stations between parks that never need passes."""
    sc = park.scenario
    if not sc.corridors:
        return []
    out: list[Problem] = []
    days = sc.days
    pass_days = _pass_days(sc)
    zones = {p.id: p.zones for p in sc.parks}
    stations = {st.id: st for st in sc.logistics.transfer_stations}
    for i, c in enumerate(sc.corridors):
        ends = c.between
        locked = [p for p in ends if all(pass_days[z][0] for z in zones.get(p, ()))]
        closed = [
            sid
            for sid in c.stations
            if sid in stations and math.ceil(stations[sid].opening_day) >= days
        ]
        for j, sid in enumerate(c.stations):
            st = stations.get(sid)
            if st is None:
                continue  # an unknown station is an error of its own
            path: KeyPath = ("corridors", i, "stations", j)
            if st.park is not None and st.park not in ends:
                out.append(
                    locate(
                        path,
                        f"station {shown(sid)} belongs to park {shown(st.park)}, which this "
                        f"corridor does not join ({shown(ends[0])}, {shown(ends[1])}): listed "
                        "here, it handles this corridor's trucks only, never the inbound "
                        f"freight of park {shown(st.park)}",
                    )
                )
            if locked and sid in closed and not shortened:
                gate = (
                    ", and as none of the corridor's stations opens, its trucks that need a "
                    "pass wait at the gate for the whole run"
                    if len(closed) == len(c.stations)
                    else ""
                )
                out.append(
                    locate(
                        path,
                        f"station {shown(sid)} never opens in the run (opening day "
                        f"{st.opening_day:g}, last day {days - 1:,}) while park "
                        f"{shown(locked[0])} requires freight passes for the whole run{gate}",
                    )
                )
        if shortened or any(pass_days[z][1] for p in ends for z in zones.get(p, ())):
            continue
        for key, what in (("passes_per_day", "passes"), ("stations", "stations")):
            if getattr(c, key) not in (None, []):
                out.append(
                    locate(
                        ("corridors", i, key),
                        f"neither park {shown(ends[0])} nor park {shown(ends[1])} requires "
                        f"freight passes on any day of the run: the corridor's {what} never "
                        "serve a truck",
                    )
                )
    return out


def _region_policies(park: Park, locate: Locate) -> list[Problem]:
    """Cross-park policies that can change nothing: mutual recognition with no batch
    listing suppliers (nothing to recognise) or with one park only, and recognition or
    liaison across parks in a scenario without `parks` (one park: no other to reach)."""
    sc = park.scenario
    ro = sc.reopening
    mr = ro.mutual_recognition
    out: list[Problem] = []
    if not sc.parks:
        if mr is not None:
            out.append(
                locate(
                    ("reopening", "mutual_recognition"),
                    "the scenario has no `parks`: it is one park, and there is no other "
                    "park's list to recognise",
                )
            )
        if ro.liaison.across_parks:
            out.append(
                locate(
                    ("reopening", "liaison", "across_parks"),
                    "the scenario has no `parks`: it is one park, so liaison across parks "
                    "changes nothing",
                )
            )
        return out
    if mr is not None and not any(b.suppliers_of_listed for b in ro.whitelists):
        out.append(
            locate(
                ("reopening", "mutual_recognition"),
                "no white-list batch has `suppliers_of_listed`: there is no list of "
                "suppliers for the other parks to recognise",
            )
        )
    if mr is not None and len(set(mr.parks)) == 1:
        out.append(
            locate(
                ("reopening", "mutual_recognition", "parks"),
                f"only park {shown(mr.parks[0])} recognises lists: it needs another park "
                "that recognises them too",
            )
        )
    return out


def _zones_of(park: Park, parks: list[str]) -> set[str] | None:
    """The zones of the named parks (None: no restriction)."""
    if not parks:
        return None
    return {z for p in park.scenario.parks if p.id in parks for z in p.zones}


def _halted_on_day_0(park: Park, locate: Locate) -> list[Problem]:
    """Firms `initially_open` ("operating normally at day 0") whose zone on day 0 lets
    only white-listed (or closed-loop) firms run, and that no day-0 batch lists: they
    are halted from the first day, which is rarely what `initially_open` meant."""
    sc = park.scenario
    day0 = [b for b in sc.reopening.whitelists if math.ceil(b.day) == 0]
    if any(b.top_n is not None or b.suppliers_of_listed for b in day0):
        return []  # which firms those select is known only in the run
    listed = {fid for b in day0 for fid in b.firms}
    tags = {t for b in day0 for t in b.tags}
    sectors = {s for b in day0 for s in b.sectors}
    above = any(b.above_scale for b in day0)
    level: dict[str, str] = {}
    for r in sc.regions:
        level[r.id] = "normal"
        for change in r.timeline:
            if math.ceil(change.day) == 0:
                level[r.id] = change.level
    halted: list[tuple[int, str, str]] = []
    for i, f in enumerate(park.firms):
        if not f.initially_open:
            continue
        name = level.get(f.region, "normal")
        lv = sc.control_levels.get(name)
        if lv is None:
            continue
        if any(_kept(c, f) and (not c.levels or name in c.levels) for c in sc.continuity):
            continue  # it keeps running, in part
        on_list = f.id in listed or bool(tags & set(f.tags)) or f.sector in sectors
        on_list = on_list or (above and f.above_scale)
        if lv.closed_loop_only and not f.closed_loop:
            halted.append((i, f.id, "lets only closed-loop firms run, and it is not one"))
        elif lv.operate == "whitelist" and not on_list:
            halted.append(
                (i, f.id, "lets only white-listed firms run, and no day-0 batch lists it")
            )
    out = []
    listed_firms = len(sc.enterprises)
    for i, fid, why in halted:
        if i < listed_firms:
            out.append(
                locate(
                    ("enterprises", i, "initially_open"),
                    f"firm {shown(fid)} is open at day 0, but its zone's level on day 0 "
                    f"{why}: it is halted from the first day",
                )
            )
    others = [fid for i, fid, _ in halted if i >= listed_firms]
    if others:
        out.append(
            locate(
                ("reopening", "whitelists"),
                f"{len(others):,} generated or registry firms are open at day 0 in a zone whose "
                f"level on day 0 lets only white-listed or closed-loop firms run (first "
                f"{shown(others[0])}): they are halted from the first day",
            )
        )
    return out


def _eligible(el: ApprovalEligibility, f: Enterprise, zones: set[str] | None = None) -> bool:
    """Whether firm `f` is eligible for an approval rule (in one of `zones`, if given)."""
    return (
        (zones is None or f.region in zones)
        and (not el.classes or f.firm_class in el.classes)
        and (not el.tags or bool(set(el.tags) & set(f.tags)))
        and (not el.sectors or f.sector in el.sectors)
        and (el.above_scale is None or f.above_scale == el.above_scale)
        and (el.closed_loop is None or f.closed_loop == el.closed_loop)
        and (el.max_staff is None or f.staff <= el.max_staff)
    )


def _kept(rule: ContinuityRule, f: Enterprise) -> bool:
    """Whether a continuity rule picks firm `f` (under some level)."""
    picked = not (rule.classes or rule.tags or rule.sectors or rule.firms)
    picked = picked or f.firm_class in rule.classes or bool(set(rule.tags) & set(f.tags))
    picked = picked or f.sector in rule.sectors or f.id in rule.firms
    return picked and (f.closed_loop or not rule.closed_loop_only)
