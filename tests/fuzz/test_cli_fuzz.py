"""Hostile input files through `parksim run`, as a user would meet them.

Every case must end with exit code 2 within seconds, a message naming the
file (and its line where there is one), no traceback, and no results folder:
neither DIR nor DIR.partial. A few inputs that look odd but are valid (unicode
ids, a quote in a name) must run and come out intact in the CSV files.

The main cases run `python -m sim.cli` in a fresh interpreter with a timeout;
their variants call `sim.cli.main` in-process, which takes the same path from
arguments to exit code without paying for interpreter start-up each time.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main
from tests.conftest import ROOT

TIMEOUT = 60

PARK = """\
name: fuzz
days: 3
replications: 1
regions: [{id: park}, {id: out}]
"""

FIRMS = """\
enterprises:
  - {id: a, sector: s, region: park, baseline_output: 1, staff: 0}
  - {id: b, sector: s, region: park, baseline_output: 1, staff: 0}
"""


def parksim(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """`python -m sim.cli ARGS` with a hang guard."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def in_process(*args: str) -> tuple[int, str]:
    """`parksim ARGS` through `sim.cli.main` in this process (no interpreter start-up)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(args))
    return code, err.getvalue()


def rejected(path: Path, tmp_path: Path, *where: str, fresh: bool = False) -> str:
    """Run `path` (in a fresh interpreter if `fresh`); assert the bad-input contract;
    return stderr."""
    out = tmp_path / "out"
    args = ("run", str(path), "--out", str(out), "--quiet", "--no-plots")
    if fresh:
        r = parksim(*args)
        code, err = r.returncode, r.stderr
    else:
        code, err = in_process(*args)
    assert code == 2, (code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    for w in where or (str(path),):
        assert w in err, (w, err)
    assert not out.exists() and not out.with_name("out.partial").exists()
    return err


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.yaml"
    line = "# " + "x" * 1022 + "\n"
    with big.open("w") as f:
        f.write(PARK + FIRMS)
        for _ in range(50 * 1024):
            f.write(line)
    assert big.stat().st_size > 50_000_000
    t0 = time.monotonic()
    err = rejected(big, tmp_path, fresh=True)
    assert "larger than the limit" in err
    assert time.monotonic() - t0 < 20


def test_a_billion_laughs_alias_bomb_is_refused(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    lines = [PARK + FIRMS, 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, 10):
        lines.append(f"l{k}: &l{k} [" + ",".join([f"*l{k - 1}"] * 9) + "]")
    lines.append("description: *l9")
    bomb.write_text("\n".join(lines) + "\n")
    err = rejected(bomb, tmp_path, fresh=True)
    assert "alias bomb" in err and f"{bomb}:" in err


def test_a_recursive_anchor_is_refused(tmp_path):
    loop = tmp_path / "loop.yaml"
    loop.write_text(PARK + FIRMS + "extra_tags: &x [a, *x]\n")
    assert "recursive anchor" in rejected(loop, tmp_path)


@pytest.mark.parametrize(
    ("value", "key"),
    [(".nan", "baseline_output"), (".inf", "baseline_output"), ("-.inf", "staff")],
)
def test_nan_and_infinity_are_refused_at_their_key(tmp_path, value, key):
    numbers = {"baseline_output": "1", "staff": "0", key: value}
    cells = ", ".join(f"{k}: {v}" for k, v in numbers.items())
    bad = tmp_path / "nan.yaml"
    bad.write_text(PARK + f"enterprises:\n  - {{id: a, sector: s, region: park, {cells}}}\n")
    err = rejected(bad, tmp_path, f"{bad}:6:")
    assert f"enterprises[0].{key}: should be a finite number" in err


def test_duplicate_ids_are_refused(tmp_path):
    bad = tmp_path / "dup.yaml"
    bad.write_text(
        PARK
        + FIRMS
        + "  - {id: a, sector: s, region: park, baseline_output: 2, staff: 0}\n"
        + "suppliers:\n  - {id: b, region: out, capacity: 1}\n"
    )
    err = rejected(bad, tmp_path, f"{bad}:7:", f"{bad}:8:")
    assert "enterprises[2].id: duplicate firm id 'a'" in err
    assert "enterprises[1].id: firm id 'b' is also a supplier id" in err


def test_duplicate_keys_are_refused(tmp_path):
    bad = tmp_path / "dupkey.yaml"
    bad.write_text(PARK + FIRMS + "seed: 3\nseed: 4\n")
    assert "duplicate key 'seed'" in rejected(bad, tmp_path, f"{bad}:9:")


def test_an_unknown_or_self_alternative_source_is_bad_input(tmp_path):
    # Was an internal error (KeyError in the model) before refs.py checked it.
    bad = tmp_path / "alt.yaml"
    bad.write_text(
        PARK
        + "enterprises:\n"
        + "  - {id: a, sector: s, region: park, baseline_output: 1, staff: 0,\n"
        + "     inputs: [{good: g, from: b, per_output: 1, alternative: bb}]}\n"
        + "  - {id: b, sector: s, region: park, baseline_output: 1, staff: 0,\n"
        + "     inputs: [{good: h, from: a, per_output: 1, alternative: b}]}\n"
    )
    err = rejected(bad, tmp_path, f"{bad}:7:", f"{bad}:9:")
    assert "enterprises[0].inputs[0].alternative: 'bb' is neither" in err
    assert "enterprises[1].inputs[0].alternative: firm 'b' cannot supply itself" in err


def test_reviews_that_could_loop_forever_are_bad_input(tmp_path):
    # Accepted before, then `parksim run` hung (see tests/property/test_regressions.py).
    bad = tmp_path / "endless.yaml"
    bad.write_text(PARK + FIRMS + "reopening: {fail_prob: 1, review_days: 0, rectify_days: 0}\n")
    err = rejected(bad, tmp_path, f"{bad}:8:", fresh=True)
    assert "reopening.fail_prob" in err


def test_a_duration_beyond_100_000_days_is_bad_input(tmp_path):
    # Accepted before, then numpy's triangular sampler overflowed to -inf and the
    # run crashed (see tests/fuzz/test_loader_fuzz.py).
    bad = tmp_path / "huge.yaml"
    bad.write_text(
        PARK + FIRMS + "reopening:\n  review_days: {triangular: {from: 1, mode: 2, to: 1e300}}\n"
    )
    err = rejected(bad, tmp_path, f"{bad}:9:", fresh=True)
    assert "reopening.review_days: can draw values up to 1e+300" in err
    assert "largest allowed 100000" in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xff\xfe\x00n\x00a\x00m\x00e", "not UTF-8"),
        (b"name: x\x00\n", "U+0000"),
        (b"- just\n- a list\n", "a scenario must be a mapping"),
        (b"", "required key is missing"),
        (b"name: [unclosed\n", "invalid YAML"),
        (b"name: x\n---\nname: y\n", "second YAML document"),
    ],
)
def test_garbage_files_are_bad_input(tmp_path, content, expected):
    bad = tmp_path / "garbage.yaml"
    bad.write_bytes(content)
    assert expected in rejected(bad, tmp_path)


def _with_registry(tmp_path: Path, csv_bytes: bytes, cls: bool = False) -> tuple[Path, Path]:
    reg = tmp_path / "firms.csv"
    reg.write_bytes(csv_bytes)
    scen = tmp_path / "reg.yaml"
    classes = (
        "firm_classes:\n  food: {sector: food, region: park, baseline_output: 2, staff: 10}\n"
        if cls
        else ""
    )
    entry = "  - {file: firms.csv, class: food}\n" if cls else "  - {file: firms.csv}\n"
    scen.write_text(PARK + classes + "registry:\n" + entry)
    return scen, reg


def test_a_registry_missing_required_columns_names_its_rows(tmp_path):
    scen, reg = _with_registry(tmp_path, b"id,name\nf1,One\nf2,Two\n")
    err = rejected(scen, tmp_path, f"{reg}:2", f"{reg}:3", fresh=True)
    assert "baseline_output" in err and "sector" in err


def test_a_registry_without_an_id_column_is_refused(tmp_path):
    scen, reg = _with_registry(tmp_path, b"name,staff\nOne,3\n", cls=True)
    assert "`id` column" in rejected(scen, tmp_path, f"{reg}:1")


@pytest.mark.parametrize(
    ("encoding", "name"), [("latin-1", "Café Müller"), ("cp1252", "€ 5"), ("utf-16", "x")]
)
def test_a_registry_not_in_utf8_names_the_line(tmp_path, encoding, name):
    text = f"id,name,staff\nf1,ok,3\nf2,{name},4\n"
    scen, reg = _with_registry(tmp_path, text.encode(encoding), cls=True)
    line = "1" if encoding == "utf-16" else "3"
    assert "not UTF-8" in rejected(scen, tmp_path, f"{reg}:{line}")


def test_a_registry_row_with_missing_cells_names_its_line(tmp_path):
    scen, reg = _with_registry(tmp_path, b"id,staff,baseline_output\nf0,3,1\nf1,3\n", cls=True)
    assert "2 cells for 3 columns" in rejected(scen, tmp_path, f"{reg}:3")


def test_a_registry_with_bad_values_names_each_line(tmp_path):
    scen, reg = _with_registry(
        tmp_path, b"id,staff,baseline_output\nf0,3,1\nf2,-4,1\nf3,5,nan\nf0,2,1\n", cls=True
    )
    err = rejected(scen, tmp_path, f"{reg}:3", f"{reg}:4", f"{reg}:5")
    assert "duplicate firm id 'f0'" in err


def test_unicode_ids_and_quoted_names_run_and_come_out_intact(tmp_path):
    scen = tmp_path / "unicode.yaml"
    scen.write_text(
        'name: unicode\ndays: 3\nreplications: 1\nregions: [{id: 园区}, {id: "外地"}]\n'
        "suppliers: [{id: 芯片厂, region: 外地, capacity: 0, reopen_day: 99}]\n"
        "logistics: {transfer_stations: [{id: 'gate\"1', opening_day: 99}]}\n"
        "enterprises:\n"
        "  - {id: 电子①, sector: '\"电子', region: 园区, baseline_output: 1, staff: 0,\n"
        "     initially_open: true,\n"
        "     inputs: [{good: 芯片, from: 芯片厂, per_output: 1, stock_days: 0}]}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    r = parksim("run", str(scen), "--out", str(out), "--quiet", "--no-plots")
    assert r.returncode == 0, r.stderr
    with (out / "timeseries.csv").open(encoding="utf-8", newline="") as f:
        groups = {row["group"] for row in csv.DictReader(f) if row["metric"] == "capacity"}
    assert groups == {"park", '"电子'}
    with (out / "causes.csv").open(encoding="utf-8", newline="") as f:
        causes = {row["cause"] for row in csv.DictReader(f)}
    assert "input:芯片" in causes
    with (out / "bottlenecks.csv").open(encoding="utf-8", newline="") as f:
        ids = {row["id"] for row in csv.DictReader(f)}
    assert "芯片厂" in ids
    with (out / "logistics.csv").open(encoding="utf-8", newline="") as f:
        assert {row["station"] for row in csv.DictReader(f)} == {'gate"1'}
    assert parksim("verify", str(out)).returncode == 0


@pytest.mark.parametrize("bad_id", ["a b", "a,b", "", "x" * 101, "a=b"])
def test_ids_that_would_break_files_or_set_paths_are_refused(tmp_path, bad_id):
    scen = tmp_path / "ids.yaml"
    scen.write_text(
        PARK + f"enterprises:\n  - {{id: '{bad_id}', sector: s, region: park, "
        "baseline_output: 1, staff: 0}\n"
    )
    assert "enterprises[0].id" in rejected(scen, tmp_path, f"{scen}:6:")


def test_a_class_drawing_huge_headcounts_is_refused_as_too_many(tmp_path):
    # A draw beyond int64 used to wrap round and be reported as "below 0".
    scen = tmp_path / "huge.yaml"
    scen.write_text(
        PARK
        + "firm_classes: {c: {sector: s, region: park, baseline_output: 1, staff: 1e300}}\n"
        + "generate: [{class: c, count: 1}]\n"
    )
    # refused at the class since distributions have upper bounds (expand.py still
    # clips draws before the cast, for a heavy tail's rare draw beyond 1e8)
    err = rejected(scen, tmp_path, f"{scen}:5:")
    assert (
        "firm_classes.c.staff: can draw values up to 1e+300, above the largest allowed 100000000"
        in err
    )
    assert "greater than or equal to 0" not in err


# --- issue 13: bounded resources, no silent nonsense ----------------------------------


def test_a_20_mb_flow_list_is_refused_in_seconds(tmp_path):
    big = tmp_path / "flow.yaml"
    big.write_text(PARK + FIRMS + "extra_tags: [" + "1," * 9_000_000 + "1]\n")
    assert big.stat().st_size > 17_000_000
    t0 = time.monotonic()
    err = rejected(big, tmp_path, f"{big}:8:", fresh=True)
    assert "more than 200,000 values" in err
    assert time.monotonic() - t0 < 20


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_dev_zero_as_scenario_or_registry_never_hangs(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert "pipe or socket" in rejected(fifo, tmp_path)
    scen = tmp_path / "zero.yaml"
    scen.write_text(
        PARK
        + "firm_classes: {c: {sector: s, region: park, baseline_output: 1, staff: 1}}\n"
        + "registry: [{file: /dev/zero, class: c}]\n"
    )
    assert "the firm registry is a device, pipe or socket" in rejected(scen, tmp_path, "/dev/zero")


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("workforce: {quarantine_days: 1e15}\n", "workforce.quarantine_days"),
        ("outbreaks: {isolation_days: 1e15}\n", "outbreaks.isolation_days"),
        ("suppliers: [{id: s, region: out, capacity: 1e308}]\n", "suppliers[0].capacity"),
        (
            "finance: {relief: {measures: [{id: m, kind: wage_subsidy, "
            "per_worker_per_day: 1e308}]}}\n",
            "finance.relief.measures[0].per_worker_per_day",
        ),
        (
            "reopening: {review_days: {choice: {values: [1, 2], weights: [1e308, 1e308]}}}\n",
            "reopening.review_days.choice",
        ),
        (
            "enterprises:\n  - {id: c, sector: s, region: park, baseline_output: 1, staff: true}\n",
            "enterprises[0].staff",
        ),
        ("start_date: 0\n", "start_date"),
        ("limits: {firm_days: 5}\n", "replications"),
    ],
)
def test_numbers_that_used_to_run_are_refused_at_their_key(tmp_path, extra, key):
    bad = tmp_path / "bad.yaml"
    firms = "" if extra.startswith("enterprises") else FIRMS
    bad.write_text(PARK + firms + extra)
    assert f"{key}: " in rejected(bad, tmp_path, f"{bad}:")


def test_a_list_scenario_with_days_names_the_file_not_a_set(tmp_path):
    bad = tmp_path / "list.yaml"
    bad.write_text("- name: x\n- days: 3\n")
    out = tmp_path / "out"
    code, err = in_process("run", str(bad), "--days", "5", "--replications", "2", "--out", str(out))
    assert code == 2 and err.startswith(f"{bad}:1: a scenario must be a mapping")
    assert "--set" not in err and not out.exists()


def test_a_sweep_of_10_to_the_12_points_is_refused_before_it_is_built(tmp_path):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        f"name: big\nscenario: {ROOT / 'scenarios' / 'demo_park.yaml'}\nparameters:\n"
        "  - {path: reopening.service_teams, from: 1, to: 10000, integer: true}\n"
        "  - {path: workforce.quarantine_days, from: 0, to: 10000}\n"
        "  - {path: logistics.passes_per_day, from: 1, to: 10000, integer: true}\n"
        "design: {method: grid, points_per_axis: 10000}\n"
    )
    out = tmp_path / "out"
    code, err = in_process("sweep", str(sweep), "--executor", "serial", "--out", str(out))
    assert code == 2, err
    assert f"{sweep}:7:" in err and "1,000,000,000,000 points" in err
    assert not out.exists()
