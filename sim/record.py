"""What is observed each day of a replication, kept as numpy arrays (the Trace).

The recorder follows declarations: the park's own series (output, resumption,
lost output by cause, firms by state) are declared here, from the World's firm
arrays; every other series is declared by the mechanism whose state it reads
(`Mechanism.series`). At the end of each day, after every close hook, each daily
series is read once; run totals are read once after the last day (a run total of
the recorder's own, such as a region's cost by park, is added up each day after the
daily series). In a region of parks the recorder also declares its series by park.
`metrics` and `output` read the Trace. Nothing here writes files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from sim.model.groups import MEASURES, Groups, has_resumed
from sim.model.mechanism import Series
from sim.model.state import STATE_NAMES, FirmState
from sim.model.workforce import WORKFORCE_PARTS

if TYPE_CHECKING:
    from sim.model.world import World

PARK = "park"
"""Group of the series the recorder declares itself (the World's firm arrays)."""

LOST_BY_PARK = "lost_by_park"
"""Lost output (value units) each day by park and cause, in a region of parks."""
COST_BY_PARK = "cost_by_park"
"""Lost output (value units, whole run) of each park's firms blamed on missing goods of
each park's firms (or of outside suppliers), in a region of parks."""
PARK_SIZE = "park_size"
"""Each park's firms and baseline output per day, in a region of parks."""
PARK_SIZE_PARTS = ("firms", "baseline")
OUTSIDE = "outside"
"""The supplying 'park' of external suppliers in outside regions (`cost_by_park`)."""

KEY_FIRMS = 12
"""How many key firms a run follows day by day when the scenario names none."""
KEY_SERIES = ("key_firm_state", "key_firm_cause", "key_firm_output")
"""The key firms' daily state, cause of loss and output share (`key_firms.csv`)."""


@dataclass(eq=False)
class Recorded:
    """One declared series of one replication, with its declaration."""

    name: str
    group: str
    """Mechanism that declared it (`park`: the recorder, from the World's arrays)."""
    unit: str
    doc: str
    axes: tuple[tuple[str, ...], ...]
    """Labels of each axis after the day (for a run total, of each axis)."""
    daily: bool
    """True: `values[d]` is day d; False: one value for the whole run."""
    values: np.ndarray

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Recorded):
            return NotImplemented
        a, b = self.values, other.values
        return (
            (self.name, self.group, self.unit, self.doc, self.axes, self.daily)
            == (other.name, other.group, other.unit, other.doc, other.axes, other.daily)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass
class Trace:
    """Daily observations of one replication: the park's facts and every declared series."""

    replication: int
    days: int
    sectors: tuple[str, ...]
    causes: tuple[str, ...]
    """Causes of lost output in reporting order (columns of `lost`)."""
    cause_groups: tuple[str, ...]
    """Mechanism declaring each cause (`state`: the firm's state alone)."""
    cause_docs: tuple[str, ...]
    """What each cause means."""
    states: tuple[str, ...]
    n_firms: int
    n_above_scale: int
    staff_total: int
    baseline_total: float
    baseline_sector: np.ndarray
    series: dict[str, Recorded]
    """Every declared series by name, in declaration order (park first, then tuple order)."""

    def declared(self) -> Iterator[Recorded]:
        """Every declared series: name, group, unit, axes and values."""
        return iter(self.series.values())

    @property
    def output(self) -> np.ndarray:
        """Park output per day (value units)."""
        return self.series["output"].values

    @property
    def output_sector(self) -> np.ndarray:
        """(days, sectors) output."""
        return self.series["output_sector"].values

    @property
    def resumption(self) -> np.ndarray:
        """Share of firms operating today (open, or suspended keeping a share, and allowed
        or kept running); `resumed` is the share that have resumed."""
        return self.series["resumption"].values

    @property
    def resumption_weighted(self) -> np.ndarray:
        """Share of baseline output held by operating firms."""
        return self.series["resumption_weighted"].values

    @property
    def resumption_above_scale(self) -> np.ndarray:
        """Share of above-scale firms operating (NaN if there are none)."""
        return self.series["resumption_above_scale"].values

    @property
    def resumed(self) -> np.ndarray:
        """Share of firms that have resumed (reopened and not failed: 已复工)."""
        return self.series["resumed"].values

    @property
    def lost(self) -> np.ndarray:
        """(days, causes) lost output in value units."""
        return self.series["lost"].values

    @property
    def state_counts(self) -> np.ndarray:
        """(days, states) firms in each state."""
        return self.series["state_counts"].values

    @property
    def workforce(self) -> np.ndarray:
        """(days, WORKFORCE_PARTS) people."""
        return self.series["workforce"].values

    @property
    def review_queue(self) -> np.ndarray:
        """Applications waiting for a team at the end of each day."""
        return self.series["review_queue"].values

    @property
    def review_wait(self) -> np.ndarray:
        """Mean wait (days) of reviews started that day (NaN if none)."""
        return self.series["review_wait"].values

    @property
    def cases(self) -> np.ndarray:
        """Positive cases found per day."""
        return self.series["cases"].values

    @property
    def funnel(self) -> np.ndarray:
        """(days, stations, 5) at the end of each day, cumulative: declared, admitted,
        cleared trips, trips in the station now, total wait (days) of cleared trips."""
        return self.series["funnel"].values

    @property
    def trips_in_transit(self) -> np.ndarray:
        """Controlled truck trips on the road or in a station at the end of each day."""
        return self.series["trips_in_transit"].values

    @property
    def cost_by_producer(self) -> np.ndarray:
        """Lost output (value units, whole run) blamed on each producer's missing goods."""
        return self.series["cost_by_producer"].values

    @property
    def relief_spent(self) -> np.ndarray:
        """Relief paid so far (value units, cumulative) at the end of each day."""
        return self.series["relief_spent"].values

    @property
    def cash_negative(self) -> np.ndarray:
        """Firms with cash below zero at the end of each day."""
        return self.series["cash_negative"].values

    @property
    def cost_by_logistics(self) -> np.ndarray:
        """Lost output (value units, whole run) blamed on each station, then on
        goods waiting for a pass or for a station to open."""
        return self.series["cost_by_logistics"].values

    @property
    def park_ids(self) -> tuple[str, ...]:
        """Parks of a region, in scenario order (empty: a scenario without `parks`)."""
        s = self.series.get(LOST_BY_PARK)
        return s.axes[0] if s is not None else ()

    @property
    def park_baseline(self) -> np.ndarray:
        """Each park's baseline output per day (value units; a region of parks only)."""
        return self.series[PARK_SIZE].values[:, PARK_SIZE_PARTS.index("baseline")]

    @property
    def park_firms(self) -> np.ndarray:
        """Each park's number of firms (a region of parks only)."""
        return self.series[PARK_SIZE].values[:, PARK_SIZE_PARTS.index("firms")].astype(np.int64)

    @property
    def lost_by_park(self) -> np.ndarray:
        """(days, parks, causes) lost output in value units (a region of parks only)."""
        return self.series[LOST_BY_PARK].values

    @property
    def cost_by_park(self) -> np.ndarray:
        """(parks, parks + 1) lost output (value units, whole run) of each park's firms
        blamed on the missing goods of each park's firms, then of outside suppliers (a
        region of parks only)."""
        return self.series[COST_BY_PARK].values

    @property
    def stations(self) -> tuple[str, ...]:
        """Transfer station ids."""
        return self.series["funnel"].axes[0]

    @property
    def producers(self) -> tuple[str, ...]:
        """Park firm ids, then external supplier ids (the sources of inputs)."""
        return self.series["cost_by_producer"].axes[0]

    @property
    def key_firms(self) -> tuple[str, ...]:
        """Ids of the firms followed day by day (`key_firm_*` series)."""
        return self.series["key_firm_state"].axes[0]

    @property
    def capacity(self) -> np.ndarray:
        """Park output as a share of baseline, per day."""
        share: np.ndarray = self.output / self.baseline_total
        return share

    @property
    def capacity_sector(self) -> np.ndarray:
        """(days, sectors) output share of each sector's baseline."""
        share: np.ndarray = self.output_sector / self.baseline_sector
        return share

    @property
    def lost_days(self) -> np.ndarray:
        """(days, causes) lost output in baseline-days (sums to 1 − capacity each day)."""
        return self.lost / self.baseline_total


class Recorder:
    """Reads every declared series once a day into preallocated arrays."""

    def __init__(self, world: World) -> None:
        self.w = world
        self._tallies: list[Callable[[], None]] = []
        """What is added up each day for a run total (after the daily series)."""
        declared = [(PARK, s) for s in self._park_series()]
        declared += [(PARK, s) for s in self._region_series()]
        declared += [(m.name, s) for m in world.mechanisms for s in m.series()]
        names = [s.name for _, s in declared]
        if len(set(names)) != len(names):
            twice = sorted({x for x in names if names.count(x) > 1})
            raise ValueError(f"series declared twice: {', '.join(twice)}")
        self.declared = declared
        self.arrays: dict[str, np.ndarray] = {}
        self._daily: list[tuple[Callable[[], ArrayLike], np.ndarray]] = []
        for _, s in declared:
            if s.daily:
                shape = (world.days, *(len(a) for a in s.axes))
                arr: np.ndarray = np.full(shape, s.fill, dtype=s.dtype)
                self.arrays[s.name] = arr
                self._daily.append((s.read, arr))

    def _park_series(self) -> Sequence[Series]:
        """The park's own series, from the World's firm arrays."""
        w = self.w
        firms = w.firms
        n = firms.n
        n_sec = len(firms.sectors)
        causes = w.causes.names
        n_above = int(firms.above_scale.sum())
        base_sum = firms.baseline.sum()

        def above() -> float:
            return (w.operating & firms.above_scale).sum() / n_above if n_above else np.nan

        def resumed_above() -> float:
            if not n_above:
                return np.nan
            return float((has_resumed(w.state) & firms.above_scale).sum() / n_above)

        key = key_firm_numbers(
            firms.ids, firms.tags, firms.above_scale, firms.baseline, w.cfg.reporting.key_firms
        )
        key_ids = tuple(firms.ids[i] for i in key)
        key_base = firms.baseline[key]

        def key_output() -> np.ndarray:
            out: np.ndarray = np.divide(
                w.output[key], key_base, out=np.zeros(len(key)), where=key_base > 0
            )
            return out

        groups = Groups(w)
        by_group = (
            Series(
                "groups",
                "share / people",
                "each tag's, class's, white-list batch's and approval rule's firms: share "
                "operating, share resumed, output share of baseline, share of staff on post, "
                "staff on post (`groups.MEASURES`)",
                groups.measures,
                axes=(groups.labels, MEASURES),
                fill=np.nan,
            ),
        )
        return (
            Series("output", "value units", "park output", lambda: w.output.sum()),
            Series(
                "output_sector",
                "value units",
                "output of each sector",
                lambda: np.bincount(firms.sector, weights=w.output, minlength=n_sec),
                axes=(firms.sectors,),
            ),
            Series(
                "resumption",
                "share",
                "share of firms operating",
                lambda: w.operating.mean() if n else 0.0,
            ),
            Series(
                "resumption_weighted",
                "share",
                "share of baseline output held by operating firms",
                lambda: firms.baseline[w.operating].sum() / base_sum if n else 0.0,
            ),
            Series(
                "resumption_above_scale",
                "share",
                "share of above-scale firms operating (NaN if there are none)",
                above,
            ),
            Series(
                "lost",
                "value units",
                "lost output (baseline − output) by cause",
                lambda: np.bincount(
                    w.cause, weights=firms.baseline - w.output, minlength=len(causes)
                ),
                axes=(causes,),
            ),
            Series(
                "state_counts",
                "firms",
                "firms in each reopening state at the end of the day",
                lambda: np.bincount(w.state, minlength=len(STATE_NAMES)),
                axes=(STATE_NAMES,),
                dtype=np.int64,
            ),
            Series(
                "resumed",
                "share",
                "share of firms that have resumed (reopened and not failed, operating "
                "today or not: 已复工)",
                lambda: has_resumed(w.state).mean() if n else 0.0,
            ),
            Series(
                "resumed_above_scale",
                "share",
                "share of above-scale firms that have resumed (NaN if there are none)",
                resumed_above,
            ),
            *(by_group if len(groups) else ()),
            Series(
                "key_firm_state",
                "state",
                "each key firm's reopening state at the end of the day (`FirmState`)",
                lambda: w.state[key],
                axes=(key_ids,),
                dtype=np.int64,
            ),
            Series(
                "key_firm_cause",
                "cause",
                "each key firm's cause of lost output that day (column of `lost`)",
                lambda: w.cause[key],
                axes=(key_ids,),
                dtype=np.int64,
            ),
            Series(
                "key_firm_output",
                "share",
                "each key firm's output that day, share of its baseline",
                key_output,
                axes=(key_ids,),
            ),
        )

    def _region_series(self) -> Sequence[Series]:
        """A region's series by park (none for a scenario without `parks`): lost output by
        park and cause each day, and the run's lost output of each park's firms blamed on
        the missing goods of each park's firms (`supply`'s blame, `shared.blamed`, split by
        the customer's park and the producer's; external suppliers in an outside region
        count as `OUTSIDE`)."""
        w = self.w
        firms = w.firms
        if not firms.park_ids:
            return ()
        parks = firms.park_ids
        n_parks = len(parks)
        causes = w.causes.names
        n_causes = len(causes)
        by_cause = firms.park * n_causes

        def lost_by_park() -> np.ndarray:
            cells = np.bincount(
                by_cause + w.cause,
                weights=firms.baseline - w.output,
                minlength=n_parks * n_causes,
            )
            return cells.reshape(n_parks, n_causes)

        net = w.network
        sup_park = firms.region_park[net.sup_region]
        producer_park = np.concatenate([firms.park, np.where(sup_park >= 0, sup_park, n_parks)])
        cell = firms.park[net.link_firm] * (n_parks + 1) + producer_park[net.link_src]
        cost = np.zeros(n_parks * (n_parks + 1))

        def tally() -> None:
            cost[:] += np.bincount(cell, weights=w.shared.blamed, minlength=len(cost))

        if net.n_links:
            self._tallies.append(tally)
        size = np.stack(
            [
                np.bincount(firms.park, minlength=n_parks).astype(float),
                np.bincount(firms.park, weights=firms.baseline, minlength=n_parks),
            ],
            axis=1,
        )
        return (
            Series(
                PARK_SIZE,
                "firms / value units",
                "each park's firms and baseline output per day",
                lambda: size,
                axes=(parks, PARK_SIZE_PARTS),
                daily=False,
            ),
            Series(
                LOST_BY_PARK,
                "value units",
                "lost output (baseline − output) of each park's firms by cause",
                lost_by_park,
                axes=(parks, causes),
            ),
            Series(
                COST_BY_PARK,
                "value units",
                "lost output over the run of each park's firms (first axis) blamed on the "
                "missing goods of each park's firms (second axis; `outside`: external "
                "suppliers of outside regions)",
                lambda: cost.reshape(n_parks, n_parks + 1),
                axes=(parks, (*parks, OUTSIDE)),
                daily=False,
            ),
        )

    def record(self, d: int) -> None:
        """Store day `d`."""
        for read, arr in self._daily:
            arr[d] = read()
        for tally in self._tallies:
            tally()

    def trace(self) -> Trace:
        """The finished Trace."""
        w = self.w
        firms = w.firms
        series = {}
        for group, s in self.declared:
            values = self.arrays[s.name] if s.daily else np.asarray(s.read(), dtype=s.dtype)
            series[s.name] = Recorded(s.name, group, s.unit, s.doc, s.axes, s.daily, values)
        return Trace(
            replication=w.replication,
            days=w.days,
            sectors=firms.sectors,
            causes=w.causes.names,
            cause_groups=tuple(w.causes.owner[c] for c in w.causes.names),
            cause_docs=tuple(w.causes.doc[c] for c in w.causes.names),
            states=STATE_NAMES,
            n_firms=firms.n,
            n_above_scale=int(firms.above_scale.sum()),
            staff_total=int(firms.staff.sum()),
            baseline_total=float(firms.baseline.sum()),
            baseline_sector=np.bincount(
                firms.sector, weights=firms.baseline, minlength=len(firms.sectors)
            ),
            series=series,
        )


def key_firm_numbers(
    ids: Sequence[str],
    tags: Sequence[frozenset[str]],
    above_scale: np.ndarray,
    baseline: np.ndarray,
    chosen: Sequence[str],
) -> np.ndarray:
    """Firm numbers of the key firms, in the order they are shown: those `chosen` (the
    scenario's `reporting.key_firms`) or else up to `KEY_FIRMS` of the firms tagged
    `backbone`, then of the above-scale firms, then of the rest, each by baseline output
    (largest first; ties by firm number)."""
    if chosen:
        index = {fid: i for i, fid in enumerate(ids)}
        return np.array([index[f] for f in chosen], dtype=np.int64)
    n = len(ids)
    rank = np.where(
        np.array(["backbone" in t for t in tags], dtype=bool), 0, np.where(above_scale, 1, 2)
    )
    order = np.lexsort((np.arange(n), -baseline, rank))
    return np.asarray(order[:KEY_FIRMS], dtype=np.int64)


__all__ = [
    "COST_BY_PARK",
    "LOST_BY_PARK",
    "OUTSIDE",
    "PARK_SIZE",
    "WORKFORCE_PARTS",
    "FirmState",
    "Recorded",
    "Recorder",
    "Trace",
]
