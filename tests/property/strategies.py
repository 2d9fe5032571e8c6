"""Hypothesis strategies: valid tiny scenarios that exercise every mechanism at once.

`scenarios()` draws a scenario mapping (plain data, as a YAML file would hold)
for a park of 1–6 firms in one or two zones: random control timelines
including a custom level with an output cap, inputs between firms (cycles
included) and from 0–2 external suppliers with alternatives, 0–2 transfer
stations (some never open, some with no bays), passes, outbreaks that suspend
firms and raise levels, migrants, buses and employee stations, cash runways
and every kind of relief. Every draw is valid: `Scenario.model_validate` and
`expand` accept it (and so does the loader's `validate_source`, cross-references
included), so a failure is the model's, not the generator's.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from sim.scenario.schema import default_levels

LEVELS = ("lockdown", "controlled", "normal", "capped")
SECTORS = ("a", "b", "c")
TAGS = ("backbone", "livelihood", "epidemic_supplies", "low_labor")


def _share(lo: float = 0.0, hi: float = 1.0) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def _delay(hi: float) -> st.SearchStrategy[Any]:
    """A delay in days: a number or a uniform/triangular distribution within [0, hi]."""
    fixed = st.one_of(st.integers(0, int(hi)), _share(0, hi))
    uniform = st.tuples(_share(0, hi), _share(0, hi)).map(
        lambda t: {"uniform": {"from": min(t), "to": max(t)}}
    )
    tri = st.lists(_share(0, hi), min_size=3, max_size=3).map(sorted)
    triangular = tri.map(lambda t: {"triangular": {"from": t[0], "mode": t[1], "to": t[2]}})
    return st.one_of(fixed, uniform, triangular)


def _timeline(draw: st.DrawFn, horizon: int) -> list[dict[str, Any]]:
    days = sorted(draw(st.lists(st.integers(0, horizon), min_size=1, max_size=4, unique=True)))
    return [{"day": d, "level": draw(st.sampled_from(LEVELS))} for d in days]


def _levels(draw: st.DrawFn) -> dict[str, Any]:
    out = {k: v.model_dump() for k, v in default_levels().items()}
    out["capped"] = {
        "operate": draw(st.sampled_from(["whitelist", "apply", "all"])),
        "closed_loop_only": draw(st.booleans()),
        "commuting": draw(st.booleans()),
        "review": draw(st.booleans()),
        "output_cap": draw(_share()),
        "freight_pass": draw(st.booleans()),
        "rank": 1,
    }
    return out


def _inputs(draw: st.DrawFn, me: str, others: list[str]) -> list[dict[str, Any]]:
    """0–2 input lines from any other firm or supplier (so cycles between firms occur)."""
    if not others:
        return []
    lines = []
    for k in range(draw(st.integers(0, 2))):
        sources = draw(st.lists(st.sampled_from(others), min_size=1, max_size=2, unique=True))
        line: dict[str, Any] = {
            "good": f"g{k}_{sources[0]}",
            "from": sources,
            "per_output": draw(_share(0, 1.5)),
            "criticality": draw(st.sampled_from(["critical", "important", "non_critical"])),
            "shortage_cut": draw(_share()),
        }
        if draw(st.booleans()):
            line["stock_days"] = draw(_share(0, 10))
        alt = [o for o in others if o not in sources and o != me]
        if alt and draw(st.booleans()):
            line["alternative"] = draw(st.sampled_from(alt))
        lines.append(line)
    return lines


def _firm(draw: st.DrawFn, i: int, ids: list[str], sup_ids: list[str], zones: list[str]):
    fid = ids[i]
    staff = draw(st.integers(0, 200))
    f: dict[str, Any] = {
        "id": fid,
        "sector": draw(st.sampled_from(SECTORS)),
        "region": draw(st.sampled_from(zones)),
        "above_scale": draw(st.booleans()),
        "baseline_output": draw(_share(0.1, 20)),
        "staff": staff,
        "migrant_share": draw(_share()),
        "dorm_beds": draw(st.integers(0, staff)),
        "bus_seats": draw(st.integers(0, staff)),
        "closed_loop": draw(st.booleans()),
        "ramp_days": draw(st.integers(0, 10)),
        "initially_open": draw(st.booleans()),
        "tags": draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True)),
        "outbound_share": draw(st.sampled_from([0.0, 0.0, 0.5, 1.0])),
        "inputs": _inputs(draw, fid, [x for x in ids if x != fid] + sup_ids),
    }
    if draw(st.booleans()):
        f["cash_days"] = draw(_share(0, 60))
    return f


def _stations(draw: st.DrawFn, horizon: int, ids: list[str]) -> list[dict[str, Any]]:
    out = []
    for k in range(draw(st.integers(0, 2))):
        opening = draw(st.integers(0, horizon + 5))  # some never open within the horizon
        st_: dict[str, Any] = {
            "id": f"st{k}",
            "opening_day": opening,
            "bays": draw(st.integers(0, 3)),
            "hours_per_day": draw(_share(1, 24)),
            "handling_hours": draw(_delay(12)),
            "admit_share": draw(_share()),
        }
        if draw(st.booleans()):
            st_["closing_day"] = opening + draw(st.integers(1, 20))
        if draw(st.booleans()):
            st_["admit_per_day"] = draw(st.integers(0, 10))
        if draw(st.booleans()):
            st_["serves"] = ["out"]
        if k > 0 and draw(st.booleans()):
            st_["partner_for"] = [draw(st.sampled_from(ids))]
        out.append(st_)
    return out


def _relief(draw: st.DrawFn) -> dict[str, Any]:
    measures = []
    for k, kind in enumerate(
        draw(
            st.lists(
                st.sampled_from(["rent_waiver", "tax_cut", "wage_subsidy", "credit_line"]),
                max_size=3,
            )
        )
    ):
        m: dict[str, Any] = {
            "id": f"m{k}",
            "kind": kind,
            "start_day": draw(st.integers(0, 10)),
            "days": draw(st.integers(1, 40)),
        }
        if kind in ("rent_waiver", "tax_cut"):
            m["share"] = draw(_share())
        elif kind == "wage_subsidy":
            m["per_worker_per_day"] = draw(_share(0, 0.05))
        else:
            m["amount_days"] = draw(_share(0, 60))
            m["only_when_short"] = draw(st.booleans())
        if draw(st.booleans()):
            m["eligible"] = {"max_staff": draw(st.integers(0, 200))}
        measures.append(m)
    relief: dict[str, Any] = {"measures": measures}
    if draw(st.booleans()):
        relief["budget"] = draw(_share(0, 50))
    return relief


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A valid scenario mapping of a tiny park (see the module docstring)."""
    horizon = draw(st.integers(1, 40))
    n = draw(st.integers(1, 6))
    ids = [f"f{i}" for i in range(n)]
    sup_ids = [f"sup{k}" for k in range(draw(st.integers(0, 2)))]
    zones = ["park", "park2"] if draw(st.booleans()) else ["park"]
    firms = [_firm(draw, i, ids, sup_ids, zones) for i in range(n)]
    regions = [{"id": z, "timeline": _timeline(draw, horizon)} for z in zones]
    regions.append({"id": "out", "timeline": _timeline(draw, horizon)})
    suppliers = [
        {
            "id": s,
            "region": "out",
            "capacity": draw(_share(0, 100)),
            "reopen_day": draw(_delay(30)),
            "lead_days": draw(st.integers(0, 4)),
            "whitelisted": draw(st.booleans()),
        }
        for s in sup_ids
    ]
    reorder = draw(_share(0, 8))
    used = sorted({f["sector"] for f in firms})  # a batch naming a sector of no firm is refused
    fail_prob = draw(_share())
    whitelists = [
        {"day": draw(st.integers(0, 10)), "tags": ["backbone"]},
        {"day": draw(st.integers(0, 10)), "firms": [draw(st.sampled_from(ids))]},
        {"day": draw(st.integers(0, 20)), "sectors": [draw(st.sampled_from(used))]},
        {"day": draw(st.integers(0, 20)), "top_n": {"n": draw(st.integers(0, 3))}},
        {"day": draw(st.integers(0, 20)), "suppliers_of_listed": True},
    ]
    data: dict[str, Any] = {
        "name": "prop",
        "days": horizon,
        "seed": draw(st.integers(0, 2**32)),
        "replications": 1,
        "control_levels": _levels(draw),
        "regions": regions,
        "enterprises": firms,
        "suppliers": suppliers,
        "supply": {
            "stock_days": draw(_share(0, 10)),
            "reorder_days": reorder,
            "order_up_to_days": reorder + draw(_share(0, 8)),
            "park_lead_days": draw(st.integers(0, 3)),
            "backlog_rule": draw(st.sampled_from(["proportional", "priority"])),
            "finished_stock_days": draw(_share(0, 10)),
            "coordination": {
                "start_day": draw(st.integers(0, 15)),
                "suppliers": draw(st.lists(st.sampled_from(sup_ids), unique=True))
                if sup_ids
                else [],
                "top_n": draw(st.integers(0, 2)),
            },
        },
        "logistics": {
            "truck_load": draw(_share(0.5, 20)),
            "transfer_stations": _stations(draw, horizon, ids),
            "routing": draw(st.sampled_from(["nearest", "shortest_queue"])),
            "retry_days": draw(_share(0, 3)),
        },
        "reopening": {
            "service_teams": draw(st.integers(1, 3)),
            "fail_prob": fail_prob,
            "review_days": draw(_delay(3)),
            # with fail_prob near 1 and 0 days this was a hang (test_regressions.py)
            "rectify_days": draw(_delay(5)),
            "apply_days": draw(_delay(3)),
            "ramp_days": draw(_share(0, 10)),
            "ramp_shape": draw(_share(0.2, 3)),
            "priority": draw(st.lists(st.sampled_from(TAGS), max_size=3, unique=True)),
            "whitelists": draw(st.lists(st.sampled_from(whitelists), max_size=3)),
            "liaison": {"firms_per_team": draw(st.integers(0, 2))},
        },
        "workforce": {
            "quarantine_days": draw(_share(0, 14)),
            "migrant_return": [
                {"day": 0, "share": 0},
                {"day": draw(st.integers(1, 30)), "share": draw(_share())},
            ],
            "chartered_buses": [
                {"day": draw(st.integers(0, 30)), "seats": draw(st.integers(0, 200))}
            ],
            "employee_station_beds": draw(st.integers(0, 100)),
            "clean_days_for_bus": draw(st.integers(0, 14)),
            "min_crew_share": draw(_share(0, 0.5)),
        },
        "outbreaks": {
            "rate_per_1000_staff_day": draw(st.sampled_from([0.0, 1.0, 50.0])),
            "closed_loop_factor": draw(_share()),
            "suspension_days": draw(_delay(10)),
            "closed_loop_suspension_days": draw(_delay(5)),
            "suspended_output_share": draw(_share()),
            "isolated_per_case": draw(_delay(10)),
            "isolation_days": draw(_share(0, 14)),
        },
        "finance": {
            "margin": draw(_share()),
            "grace_days": draw(_share(0, 10)),
            "switch_days": draw(_share(0, 10)),
            "relief": _relief(draw),
        },
    }
    if draw(st.booleans()):
        data["outbreaks"]["raise_level"] = {
            "cases": draw(st.integers(1, 3)),
            "level": draw(st.sampled_from(LEVELS)),
            "days": draw(st.integers(1, 10)),
        }
    if draw(st.booleans()):
        data["logistics"]["passes_per_day"] = draw(st.integers(0, 3))
    if draw(st.booleans()):
        data["logistics"]["grants"] = [
            {"day": draw(st.integers(0, 20)), "firms": [draw(st.sampled_from(ids))]}
        ]
    if draw(st.booleans()):
        data["finance"]["cash_days"] = draw(_delay(60))
    if draw(st.booleans()):
        _staff_return(draw, data, horizon)
    return data


def _staff_return(draw: st.DrawFn, data: dict[str, Any], horizon: int) -> None:
    """Locals coming back along a curve, migrants by origin, growing housing, hotels."""
    wf = data["workforce"]
    if draw(st.booleans()):
        wf["local_return"] = [
            {"day": 0, "share": draw(_share())},
            {"day": draw(st.integers(0, horizon)), "share": 1},
        ]
    regions = [r["id"] for r in data["regions"]]
    n = draw(st.integers(0, 2))
    shares = [draw(_share(0, 1 / max(n, 1))) for _ in range(n)]
    wf["origins"] = [
        {
            "region": draw(st.sampled_from(regions)),
            "share": sh,
            "travel_days": draw(_share(0, 5)),
            "leave_over_days": draw(_share(0, 10)),
        }
        for sh in shares
    ]
    if draw(st.booleans()):
        wf["housing"] = {
            "growth_per_day": draw(_share(0, 0.3)),
            "ceiling_share": draw(_share()),
            "starts": draw(st.sampled_from(["allowed", "open"])),
        }
    days = sorted(draw(st.lists(st.integers(0, horizon), max_size=2, unique=True)))
    wf["hotel_beds"] = [{"day": d, "beds": draw(st.integers(0, 100))} for d in days]
    data["control_levels"]["capped"]["departures"] = draw(st.sampled_from([None, True, False]))
