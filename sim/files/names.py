"""Display names: what a planner reads in charts and tables instead of ids.

A firm, an external supplier, a transfer station and a zone may carry a `name:` in the
scenario (a registry's 企业名称 column gives firms theirs). Files keep the ids — they
are the join keys — and add the names beside them: a `name` column in the tables a
planner opens (`bottlenecks.csv`, `compare_bottlenecks.csv`) and a `names` object in
`summary.json` and `comparison.json` for the stations, suppliers and zones the charts
title (firms are named in the tables only: a registry park may list thousands).

Sectors and goods have no `name:` in the scenario format: they are shown by their ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["PARK_FIRM", "REGION", "STATION", "SUPPLIER", "Names", "display", "merged", "of_park"]

from sim.comparison import PARK_FIRM, PARK_SOURCE, STATION, SUPPLIER
from sim.scenario.expand import Park

REGION = "region"
"""Zones and outside regions; the other kinds of named things are those of bottlenecks:
park firms (`PARK_FIRM`), external suppliers (`SUPPLIER`), stations (`STATION`) and the
parks of a region (`PARK_SOURCE`)."""
JSON_KINDS = (SUPPLIER, STATION, REGION)
"""The kinds whose names `summary.json` and `comparison.json` carry."""

Names = dict[str, dict[str, str]]
"""kind → id → display name (only the entries that have a name)."""


def of_park(park: Park, kinds: Iterable[str] = (PARK_FIRM, PARK_SOURCE, *JSON_KINDS)) -> Names:
    """The names the park's scenario gives, by kind (ids without a name are left out)."""
    sc = park.scenario
    found: dict[str, Iterable[Any]] = {
        PARK_FIRM: park.firms,
        PARK_SOURCE: sc.parks,
        SUPPLIER: sc.suppliers,
        STATION: sc.logistics.transfer_stations,
        REGION: sc.regions,
    }
    return {k: {x.id: x.name for x in found[k] if x.name} for k in kinds}


def merged(
    parks: Iterable[Park], kinds: Iterable[str] = (PARK_FIRM, PARK_SOURCE, *JSON_KINDS)
) -> Names:
    """The names of several parks (the options of a comparison); the first to name an id
    wins, so an option that adds a station adds its name."""
    kinds = tuple(kinds)
    out: Names = {k: {} for k in kinds}
    for park in parks:
        for kind, names in of_park(park, kinds).items():
            for ident, name in names.items():
                out[kind].setdefault(ident, name)
    return out


def json_names(names: Names) -> dict[str, dict[str, str]]:
    """The `names` object of a JSON file: the kinds charts title, sorted by id."""
    return {k: dict(sorted(names.get(k, {}).items())) for k in JSON_KINDS}


def read_names(doc: Mapping[str, Any]) -> Names:
    """The `names` object of a file's JSON (absent in older files: no names)."""
    raw = doc.get("names")
    if not isinstance(raw, dict):
        return {}
    return {
        str(kind): {str(i): str(n) for i, n in ids.items() if isinstance(n, str) and n}
        for kind, ids in raw.items()
        if isinstance(ids, dict)
    }


def display(names: Mapping[str, Mapping[str, str]], kind: str, ident: str) -> str:
    """How a planner reads an id: its name where the scenario gives one, else the id."""
    return names.get(kind, {}).get(ident) or ident
