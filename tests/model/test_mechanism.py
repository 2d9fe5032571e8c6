"""The protocol mechanisms meet through: hooks in tuple order, limits in tie order,
typed requests that reach their one owner, shared arrays with one writer, streams
that do not move when a mechanism is added, and series recorded as declared.

Probes are tiny mechanisms defined here that log what the World asks of them.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from sim.model import world as world_module
from sim.model.mechanism import Board, Cause, Limit, Mechanism, Request, Series
from sim.model.shared import Shared
from sim.model.state import BASE_CAUSES
from sim.model.world import LIMIT_ORDER, MECHANISMS, World, run
from sim.record import PARK
from tests.model._park import firm, park

SHIPPED = (
    "controls",
    "continuity",
    "finance",
    "reopening",
    "outbreaks",
    "supply",
    "logistics",
    "outbound",
    "workforce",
    "demand",
)


def probe(name: str, log: list[tuple[str, str, int]], factor: float | None = None) -> type:
    """A mechanism `name` that logs each hook call as (hook, name, day) and, given a
    factor, limits every firm to it with cause `name`."""

    class Probe(Mechanism):
        causes: ClassVar[tuple[Cause, ...]] = (Cause(name),) if factor is not None else ()

        def open_day(self, day: int) -> None:
            log.append(("open", name, day))

        def settle_day(self, day: int) -> None:
            log.append(("settle", name, day))

        def limit(self) -> Limit | None:
            log.append(("limit", name, self.world.day))
            if factor is None:
                return None
            n = self.world.firms.n
            return Limit(np.full(n, factor), self.world.cause_code(name))

        def close_day(self, day: int) -> None:
            log.append(("close", name, day))

        def series(self) -> Sequence[Series]:
            def read() -> int:
                log.append(("record", name, self.world.day))
                return 0

            return (Series(f"{name}_probe", "calls", "a probe", read, dtype=np.int64),)

    Probe.name = name
    return Probe


OPEN_FIRM = [firm("a", initially_open=True)]


# --- the day order -----------------------------------------------------------------


def test_the_shipped_tuple_is_the_documented_day_order():
    assert tuple(m.name for m in MECHANISMS) == SHIPPED
    w = World(park(OPEN_FIRM), 0)
    opened = [h.__self__.name for h in w._open]
    closed = [h.__self__.name for h in w._close]
    assert opened == [
        "controls",
        "continuity",
        "reopening",
        "outbreaks",
        "supply",
        "logistics",
        "outbound",
        "workforce",
    ]
    assert [h.__self__.name for h in w._settle] == ["logistics"]
    assert closed == [
        "finance",
        "reopening",
        "outbreaks",
        "supply",
        "logistics",
        "outbound",
        "workforce",
        "demand",
    ]
    assert [m.name for m in w.limiters] == list(LIMIT_ORDER)
    # the module docstring names the mechanisms of the close and of the open in this order
    doc = world_module.__doc__
    close, open_ = doc.index("3. close day d"), doc.index("5. open day d+1")
    for phase_start, phase_end, names in ((close, open_, closed), (open_, len(doc), opened)):
        text = doc[phase_start:phase_end]
        at = [text.index(f"({n})") for n in names]
        assert at == sorted(at), names


def test_hooks_of_a_phase_run_in_tuple_order_and_limits_in_tie_order():
    log: list[tuple[str, str, int]] = []
    mechanisms = (probe("b", log, 0.5), probe("controls", log, 0.5), probe("a", log))
    run(park(OPEN_FIRM, days=2), 0, mechanisms=mechanisms)
    day0 = [e for e in log if e[2] == 0]
    assert day0 == [
        ("open", "b", 0),
        ("open", "controls", 0),
        ("open", "a", 0),
        ("settle", "b", 0),
        ("settle", "controls", 0),
        ("settle", "a", 0),
        # `controls` is in LIMIT_ORDER, the others follow in tuple order
        ("limit", "controls", 0),
        ("limit", "b", 0),
        ("limit", "a", 0),
        ("close", "b", 0),
        ("close", "controls", 0),
        ("close", "a", 0),
        ("record", "b", 0),
        ("record", "controls", 0),
        ("record", "a", 0),
    ]
    assert log[len(day0)] == ("open", "b", 1)


def test_a_tie_goes_to_the_limit_listed_first_in_limit_order():
    log: list[tuple[str, str, int]] = []
    tied = (probe("b", log, 0.5), probe("controls", log, 0.5))
    tr = run(park(OPEN_FIRM, days=2), 0, mechanisms=tied)
    np.testing.assert_array_equal(tr.lost[:, tr.causes.index("control_cap")], 0.0)
    np.testing.assert_array_equal(tr.lost[:, tr.causes.index("controls")], 0.5)
    # two unlisted limits: the first in the tuple keeps the blame; a tighter one takes it
    tr = run(park(OPEN_FIRM, days=2), 0, mechanisms=(probe("x", log, 0.5), probe("y", log, 0.5)))
    np.testing.assert_array_equal(tr.lost[:, tr.causes.index("x")], 0.5)
    tr = run(park(OPEN_FIRM, days=2), 0, mechanisms=(probe("x", log, 0.5), probe("y", log, 0.25)))
    np.testing.assert_array_equal(tr.lost[:, tr.causes.index("y")], 0.75)
    np.testing.assert_array_equal(tr.capacity, 0.25)


def test_only_hooks_a_mechanism_defines_are_called():
    class Quiet(Mechanism):
        name = "quiet"

    w = World(park(OPEN_FIRM, days=3), 0, mechanisms=(Quiet,))
    assert w._open == w._settle == w._close == [] and w.limiters == []
    tr = w.run()
    np.testing.assert_array_equal(tr.capacity, 1.0)  # no limit: full output


# --- requests ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ping(Request):
    day: int


def test_a_request_reaches_its_owner_at_its_hook_in_the_order_posted():
    got: list[tuple[int, int]] = []

    class Sender(Mechanism):
        name = "sender"
        posts = (Ping,)

        def close_day(self, day: int) -> None:
            self.world.board.post(Ping(day))
            self.world.board.post(Ping(100 + day))

    class Owner(Mechanism):
        name = "owner"
        takes = (Ping,)

        def open_day(self, day: int) -> None:
            for ping in self.world.board.take(Ping):
                got.append((day, ping.day))

    w = World(park(OPEN_FIRM, days=4), 0, mechanisms=(Owner, Sender))
    assert w.board.owners == {Ping: "owner"}
    w.run()
    assert got == [(1, 0), (1, 100), (2, 1), (2, 101), (3, 2), (3, 102)]
    assert w.board.pending(Ping) == 2  # the last close's, after the last open


def test_a_request_needs_exactly_one_owner_in_the_world():
    class Sender(Mechanism):
        name = "sender"
        posts = (Ping,)

    class Owner(Mechanism):
        name = "owner"
        takes = (Ping,)

    class Rival(Mechanism):
        name = "rival"
        takes = (Ping,)

    with pytest.raises(ValueError, match="no mechanism of this world takes"):
        World(park(OPEN_FIRM), 0, mechanisms=(Sender,))
    with pytest.raises(ValueError, match="taken by both owner and rival"):
        World(park(OPEN_FIRM), 0, mechanisms=(Owner, Rival))
    with pytest.raises(ValueError, match="share a name"):
        World(park(OPEN_FIRM), 0, mechanisms=(Owner, Owner))
    with pytest.raises(LookupError, match="no mechanism in this world takes Ping"):
        Board({}).post(Ping(0))


def test_every_shipped_request_type_has_one_shipped_owner_and_a_sender():
    owners = world_module._owners(MECHANISMS)
    posted = {kind for m in MECHANISMS for kind in m.posts}
    assert posted == set(owners)
    for kind, owner in owners.items():
        assert not any(kind in m.posts for m in MECHANISMS if m.name == owner), kind


# --- shared arrays, imports --------------------------------------------------------


def test_every_shared_array_has_exactly_one_shipped_writer():
    w = World(park(OPEN_FIRM), 0)
    fields = set(vars(Shared(w.firms, w.network)))
    published = [name for m in MECHANISMS for name in m.publishes]
    assert sorted(published) == sorted(fields)
    # arrays written by a mechanism that does not own them are declared as such
    writers: dict[str, set[str]] = {}
    for m in MECHANISMS:
        assert not set(m.writes) & set(m.publishes), m.name
        for name in m.writes:
            writers.setdefault(name, set()).add(m.name)
    assert writers == {
        "state": {"reopening", "outbreaks", "finance", "continuity"},
        "reopened_at": {"reopening", "continuity", "outbreaks"},  # outbreaks: re-ramp
        "stock": {"logistics"},
        "in_transit": {"logistics"},
    }


MODEL = Path(inspect.getfile(world_module)).parent


@pytest.mark.parametrize("mechanism", MECHANISMS, ids=lambda m: m.name)
def test_a_mechanism_imports_no_other_mechanism(mechanism: type[Mechanism]):
    # Mechanisms meet only through requests and shared arrays: a module that imported
    # another mechanism's module could call into it.
    own = Path(inspect.getfile(mechanism)).stem
    others = {Path(inspect.getfile(m)).stem for m in MECHANISMS} - {own}
    tree = ast.parse((MODEL / f"{own}.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):  # type hints of the World are no way to call it
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.rsplit(".", 1)[-1])
            imported.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            imported.update(a.name.rsplit(".", 1)[-1] for a in node.names)
    assert not imported & (others | {"world"}), imported & (others | {"world"})
    text = (MODEL / f"{own}.py").read_text(encoding="utf-8")
    for reach in ("world.get(", "w.get(", ".by_name", ".mechanisms"):
        assert reach not in text, reach


# --- streams -----------------------------------------------------------------------


def test_adding_or_reordering_mechanisms_changes_no_stream(demo):
    def drawn(mechanisms: Sequence[type[Mechanism]]) -> dict[str, tuple[float, ...]]:
        w = World(demo, 2, mechanisms=mechanisms)
        return {name: tuple(w.rng(name).random(3)) for m in MECHANISMS for name in m.streams}

    class Extra(Mechanism):
        name = "extra"
        streams = ("extra",)

        def __init__(self, world: World) -> None:
            super().__init__(world)
            world.rng("extra").random(1000)

    base = drawn(MECHANISMS)
    assert drawn((Extra, *MECHANISMS)) == base
    assert drawn((*MECHANISMS[:3], Extra, *MECHANISMS[3:])) == base
    assert drawn(MECHANISMS[::-1]) == base
    assert set(base) == {
        "reopening",
        "review",
        "apply_days_by",
        "approvals",
        "finance",
        "outbreaks",
        "supply",
        "logistics",
        "workforce",
    }


def test_a_new_mechanism_drawing_every_day_leaves_every_series_as_it_was(demo):
    class Noise(Mechanism):
        name = "noise"
        streams = ("noise",)

        def open_day(self, day: int) -> None:
            self.world.rng("noise").random(50)

        def close_day(self, day: int) -> None:
            self.world.rng("noise").random(50)

    for rep in range(2):
        a = run(demo, rep)
        b = run(demo, rep, mechanisms=(*MECHANISMS[:4], Noise, *MECHANISMS[4:]))
        assert a.series == b.series


# --- what is recorded --------------------------------------------------------------


def test_the_trace_lists_every_declared_series_with_its_group_and_unit(demo):
    tr = run(demo, 0, days=5)
    groups = {r.name: r.group for r in tr.declared()}
    assert groups == {
        "output": PARK,
        "output_sector": PARK,
        "resumption": PARK,
        "resumption_weighted": PARK,
        "resumption_above_scale": PARK,
        "lost": PARK,
        "state_counts": PARK,
        "resumed": PARK,
        "resumed_above_scale": PARK,
        "groups": PARK,
        "key_firm_state": PARK,
        "key_firm_cause": PARK,
        "key_firm_output": PARK,
        "relief_spent": "finance",
        "cash_negative": "finance",
        "review_queue": "reopening",
        "review_wait": "reopening",
        "cases": "outbreaks",
        "cost_by_producer": "supply",
        "funnel": "logistics",
        "trips_in_transit": "logistics",
        "cost_by_logistics": "logistics",
        "workforce": "workforce",
        "returning": "workforce",
        "onsite_capacity": "workforce",
    }
    for r in tr.declared():
        assert r.unit and r.doc
        shape = tuple(len(a) for a in r.axes)
        assert r.values.shape == ((tr.days, *shape) if r.daily else shape), r.name
    assert tr.series["lost"].axes == (tr.causes,)
    assert tr.series["funnel"].axes[0] == tr.stations
    assert tr.series["cost_by_producer"].axes == (tr.producers,)


def test_causes_are_the_base_causes_then_inputs_then_new_ones_with_their_owner(demo):
    tr = run(demo, 0, days=2)
    inputs = tuple(c for c in tr.causes if c.startswith("input:"))
    assert tr.causes == BASE_CAUSES + inputs and inputs
    owner = dict(zip(tr.causes, tr.cause_groups, strict=True))
    assert owner["labour"] == "workforce" and owner["ramp_up"] == "reopening"
    assert owner["control_cap"] == "controls" and owner["output_full"] == "outbound"
    assert owner["logistics"] == owner[inputs[0]] == "supply"
    assert owner["not_allowed"] == owner["failed"] == "state"
    assert all(tr.cause_docs) and len(tr.cause_docs) == len(tr.causes)
    for m in MECHANISMS:  # a scenario without a demand section reports no `demand`
        assert {c.name for c in m.causes_in(demo.scenario)} <= set(BASE_CAUSES), m.name
    log: list[tuple[str, str, int]] = []
    extended = run(demo, 0, days=2, mechanisms=(probe("late", log, 1.0), *MECHANISMS))
    assert extended.causes == (*tr.causes, "late")
    assert extended.cause_groups[-1] == "late"
