"""Fixtures of the model tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.expand import Park
from sim.scenario.load import load_scenario
from tests.model._park import DEMO


@pytest.fixture(scope="session")
def demo_path() -> Path:
    """The shipped demo scenario file."""
    return DEMO


@pytest.fixture(scope="session")
def demo() -> Park:
    """The shipped demo scenario, loaded (a Park is frozen, so sharing it is safe)."""
    return load_scenario(DEMO)
