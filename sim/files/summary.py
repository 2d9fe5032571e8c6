"""`summary.json`: what a run was (scenario, seed, replications, days, start date,
sustain days, the published figures it is compared with, firms, the scenario's
SHA-256) and its `metrics` and `causes`, each entry `{"mean", "ci95": [lo, hi],
"values": [per replication], "reached"}` (`sim.metrics.summary`); the days-to-X
entries add their censored estimate: `"median"`, `"median_ci95"`, `"n"`,
`"censored_at"`, `"estimate"` (`sim.metrics.summarise_days_to`). Then `relapses`:
for each days-to-X metric, how many replications fell back more than
`reporting.relapse_margin` below the level after reaching it (`sim.metrics.relapses`),
and `names`: the display names of stations, suppliers and zones (`sim.files.names`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sim.files import names
from sim.files.cells import require_file
from sim.files.resolved import scenario_sha256
from sim.metrics import relapses, summary
from sim.record import Trace
from sim.scenario.expand import Park

FILE = "summary.json"


def document(park: Park, traces: Sequence[Trace]) -> dict[str, Any]:
    """The content of the file for these replications of the park."""
    sc = park.scenario
    metrics, causes = summary(traces, sc.reporting.sustain_days)
    return {
        "scenario": sc.name,
        "seed": sc.seed,
        "replications": len(traces),
        "days": traces[0].days if traces else sc.days,
        "start_date": sc.start_date.isoformat() if sc.start_date else None,
        "sustain_days": sc.reporting.sustain_days,
        "observations": [o.model_dump(mode="json") for o in sc.reporting.observations],
        "firms": traces[0].n_firms if traces else len(park.firms),
        "scenario_sha256": scenario_sha256(park),
        "metrics": metrics,
        "causes": causes,
        "relapses": relapses(traces, sc.reporting.sustain_days, sc.reporting.relapse_margin),
        "names": names.json_names(names.of_park(park, names.JSON_KINDS)),
    }


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ReportedFigure:
    """A published figure a scenario states (`reporting.observations`), as the file
    carries it: drawn on the recovery chart beside the simulated curves."""

    day: float
    """Day of the figure (day 0 = the run's start date)."""
    metric: str
    """Curve it belongs to: `capacity`, `resumption`, `resumption_above_scale`,
    `resumption_weighted` or `workforce` (the last two have no curve on the chart)."""
    value: float
    """Reported value as a share (0.976 for 97.6 %)."""
    tolerance: float = 0.0
    """Stated tolerance of the comparison (± share), drawn as an error bar."""
    label: str = ""
    """Short text written beside the marker."""
    source: str = ""
    """Where the figure was reported, named in the legend."""


@dataclass(frozen=True)
class RunSummary:
    """The parts of the file that the charts need (the full document is in `raw`)."""

    scenario: str
    seed: int | None
    replications: int | None
    days: int | None
    start_date: date | None
    raw: dict[str, Any] = field(repr=False)
    observations: tuple[ReportedFigure, ...] = ()
    """Published figures to draw beside the curves (none in runs older than them)."""

    def metric_mean(self, name: str) -> float | None:
        """Mean over replications of a headline metric (`days_to_80`, ...), if known."""
        value = lookup(self.raw, "metrics", name, "mean")
        return float(value) if isinstance(value, int | float) else None

    def metric_reached(self, name: str) -> int | None:
        """How many replications reached a threshold metric (`days_to_80`, ...), if known."""
        value = lookup(self.raw, "metrics", name, "reached")
        return int(value) if isinstance(value, int | float) else None

    def relapse(self, name: str) -> Mapping[str, Any] | None:
        """The `relapses` entry of a days-to-X metric (None in runs older than them)."""
        value = lookup(self.raw, "relapses", name)
        return value if isinstance(value, dict) else None

    @property
    def sustain_days(self) -> int | None:
        """Days a level must hold to count as reached (`reporting.sustain_days`)."""
        value = self.raw.get("sustain_days")
        return int(value) if isinstance(value, int | float) else None

    def cause_mean(self, cause: str) -> float | None:
        """Mean over replications of the output lost to `cause`, in baseline-days, if known."""
        value = lookup(self.raw, "causes", cause, "mean")
        return float(value) if isinstance(value, int | float) else None


def lookup(doc: Any, *keys: str) -> Any:
    """`doc[k1][k2]…`, or None where a key is missing or a level is not an object."""
    for key in keys:
        if not isinstance(doc, dict) or key not in doc:
            return None
        doc = doc[key]
    return doc


def read_run_json(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read a JSON file written for a run or a comparison: (the whole object, the fields
    every such file shares: scenario, seed, replications, days, start_date)."""
    path = Path(path)
    require_file(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from exc
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object at the top level")
    start_raw = raw.get("start_date")
    start: date | None = None
    if start_raw is not None:
        try:
            start = date.fromisoformat(str(start_raw))
        except ValueError as exc:
            raise ValueError(f"{path}: start_date {start_raw!r} is not a YYYY-MM-DD date") from exc

    def as_int(key: str) -> int | None:
        value = raw.get(key)
        return int(value) if isinstance(value, int | float) else None

    common = {
        "scenario": str(raw.get("scenario") or "unnamed scenario"),
        "seed": as_int("seed"),
        "replications": as_int("replications"),
        "days": as_int("days"),
        "start_date": start,
    }
    return raw, common


def read(path: Path) -> RunSummary:
    """Read the file: scenario name, seed, size of the run and its start date."""
    raw, common = read_run_json(path)
    return RunSummary(
        **common, raw=raw, observations=_read_observations(Path(path), raw.get("observations"))
    )


def _read_observations(path: Path, raw: Any) -> tuple[ReportedFigure, ...]:
    """The `observations` of the file (absent or null: none)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError(f"{path}: observations should be a list; found {type(raw).__name__}")
    figures = []
    for k, item in enumerate(raw):
        where = f"{path}: observations[{k}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected an object; found {type(item).__name__}")
        numbers = {}
        for key, default in (("day", None), ("value", None), ("tolerance", 0.0)):
            value = item.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{where}.{key}: expected a number; found {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{where}.{key}: expected a finite number; found {value!r}")
            numbers[key] = float(value)
        metric = item.get("metric")
        if not isinstance(metric, str) or not metric:
            raise ValueError(f"{where}.metric: expected the name of a curve; found {metric!r}")
        figures.append(
            ReportedFigure(
                day=numbers["day"],
                metric=metric,
                value=numbers["value"],
                tolerance=abs(numbers["tolerance"]),
                label=str(item.get("label") or ""),
                source=str(item.get("source") or ""),
            )
        )
    return tuple(figures)
