"""The collector is paused around loads and replications and always comes back."""

from __future__ import annotations

import gc

import pytest

from sim.model import world as world_module
from sim.runtime import collector_paused
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS


def test_paused_inside_and_restored_after_errors() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_replication_runs_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    demo = load_scenario(SCENARIOS / "demo_park.yaml")
    seen = []
    real = world_module.World.run

    def spy(self):
        seen.append(gc.isenabled())
        return real(self)

    monkeypatch.setattr(world_module.World, "run", spy)
    world_module.run(demo, 0, days=3)
    assert seen == [False]
    assert gc.isenabled()
