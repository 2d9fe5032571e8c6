"""Results folders several output tests share, made once per test session: a run of the
demo park in Chinese and the README's demo comparison (few replications)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SCENARIOS, run_cli

DEMO = str(SCENARIOS / "demo_park.yaml")
DEMO_OPTIONS = ("more_service_teams.yaml", "second_transfer_station.yaml")
"""The options of the README's comparison."""


@pytest.fixture(scope="session")
def zh_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`parksim run` of the demo park in Chinese: 3 replications of 60 days, with plots
    and report."""
    out = tmp_path_factory.mktemp("zh") / "demo_zh"
    done = run_cli(
        "run",
        DEMO,
        "--replications",
        "3",
        "--days",
        "60",
        "--lang",
        "zh",
        "--out",
        str(out),
        "--quiet",
    )
    assert done.returncode == 0, done.stderr
    assert "missing from font" not in done.stderr
    return out


@pytest.fixture(scope="session")
def demo_compare(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's demo comparison, in Chinese, with 4 replications (the figures of its
    report are the size they are with 30)."""
    out = tmp_path_factory.mktemp("cmp") / "demo_compare"
    policies = [a for p in DEMO_OPTIONS for a in ("--policy", str(SCENARIOS / "policies" / p))]
    done = run_cli(
        "compare",
        DEMO,
        *policies,
        "--replications",
        "4",
        "--lang",
        "zh",
        "--out",
        str(out),
        "--quiet",
    )
    assert done.returncode == 0, done.stderr
    assert "missing from font" not in done.stderr
    return out
