"""Fixtures of the model tests."""

from __future__ import annotations

from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo_park.yaml"


@pytest.fixture
def demo_path() -> Path:
    """The shipped demo scenario."""
    return DEMO
