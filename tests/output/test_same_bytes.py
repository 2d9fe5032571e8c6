"""The results files a run writes are, byte for byte, those the writers wrote before
each file got one owner in `sim.files` and `timeseries.csv` came to follow the
declared series (issue 14).

"The old code" below is the old code path, kept verbatim from `sim/output/results.py`
as it was on `main` before the change (commit 94ea713): what each text file of a run
folder held, written from the same traces. Every shipped scenario and policy overlay (the
cases of the golden numbers, `tests/golden`) and a park whose ids need CSV quoting
are written by `write_run` and every file compared, so a writer that moves one byte
fails here. (`summary.json` shares `sim.metrics.summary` with the new code: the
golden numbers hold its values.)

`test_every_file_of_every_kind_is_unchanged` goes further when asked to: with
`PARKSIM_SAME_BYTES_AS=<commit>` it exports `sim/` at that commit and, with both
codes, writes a run folder (with its charts) of every shipped scenario and overlay, a
comparison, a sweep and a calibration, and compares every file of every folder
(what changes from one run to the next masked: times, wall seconds, the command line,
the order of the sweep's ledger, pyabc's database).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import re
import subprocess
import sys
import tarfile
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from sim.experiment.runner import run_replications
from sim.metrics import ci95, summary
from sim.output.results import write_run
from sim.record import WORKFORCE_PARTS, Trace
from sim.scenario.expand import Park
from sim.scenario.load import load_scenario
from tests.conftest import ROOT, SCENARIOS
from tests.experiment.test_compare_odd_names import SCENARIO as ODD_SCENARIO
from tests.golden.test_golden import CASES, REPLICATIONS

# --------------------------------------------------------------------------- the old code


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return ""
    return f"{v:.10g}"


def _text(v: str) -> str:
    if any(c in v for c in ',"\r\n'):
        return '"' + v.replace('"', '""') + '"'
    return v


def timeseries_rows(traces: Sequence[Trace]) -> list[str]:
    rows = ["day,replication,metric,group,value"]
    for t in traces:
        r = t.replication
        cap = t.capacity
        cap_sec = t.capacity_sector
        wf = t.workforce
        staff = max(t.staff_total, 1)
        series: list[tuple[str, str, np.ndarray]] = [("capacity", "park", cap)]
        series += [("capacity", _text(s), cap_sec[:, k]) for k, s in enumerate(t.sectors)]
        series += [
            ("resumption", "park", t.resumption),
            ("resumption_weighted", "park", t.resumption_weighted),
        ]
        if t.n_above_scale:
            series.append(("resumption_above_scale", "park", t.resumption_above_scale))
        series.append(("workforce", "park", wf[:, 0] / staff))
        series += [(f"staff_{p}", "park", wf[:, k]) for k, p in enumerate(WORKFORCE_PARTS)]
        series += [
            ("review_queue", "park", t.review_queue),
            ("review_wait_days", "park", t.review_wait),
            ("cases", "park", t.cases),
            ("trips_in_transit", "park", t.trips_in_transit),
            ("failed_firms", "park", t.state_counts[:, t.states.index("failed")]),
            ("cash_negative_firms", "park", t.cash_negative),
            ("relief_spent", "park", t.relief_spent),
        ]
        for d in range(t.days):
            for metric, group, arr in series:
                rows.append(f"{d},{r},{metric},{group},{_fmt(float(arr[d]))}")
    return rows


def causes_rows(traces: Sequence[Trace]) -> list[str]:
    rows = ["day,replication,cause,lost_output"]
    for t in traces:
        lost = t.lost_days
        causes = [_text(c) for c in t.causes]
        for d in range(t.days):
            for k, c in enumerate(causes):
                rows.append(f"{d},{t.replication},{c},{_fmt(float(lost[d, k]))}")
    return rows


def logistics_rows(traces: Sequence[Trace]) -> list[str]:
    rows = [
        "day,replication,station,declared,admitted,cleared,"
        "declared_total,admitted_total,cleared_total,queue,mean_wait_days"
    ]
    for t in traces:
        if not t.stations:
            continue
        prev = np.zeros((len(t.stations), 5))
        for d in range(t.days):
            cur = t.funnel[d]
            delta = cur - prev
            for k, st in enumerate(map(_text, t.stations)):
                dec, adm, clr, _, wait = delta[k]
                mean_wait = wait / clr if clr > 0 else float("nan")
                rows.append(
                    f"{d},{t.replication},{st},{int(dec)},{int(adm)},{int(clr)},"
                    f"{int(cur[k, 0])},{int(cur[k, 1])},{int(cur[k, 2])},{int(cur[k, 3])},"
                    f"{_fmt(mean_wait)}"
                )
            prev = cur
    return rows


def bottleneck_rows(traces: Sequence[Trace], n_firms: int) -> list[str]:
    if not traces:
        return ["rank,kind,id,lost_output_days,ci95_lo,ci95_hi"]
    t0 = traces[0]
    base = np.array([t.baseline_total for t in traces])
    prod = np.stack([t.cost_by_producer for t in traces]) / base[:, None]
    logi = np.stack([t.cost_by_logistics for t in traces]) / base[:, None]
    items = []
    for k, pid in enumerate(t0.producers):
        kind = "park_firm" if k < n_firms else "supplier"
        items.append((kind, pid, prod[:, k]))
    for k, st in enumerate(t0.stations):
        items.append(("station", st, logi[:, k]))
    items.append(("passes", "waiting_for_pass_or_open_station", logi[:, -1]))
    items = [it for it in items if it[2].mean() > 0]
    items.sort(key=lambda it: (-it[2].mean(), it[0], it[1]))
    rows = ["rank,kind,id,lost_output_days,ci95_lo,ci95_hi"]
    for rank, (kind, pid, v) in enumerate(items, 1):
        lo, hi = ci95(v.tolist()) or (float("nan"), float("nan"))
        rows.append(f"{rank},{kind},{_text(pid)},{_fmt(float(v.mean()))},{_fmt(lo)},{_fmt(hi)}")
    return rows


def states_rows(traces: Sequence[Trace]) -> list[str]:
    rows = ["day,replication,state,count"]
    for t in traces:
        for d in range(t.days):
            for k, s in enumerate(t.states):
                rows.append(f"{d},{t.replication},{s},{int(t.state_counts[d, k])}")
    return rows


def finite(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: finite(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [finite(x) for x in v]
    return v


def json_text(doc: Any) -> str:
    return json.dumps(finite(doc), indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def scenario_json(park: Park) -> str:
    data = park.scenario.model_dump(mode="json", by_alias=True)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def resolved_yaml(park: Park, scenario_file: Path | None) -> str:
    data = park.scenario.model_dump(mode="json", by_alias=True)
    base = scenario_file.parent if scenario_file else Path.cwd()
    for reg in data.get("registry", []):
        reg["file"] = str((base / reg["file"]).resolve())
    head = "# The scenario as run by parksim, after overlays, --set and defaults.\n"
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def summary_json(park: Park, traces: Sequence[Trace]) -> str:
    import hashlib

    sc = park.scenario
    metrics, causes = summary(traces, sc.reporting.sustain_days)
    return json_text(
        {
            "scenario": sc.name,
            "seed": sc.seed,
            "replications": len(traces),
            "days": traces[0].days if traces else sc.days,
            "start_date": sc.start_date.isoformat() if sc.start_date else None,
            "sustain_days": sc.reporting.sustain_days,
            "observations": [o.model_dump(mode="json") for o in sc.reporting.observations],
            "firms": traces[0].n_firms if traces else len(park.firms),
            "scenario_sha256": hashlib.sha256(scenario_json(park).encode()).hexdigest(),
            "metrics": metrics,
            "causes": causes,
        }
    )


def old_files(park: Park, traces: Sequence[Trace], scenario_file: Path) -> dict[str, str]:
    """Every text file of a run folder as the old writers wrote it."""
    n_firms = traces[0].n_firms if traces else len(park.firms)
    tables = {
        "timeseries.csv": timeseries_rows(traces),
        "causes.csv": causes_rows(traces),
        "states.csv": states_rows(traces),
        "logistics.csv": logistics_rows(traces),
        "bottlenecks.csv": bottleneck_rows(traces, n_firms),
    }
    return {
        "summary.json": summary_json(park, traces),
        **{name: "\n".join(rows) + "\n" for name, rows in tables.items()},
        "scenario.resolved.yaml": resolved_yaml(park, scenario_file),
    }


# --------------------------------------------------------------------------- the tests


def _write(out: Path, park: Park, traces: list[Trace], scenario_file: Path) -> Path:
    return write_run(
        out,
        park,
        traces,
        scenario_file=scenario_file,
        started=dt.datetime.now(dt.UTC),
        executor="serial",
        plots=False,
    )


ODD = "odd names"
"""A park whose ids, sectors and goods need CSV quoting (`test_compare_odd_names`)."""


def _park(tmp: Path, case: str) -> tuple[Park, Path]:
    """The park of a golden case (scenario, overlays, `--set`s), or the odd-names park."""
    if case == ODD:
        scen = tmp / "odd.yaml"
        scen.write_text(ODD_SCENARIO, encoding="utf-8")
        return load_scenario(scen), scen
    scenario, overlays, sets = CASES[case]
    scen = SCENARIOS / scenario
    return load_scenario(scen, [SCENARIOS / o for o in overlays], sets), scen


def _single_park(case: str) -> bool:
    """Whether a golden case is one park: the old writers knew nothing of regions (issue
    20), so a region's run has no old files to equal (tests/files/test_parks.py and the
    region tests cover what it writes)."""
    scenario, overlays, _ = CASES[case]
    files = [SCENARIOS / scenario, *(SCENARIOS / o for o in overlays)]
    return not any("\nparks:" in f.read_text(encoding="utf-8") for f in files)


SINGLE_PARK = sorted(c for c in CASES if _single_park(c))


def test_the_old_writers_are_checked_on_every_single_park_case() -> None:
    assert "demo_park" in SINGLE_PARK and "bench_city" in SINGLE_PARK
    assert not {"delta_region", "bench_region", "policy_mutual_recognition"} & set(SINGLE_PARK)


@pytest.mark.parametrize("case", [*SINGLE_PARK, ODD])
def test_every_text_file_of_a_run_is_what_the_old_writers_wrote(tmp_path: Path, case: str) -> None:
    park, scen = _park(tmp_path, case)
    traces = run_replications(park, REPLICATIONS)
    out = _write(tmp_path / "run", park, traces, scen)
    expected = old_files(park, traces, scen)
    written = sorted(p.name for p in out.iterdir() if p.name not in ("manifest.json", *NEW_FILES))
    assert written == sorted(expected)
    copies = issue_19_copies(park, scen)
    assert sorted(_files_under(out / "inputs")) == sorted(copies)
    for name, original in copies.items():
        assert (out / "inputs" / name).read_bytes() == original.read_bytes(), name
    for name, text in expected.items():
        written_text = without_issue_18_additions(name, (out / name).read_text(encoding="utf-8"))
        if name == "timeseries.csv":
            written_text = without_issue_15_rows(written_text)
        if name == "scenario.resolved.yaml":
            text = with_issue_19_copies(text, park, scen)
        assert written_text.encode("utf-8") == text.encode("utf-8"), name


def _files_under(folder: Path) -> list[str]:
    return [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]


def _registry_files(park: Park, scenario_file: Path) -> list[Path]:
    """The registry files a park read, each once, in the order the scenario names them."""
    files = [(scenario_file.parent / r.file).resolve() for r in park.scenario.registry]
    return list(dict.fromkeys(files))


def issue_19_copies(park: Park, scenario_file: Path) -> dict[str, Path]:
    """What issue 19 added on purpose: `inputs/`, the copies of the files a run read —
    `scenario/<file>`, `policies/<k>-<file>` for the overlays in order, and
    `registry/<k>/<file>` for each registry file — by name under `inputs/`."""
    overlays = park.loaded_from[1:]
    out = {f"scenario/{scenario_file.name}": scenario_file}
    out.update({f"policies/{k}-{p.name}": p for k, p in enumerate(overlays, 1)})
    for k, f in enumerate(_registry_files(park, scenario_file), 1):
        out[f"registry/{k}/{f.name}"] = f
    return out


def with_issue_19_copies(text: str, park: Park, scenario_file: Path) -> str:
    """`scenario.resolved.yaml` as issue 19 writes it: each registry named by its copy
    (`inputs/registry/<k>/<file>`, relative to the folder) instead of its absolute path.
    Nothing else changes."""
    for k, f in enumerate(_registry_files(park, scenario_file), 1):
        assert f"file: {f}\n" in text, f
        text = text.replace(f"file: {f}\n", f"file: inputs/registry/{k}/{f.name}\n")
    return text


ISSUE_18_SUMMARY_KEYS = ("relapses", "names")
"""Sections issue 18 added at the end of `summary.json` (relapses after reaching a level,
18.6; display names, 18.4)."""


def without_issue_18_additions(name: str, text: str) -> str:
    """A file without what issue 18 added on purpose, which the old writers never wrote:
    the UTF-8 byte-order mark that starts every CSV file (`reporting.csv_bom`, 18.4), the
    `name` column added last to `bottlenecks.csv` (18.4) and the last two sections of
    `summary.json` (`ISSUE_18_SUMMARY_KEYS`). Everything else keeps its bytes."""
    if name.endswith(".csv"):
        assert text.startswith("\ufeff"), f"{name} lacks its byte-order mark"
        text = text[1:]
    if name == "bottlenecks.csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0][-1] == "name", rows[0]
        kept = [",".join(line.split(",")[:6]) for line in text.splitlines()]
        assert all(len(r) == 7 for r in rows), rows
        text = "\n".join(kept) + "\n"
    if name == "summary.json":
        doc = json.loads(text)
        assert list(doc)[-2:] == list(ISSUE_18_SUMMARY_KEYS), list(doc)
        for key in ISSUE_18_SUMMARY_KEYS:
            del doc[key]
        text = json_text(doc)
    return text


NEW_FILES = ("key_firms.csv", "inputs")
"""Files the old writers never wrote: the key firms' paths (issue 17) and the copies of
the input files (issue 19; checked file by file by `issue_19_copies`)."""

NEW_GROUPS = ("tag:", "class:", "batch:", "approval:")
"""Groups of the per-group rows added by issue 15.7 (capacity, resumption, resumed,
workforce and staff on post of each tag, class, white-list batch and approval rule)."""


def without_issue_15_rows(text: str) -> str:
    """`timeseries.csv` without the rows issue 15 added on purpose, which the old writers
    never wrote: the series its mechanisms declare (`continuity_firms`, `returning`,
    `onsite_capacity`, …), the official resumption `resumed` (15.7) and the per-group
    rows (15.7). Every row the old writers wrote keeps its bytes and its order."""
    lines = text.splitlines(keepends=True)
    kept = [lines[0]]
    for line in lines[1:]:
        _, _, metric, group, _ = line.split(",", 4)
        if metric not in OLD_METRICS or group.lstrip('"').startswith(NEW_GROUPS):
            continue
        kept.append(line)
    return "".join(kept)


OLD_METRICS = frozenset(
    (
        "capacity",
        "resumption",
        "resumption_weighted",
        "resumption_above_scale",
        "workforce",
        *(f"staff_{p}" for p in WORKFORCE_PARTS),
        "review_queue",
        "review_wait_days",
        "cases",
        "trips_in_transit",
        "failed_firms",
        "cash_negative_firms",
        "relief_spent",
    )
)
"""The metrics the old writers wrote (`timeseries_rows` above)."""


# --------------------------------------------------------------------------- every kind

BASE = os.environ.get("PARKSIM_SAME_BYTES_AS")
VARYING_KEYS = ("started", "ended", "wall_seconds", "command", "code")
"""What a manifest (a sweep's `sweep.json`, its sessions) says of when and how it was
written, and by which code (`code`, `source_sha256`, `git_*`: two commits, two codes)."""
CODE_KEYS = ("source_sha256", "git_commit", "git_dirty")
VARYING_FILES = (
    "manifest.json",
    "ledger.jsonl",
    "runs.parquet",
    "calibration.md",
    "history.db",
    "sweep.json",
    "sessions.jsonl",
)
"""Files holding times, the code that wrote them or the order runs finished in, compared
masked (`_masked`)."""
RESOLVED_SUFFIX = ".resolved.yaml"
"""Resolved scenarios, compared masked (`_masked`): issue 19 names registries by copy."""


SWEEP = """\
name: same_bytes
scenario: {demo}
parameters:
  - {{path: "logistics.transfer_stations[id=north_gate].bays", name: bays, levels: [1, 3]}}
  - {{path: logistics.passes_per_day, name: passes, levels: [1, 4]}}
design: {{method: grid}}
replications: 2
outcomes: [lost_output_days, days_to_80]
seed: 7
"""


def _cli(code: Path, cwd: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(code)}
    run = "import sys; from sim.cli import main; sys.exit(main(sys.argv[1:]))"
    subprocess.run([sys.executable, "-c", run, *args], cwd=cwd, env=env, check=True)


def _folders(code: Path, out: Path) -> None:
    out.mkdir()
    demo = str(SCENARIOS / "demo_park.yaml")
    for case, (scenario, overlays, sets) in sorted(CASES.items()):
        args = [str(SCENARIOS / scenario), "--replications", str(REPLICATIONS)]
        args += [a for o in overlays for a in ("--policy", str(SCENARIOS / o))]
        args += [a for x in sets for a in ("--set", x)]
        _cli(code, out, "run", *args, "--out", f"run_{case}", "--quiet")
    policy = str(SCENARIOS / "policies" / "more_service_teams.yaml")
    variant = "few: reopening.service_teams=2"
    args = ["--policy", policy, "--variant", variant, "--replications", "3"]
    _cli(code, out, "compare", demo, *args, "--out", "cmp", "--quiet")
    sweep = out.parent / "sweep.yaml"  # one file for both codes: sweep.json names it
    sweep.write_text(SWEEP.format(demo=demo), encoding="utf-8")
    _cli(code, out, "sweep", str(sweep), "--out", "sweep", "--quiet")
    cal = str(SCENARIOS / "calibration" / "jinshan_2022.yaml")
    _cli(code, out, "calibrate", cal, "--quick", "--out", "cal", "--quiet")


def issue_19_new(rel: Path) -> bool:
    """A copy issue 19 added on purpose to a run or comparison folder (`inputs/`)."""
    return len(rel.parts) > 1 and rel.parts[0] != "sweep" and rel.parts[1] == "inputs"


def _masked(path: Path) -> object:
    """What must not change from one run to the next, nor from issue 19 on: a run's or a
    comparison's resolved scenario names its registries by their copies (masked to the
    file's name) and its manifest describes the copies (`inputs`, masked)."""
    if path.name == "manifest.json":
        doc = json.loads(path.read_text(encoding="utf-8"))
        for key in (*VARYING_KEYS, "inputs"):
            doc.pop(key, None)
        for session in doc.get("sessions", []):
            for key in (*VARYING_KEYS, *CODE_KEYS):
                session.pop(key, None)
        doc["files"] = {
            k: v
            for k, v in doc["files"].items()
            if Path(k).name not in VARYING_FILES
            and not k.endswith(RESOLVED_SUFFIX)
            and not k.startswith("inputs/")
        }
        return doc
    if path.name.endswith(RESOLVED_SUFFIX):
        text = path.read_text(encoding="utf-8")
        head, _, body = text.partition("\n")
        data = yaml.safe_load(body)
        for reg in data.get("registry", []):
            reg["file"] = Path(reg["file"]).name
        return head, data
    if path.name == "sweep.json":
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc.pop("code")
        return doc
    if path.name == "sessions.jsonl":
        events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return [{k: v for k, v in e.items() if k not in VARYING_KEYS} for e in events]
    if path.name == "ledger.jsonl":
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for r in records:
            r.pop("wall_seconds")
        return sorted(records, key=lambda r: r["run_id"])
    if path.name == "runs.parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).drop(["wall_seconds"]).to_pylist()
    if path.name == "calibration.md":
        return re.sub(r"\d+\.\d s on", "… s on", path.read_text(encoding="utf-8"))
    return None  # history.db: pyabc's own database, with its clock times


@pytest.mark.skipif(not BASE, reason="set PARKSIM_SAME_BYTES_AS=<commit> to compare with it")
def test_every_file_of_every_kind_is_unchanged(tmp_path: Path) -> None:
    pytest.importorskip("pyabc")
    archive = subprocess.run(
        ["git", "archive", str(BASE), "sim"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    old_code = tmp_path / "old"
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(old_code, filter="data")
    _folders(old_code, tmp_path / "before")
    _folders(ROOT, tmp_path / "after")
    before = sorted(p.relative_to(tmp_path / "before") for p in (tmp_path / "before").rglob("*"))
    after = sorted(p.relative_to(tmp_path / "after") for p in (tmp_path / "after").rglob("*"))
    assert before == [rel for rel in after if not issue_19_new(rel)]
    for rel in before:
        a, b = tmp_path / "before" / rel, tmp_path / "after" / rel
        if a.is_dir() or a.read_bytes() == b.read_bytes():
            continue
        assert a.name in VARYING_FILES or a.name.endswith(RESOLVED_SUFFIX), f"{rel} differs"
        assert _masked(a) == _masked(b), f"{rel} differs beyond times and order"
