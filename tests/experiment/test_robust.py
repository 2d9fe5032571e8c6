"""`parksim compare --robust KEY=LOW..HIGH` (issue 18.7): the comparison again at each
end of each uncertain input, one at a time; bad input exits 2 located, nothing written."""

from __future__ import annotations

import csv
import json

import pytest

from sim.cli import main
from sim.experiment.robust import load_robust, parse_robust
from sim.scenario.errors import ScenarioError
from tests.conftest import SCENARIOS, run_cli

DEMO = SCENARIOS / "demo_park.yaml"
TEAMS = SCENARIOS / "policies" / "more_service_teams.yaml"


def test_parse_robust_keeps_the_values_as_given() -> None:
    r = parse_robust("reopening.fail_prob=0.05..0.3")
    assert (r.key, r.low, r.high) == ("reopening.fail_prob", "0.05", "0.3")
    assert r.expression("low") == "reopening.fail_prob=0.05"
    assert r.expression("high") == "reopening.fail_prob=0.3"
    by_id = parse_robust("logistics.transfer_stations[id=north_gate].bays=1..3")
    assert by_id.key == "logistics.transfer_stations[id=north_gate].bays"
    assert parse_robust("days = -5 .. 1e2").low == "-5"


@pytest.mark.parametrize(
    "text, message",
    [
        ("reopening.fail_prob", "expected KEY=LOW..HIGH"),
        ("=1..2", "expected KEY=LOW..HIGH"),
        ("reopening.fail_prob=0.1", "expected LOW..HIGH after '='"),
        ("reopening.fail_prob=0.1..0.2..0.3", "expected LOW..HIGH after '='"),
        ("reopening.fail_prob=low..0.3", "LOW 'low' is not a number"),
        ("reopening.fail_prob=0.1..", "HIGH '' is not a number"),
        ("reopening.fail_prob=0.1..nan", "HIGH 'nan' is not a number"),
        ("reopening.fail_prob=0.3..0.1", "LOW (0.3) must be below HIGH (0.1)"),
        ("reopening.fail_prob=0.3..0.3", "LOW (0.3) must be below HIGH (0.3)"),
        ("a..b.c=1..2", "a name is missing"),
    ],
)
def test_bad_robust_text_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_robust(text)
    assert str(err.value).startswith(f"--robust {text!r}: ")
    assert message in str(err.value)


def test_every_end_is_loaded_before_anything_runs() -> None:
    runs = load_robust(["reopening.service_teams=2..4"], DEMO, [TEAMS], (), ["days=30"])
    assert [(r.input.key, r.end) for r in runs] == [
        ("reopening.service_teams", "low"),
        ("reopening.service_teams", "high"),
    ]
    low = {o.name: o.park.scenario.reopening.service_teams for o in runs[0].options}
    # the value is the park's: the baseline takes it, the option's own lever wins
    assert low == {"baseline": 2, "more_service_teams": 6}
    assert {o.park.scenario.days for o in runs[1].options} == {30}


def test_unknown_keys_bad_values_and_clashes_are_located() -> None:
    with pytest.raises(ScenarioError) as err:
        load_robust(["reopening.servce_teams=2..4"], DEMO, [TEAMS])
    text = err.value.render()
    assert "--robust reopening.servce_teams=2..4: reopening.servce_teams:" in text
    assert "did you mean 'service_teams'" in text and "(at reopening.servce_teams=2)" in text
    with pytest.raises(ScenarioError) as err:
        load_robust(["reopening.fail_prob=0.5..1.5"], DEMO, [TEAMS])
    assert "(at reopening.fail_prob=1.5)" in err.value.render()
    with pytest.raises(ScenarioError, match="also given by --set"):
        load_robust(["days=30..60"], DEMO, [TEAMS], (), ["days=90"])
    with pytest.raises(ScenarioError, match="already varied by --robust"):
        load_robust(["seed=1..2", "seed=3..4"], DEMO, [TEAMS])


@pytest.mark.parametrize(
    "robust, message",
    [
        ("reopening.no_such_key=1..2", "unknown key 'no_such_key'"),
        ("reopening.service_teams=two..6", "LOW 'two' is not a number"),
        ("reopening.service_teams=6..2", "LOW (6) must be below HIGH (2)"),
        ("reopening.service_teams=0..2", "reopening.service_teams"),  # below its range
    ],
)
def test_bad_robust_exits_2_and_writes_nothing(tmp_path, capsys, robust, message) -> None:
    out = tmp_path / "cmp"
    argv = ["compare", str(DEMO), "--policy", str(TEAMS), "--robust", robust, "--out", str(out)]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in err and "Traceback" not in err
    assert not out.exists() and not (tmp_path / "cmp.partial").exists()


def test_robust_on_the_demo_comparison_writes_the_table(tmp_path) -> None:
    out = tmp_path / "cmp"
    r = run_cli(
        "compare", str(DEMO), "--policy", str(TEAMS), "--replications", "3", "--days", "60",
        "--robust", "reopening.fail_prob=0.05..0.3", "--no-plots", "--out", str(out),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "robustness (each input at its low and high value, one at a time" in r.stdout
    assert "ranking as given: more_service_teams > baseline" in r.stdout
    with (out / "robustness.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    ends = {(row["input"], row["end"], row["value"]) for row in rows}
    assert ends == {
        ("", "as_given", ""),
        ("reopening.fail_prob", "low", "0.05"),
        ("reopening.fail_prob", "high", "0.3"),
    }
    assert {row["metric"] for row in rows} == {"lost_output_days", "days_to_80"}
    teams = [row for row in rows if row["option"] == "more_service_teams"]
    assert len(teams) == 6 and all(row["same_sign"] in ("true", "false") for row in teams)
    assert all(row["same_sign"] == "" for row in rows if row["option"] == "baseline")
    meta = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert meta["robust"] == {
        "one_at_a_time": True,
        "inputs": [{"key": "reopening.fail_prob", "low": "0.05", "high": "0.3"}],
    }
    md = (out / "comparison.md").read_text(encoding="utf-8")
    assert "## Robustness to uncertain inputs" in md and "**one at a time**" in md
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "robustness.csv" in manifest["files"]
    assert run_cli("verify", str(out)).returncode == 0
