"""`parksim compare`: paired differences on common random numbers, options, the folder."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from scipy import stats

from sim.cli import main
from sim.comparison import OptionRuns, compare, compare_traces, paired_difference
from sim.experiment.compare import load_options, parse_option, parse_variant
from sim.experiment.runner import run_replications
from sim.scenario.errors import ScenarioError
from tests.conftest import SCENARIOS, run_cli

DEMO = SCENARIOS / "demo_park.yaml"
FILES = (
    "comparison.csv",
    "comparison.md",
    "comparison.json",
    "compare_timeseries.csv",
    "compare_causes.csv",
    "manifest.json",
    "plots/compare_capacity.png",
    "plots/compare_metrics.png",
    "plots/compare_causes.png",
)


def _run(options, n):
    return compare_traces(
        {o.name: run_replications(o.park, n) for o in options},
        options[0].park.scenario.reporting.sustain_days,
    )


# --------------------------------------------------------------------------- statistics


def test_pairs_only_replications_where_both_have_a_value() -> None:
    base = OptionRuns(
        "baseline",
        {
            0: {"days_to_80": 10, "lost_output_days": 5.0},
            1: {"days_to_80": None, "lost_output_days": 7.0},
            2: {"days_to_80": 12, "lost_output_days": 6.0},
        },
        {0: {"labour": 1.0}, 1: {"labour": 2.0}, 2: {"labour": 3.0}},
    )
    opt = OptionRuns(
        "teams",
        {
            0: {"days_to_80": 8, "lost_output_days": 4.0},
            1: {"days_to_80": 9, "lost_output_days": 6.5},
            2: {"days_to_80": None, "lost_output_days": 4.0},
        },
        {0: {"labour": 1.0, "input:chips": 0.5}, 1: {"labour": 2.0}, 2: {"labour": 3.0}},
    )
    cmp = compare([base, opt])
    assert cmp.options == ("baseline", "teams")
    assert cmp.metrics == ("days_to_80", "lost_output_days", "lost:labour", "lost:input:chips")

    d80 = cmp.row("teams", "days_to_80")
    assert (d80.mean, d80.n) == (8.5, 2)
    # only replication 0 reached 80 % under both: one pair, no interval, not significant
    assert (d80.diff, d80.diff_ci95, d80.n_pairs, d80.significant) == (-2.0, None, 1, False)
    # the censored pairs are counted apart: in replication 1 only the option reached 80 %,
    # in replication 2 only the baseline did
    assert (d80.only_option, d80.only_baseline, d80.neither) == (1, 1, 0)
    assert cmp.row("baseline", "days_to_80").only_option == 0
    assert cmp.row("teams", "lost_output_days").only_option == 0

    lost = cmp.row("teams", "lost_output_days")
    diffs = [-1.0, -0.5, -2.0]
    half = stats.t.ppf(0.975, 2) * np.std(diffs, ddof=1) / math.sqrt(3)
    assert lost.diff == pytest.approx(np.mean(diffs))
    assert lost.diff_ci95 == pytest.approx((np.mean(diffs) - half, np.mean(diffs) + half))
    assert lost.significant is (lost.diff_ci95[1] < 0)

    # a cause the baseline never reported lost it nothing there: 0 in each pair
    chips = cmp.row("teams", "lost:input:chips")
    assert chips.diff == pytest.approx(0.5 / 3)
    assert cmp.row("baseline", "lost:input:chips").mean == 0.0
    assert cmp.row("teams", "lost:labour").diff == 0.0
    assert cmp.row("teams", "lost:labour").significant is False

    base_row = cmp.row("baseline", "lost_output_days")
    assert (base_row.diff, base_row.significant, base_row.n_pairs) == (0.0, False, 3)
    assert cmp.ranked() == ["teams", "baseline"]


def test_new_metrics_are_compared_without_being_listed() -> None:
    base = OptionRuns("baseline", {0: {"relief_spent": 1.0}, 1: {"relief_spent": 2.0}}, {})
    opt = OptionRuns("more", {0: {"relief_spent": 3.0}, 1: {"relief_spent": 5.0}}, {})
    row = compare([base, opt]).row("more", "relief_spent")
    assert (row.mean, row.diff, row.n_pairs) == (4.0, 2.5, 2)


def test_days_to_pairs_where_one_side_never_reached_are_counted_apart(tmp_path) -> None:
    # five replications: both reach 95 % in 0 and 1 (option 3 days faster), only the
    # option in 2 and 3, neither in 4
    base = OptionRuns(
        "baseline", {r: {"days_to_95": v} for r, v in enumerate([20, 22, None, None, None])}, {}
    )
    opt = OptionRuns(
        "early", {r: {"days_to_95": v} for r, v in enumerate([17, 19, 25, 30, None])}, {}
    )
    cmp = compare([base, opt])
    row = cmp.row("early", "days_to_95")
    assert (row.diff, row.n_pairs) == (-3.0, 2)
    assert (row.only_option, row.only_baseline, row.neither) == (2, 0, 1)
    # the report says so beside the difference, and the csv keeps the counts
    from sim.files.comparison import comparison_rows, read_comparison
    from sim.files.comparison_md import _delta

    assert _delta(row).endswith("(2 pairs; 2 reached only here)")
    path = tmp_path / "comparison.csv"
    path.write_text("\n".join(",".join(r) for r in comparison_rows(cmp)) + "\n")
    stat = read_comparison(path)[("early", "days_to_95")]
    assert (stat.only_option, stat.only_baseline, stat.neither) == (2, 0, 1)
    # the baseline never reaches it where the option does: no difference, only counts
    never = OptionRuns("never", {r: {"days_to_95": None} for r in range(5)}, {})
    row = compare([never, opt]).row("early", "days_to_95")
    assert row.diff is None and row.only_option == 4
    assert _delta(row) == "n/a (4 reached only here)"


def test_a_comparison_csv_without_the_censored_columns_still_reads(tmp_path) -> None:
    from sim.files.comparison import read_comparison

    path = tmp_path / "comparison.csv"
    path.write_text(
        "option,metric,mean,ci95_lo,ci95_hi,n,diff,diff_lo,diff_hi,n_pairs,significant\n"
        "a,days_to_80,10,9,11,3,,,,0,false\n"
    )
    assert read_comparison(path)[("a", "days_to_80")].only_option == 0


def test_no_pairs_leave_the_difference_empty() -> None:
    assert paired_difference({0: None, 1: 3}, {0: 4, 1: None}) == (None, None, 0, False)
    assert paired_difference({0: 1.0, 1: 2.0}, {0: 1.0, 1: 2.0}) == (0.0, (0.0, 0.0), 2, False)


def test_parse_variant() -> None:
    assert parse_variant("teams6: reopening.service_teams=6; workforce.quarantine_days=7") == (
        "teams6",
        ["reopening.service_teams=6", "workforce.quarantine_days=7"],
    )
    assert parse_variant("same:") == ("same", [])
    for bad in ("no colon here=3", ": a=1", "x y: a=1", "ok: a.b"):
        with pytest.raises(ValueError, match="--variant"):
            parse_variant(bad)


# --------------------------------------------------------------------------- on the demo


def test_an_overlay_that_changes_nothing_gives_exactly_zero_differences(tmp_path) -> None:
    same = tmp_path / "same_teams.yaml"
    same.write_text("description: the same park\nreopening:\n  service_teams: 3\n")
    options = load_options(DEMO, [same], ["same: reopening.service_teams=3"], ["days=60"])
    assert [o.name for o in options] == ["baseline", "same_teams", "same"]
    cmp = _run(options, 4)
    metrics = set(cmp.metrics)
    assert {"days_to_80", "lost_output_days", "final_capacity"} <= metrics
    assert any(m.startswith("lost:") for m in metrics)
    for row in cmp.rows:
        if row.n_pairs:
            assert row.diff == 0.0, row
            assert row.diff_ci95 == (0.0, 0.0), row
        assert row.significant is False, row
        assert row.n_pairs == min(row.n, cmp.get("baseline", row.metric).n)


def test_more_service_teams_shortens_recovery_on_common_random_numbers() -> None:
    options = load_options(DEMO, (), ["teams6: reopening.service_teams=6"], ["days=80"])
    cmp = _run(options, 10)
    for metric in ("days_to_80", "lost_output_days"):
        row = cmp.row("teams6", metric)
        assert row.n_pairs >= 6
        assert row.diff < 0 and row.significant, row
        assert row.diff_ci95[1] < 0
    assert cmp.ranked()[0] == "teams6"


# --------------------------------------------------------------------------- bad options


def test_option_names_must_be_unique(tmp_path) -> None:
    (tmp_path / "teams.yaml").write_text("reopening: {service_teams: 4}\n")
    with pytest.raises(ScenarioError, match="'teams' names more than one option"):
        load_options(DEMO, [tmp_path / "teams.yaml"], ["teams: reopening.service_teams=5"])
    with pytest.raises(ScenarioError, match="'baseline' is the baseline's name"):
        load_options(DEMO, (), ["baseline: reopening.service_teams=5"])


def test_an_option_may_not_change_the_seed(tmp_path) -> None:
    pol = tmp_path / "reseed.yaml"
    pol.write_text("# another seed\nseed: 8\n")
    with pytest.raises(ScenarioError) as err:
        load_options(DEMO, [pol])
    text = err.value.render()
    assert f"{pol}:2:1: seed: changes seed from 7 to 8 (option 'reseed')" in text
    # --seed applies to every option, so it wins over the overlay and nothing differs
    options = load_options(DEMO, [pol], (), ["seed=3"])
    assert {o.park.scenario.seed for o in options} == {3}
    with pytest.raises(ScenarioError, match="changes days from 120 to 30"):
        load_options(DEMO, (), ["short: days=30"])


# --------------------------------------------------------------------------- the command


def test_compare_command_writes_every_file_and_verifies(tmp_path) -> None:
    pol = tmp_path / "teams_five.yaml"
    pol.write_text("reopening:\n  service_teams: 5\n")
    out = tmp_path / "cmp"
    r = run_cli(
        "compare",
        str(DEMO),
        "--policy",
        str(pol),
        "--variant",
        "same: reopening.service_teams=3",
        "--replications",
        "3",
        "--days",
        "60",
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    for name in FILES:
        assert (out / name).is_file(), name
    assert not (tmp_path / "cmp.partial").exists()
    assert "| rank | option" in r.stdout and "teams_five" in r.stdout

    with (out / "comparison.csv").open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [
        "option", "metric", "mean", "ci95_lo", "ci95_hi", "n",
        "diff", "diff_lo", "diff_hi", "n_pairs", "significant",
        "only_option", "only_baseline", "neither",
    ]  # fmt: skip
    assert {r["option"] for r in rows} == {"baseline", "teams_five", "same"}
    for row in rows:
        if row["option"] != "teams_five":
            assert row["significant"] == "false"
            assert row["diff"] in ("0", ""), row
    assert any(r["metric"].startswith("lost:") for r in rows)

    md = (out / "comparison.md").read_text(encoding="utf-8")
    assert "How to read this" in md and "teams_five" in md
    meta = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert meta["options"][1]["policies"] == [str(pol)]
    assert meta["options"][2]["sets"] == ["reopening.service_teams=3"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 7 and len(manifest["options"]) == 3
    assert run_cli("verify", str(out)).returncode == 0


def _exit(argv, capsys):
    code = main(argv)
    return code, capsys.readouterr().err


def test_bad_policy_path_exits_2_and_writes_nothing(tmp_path, capsys) -> None:
    out = tmp_path / "cmp"
    code, err = _exit(
        ["compare", str(DEMO), "--policy", str(tmp_path / "nope.yaml"), "--out", str(out)],
        capsys,
    )
    assert code == 2
    assert "nope.yaml: file not found" in err
    assert not out.exists() and not (tmp_path / "cmp.partial").exists()


def test_variant_with_a_bad_key_exits_2_naming_it(tmp_path, capsys) -> None:
    out = tmp_path / "cmp"
    code, err = _exit(
        ["compare", str(DEMO), "--variant", "t: reopening.servce_teams=6", "--out", str(out)],
        capsys,
    )
    assert code == 2
    assert "reopening.servce_teams" in err and "(option 't')" in err
    assert "did you mean 'service_teams'" in err
    assert not out.exists()


def test_duplicate_names_and_reseeding_exit_2(tmp_path, capsys) -> None:
    pol = tmp_path / "reseed.yaml"
    pol.write_text("seed: 8\n")
    out = tmp_path / "cmp"
    code, err = _exit(
        ["compare", str(DEMO), "--variant", "a: days=60", "--variant", "a: days=60",
         "--out", str(out)],
        capsys,
    )  # fmt: skip
    assert code == 2 and "'a' names more than one option" in err
    code, err = _exit(["compare", str(DEMO), "--policy", str(pol), "--out", str(out)], capsys)
    assert code == 2 and "changes seed from 7 to 8" in err
    code, err = _exit(["compare", str(DEMO), "--out", str(out)], capsys)
    assert code == 2 and "at least one --policy or --variant" in err
    assert not out.exists()


# --------------------------------------------------------------------------- issue 18.5


def test_parse_option_takes_overlay_files_and_sets_in_one_option() -> None:
    assert parse_option("big: p/second.yaml; logistics.passes_per_day=4; b.YML") == (
        "big",
        ["p/second.yaml", "b.YML"],
        ["logistics.passes_per_day=4"],
    )
    with pytest.raises(ValueError, match=r"neither key\.path=value nor an overlay file"):
        parse_option("x: notes.txt")
    with pytest.raises(ValueError, match=r"is not key\.path=value"):
        parse_variant("x: second.yaml")  # the older reader takes sets only


SECOND = SCENARIOS / "policies" / "second_transfer_station.yaml"
BAYS = "logistics.transfer_stations[id=south_gate].bays=4"


def test_an_option_may_set_what_its_overlay_adds() -> None:
    options = load_options(DEMO, (), [f"big_south: {SECOND}; {BAYS}"], ["days=30"])
    big = options[1]
    assert (big.kind, big.policies, big.sets) == ("variant", (str(SECOND),), (BAYS,))
    south = big.park.scenario.logistics.transfer_stations[-1]
    assert (south.id, south.bays, south.hours_per_day) == ("south_gate", 4, 16)
    # the order of the items does not matter: overlays first, then the sets
    again = load_options(DEMO, (), [f"big_south: {BAYS}; {SECOND}"], ["days=30"])[1]
    assert again.park.scenario == big.park.scenario


def test_a_shared_set_on_what_only_an_option_has_names_the_baseline_and_the_way_out(
    tmp_path, capsys
) -> None:
    with pytest.raises(ScenarioError) as err:
        load_options(DEMO, [SECOND], (), [BAYS])
    text = err.value.render()
    assert "no item with id 'south_gate'" in text and "(option 'baseline')" in text
    assert "--variant 'NAME: overlay.yaml; key.path=value'" in text
    out = tmp_path / "cmp"
    code, err_text = _exit(
        ["compare", str(DEMO), "--policy", str(SECOND), "--set", BAYS, "--out", str(out)], capsys
    )
    assert code == 2 and "(option 'baseline')" in err_text and not out.exists()


def test_the_command_runs_an_option_of_an_overlay_and_sets(tmp_path) -> None:
    out = tmp_path / "cmp"
    r = run_cli(
        "compare", str(DEMO), "--variant", f"big_south: {SECOND}; {BAYS}",
        "--replications", "2", "--days", "40", "--no-plots", "--out", str(out),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    meta = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert meta["options"][1]["policies"] == [str(SECOND)]
    assert meta["options"][1]["sets"] == [BAYS]
    assert meta["names"]["station"]["south_gate"] == "South gate transfer station"
    resolved = (out / "options" / "big_south.resolved.yaml").read_text(encoding="utf-8")
    assert "id: south_gate" in resolved
    # what holds each option back: printed, and in comparison.md and its two files
    assert "What holds each option back" in r.stdout and "North gate transfer station" in r.stdout
    md = (out / "comparison.md").read_text(encoding="utf-8")
    assert "## What holds each option back" in md and "South gate transfer station" in md
    for name in ("compare_bottlenecks.csv", "compare_stations.csv"):
        assert (out / name).read_bytes()[:3] == b"\xef\xbb\xbf"
    assert run_cli("verify", str(out)).returncode == 0
