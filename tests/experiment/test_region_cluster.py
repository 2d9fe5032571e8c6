"""A region of three parks swept on a loopback Dask LocalCluster gives, bit for bit, the
results of the serial executor (issue 20's acceptance): every run's streams come from
its point and replication, whoever runs it."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.experiment.executors import DaskExecutor, SerialExecutor
from sim.experiment.sweep import run_sweep
from sim.experiment.sweep_spec import load_sweep
from sim.scenario.load import load_scenario
from tests.conftest import ROOT

REGION = """\
name: three_parks
days: 40
seed: 11
replications: 1
regions:
  - {id: za, timeline: [{day: 0, level: lockdown}, {day: 12, level: controlled},
                        {day: 25, level: normal}]}
  - {id: zb, timeline: [{day: 0, level: controlled}, {day: 8, level: normal}]}
  - {id: zc, timeline: [{day: 0, level: lockdown}, {day: 20, level: normal}]}
  - {id: out, timeline: [{day: 0, level: controlled}, {day: 10, level: normal}]}
parks:
  - {id: a, zones: [za], service_teams: 2, passes_per_day: 3}
  - {id: b, zones: [zb]}
  - {id: c, zones: [zc], service_teams: 1, workforce: {employee_station_beds: 50}}
corridors:
  - {id: ab, between: [a, b], lead_days: 1, passes_per_day: 2, stations: [gate_ab]}
  - {id: bc, between: [b, c], lead_days: 1.5, stations: [gate_bc]}
suppliers:
  - {id: steel, region: out, capacity: 60, reopen_day: {uniform: {from: 2, to: 8}},
     lead_days: 2}
firm_classes:
  parts_a: {sector: parts, region: za, baseline_output: {lognormal: {median: 2, sigma: 0.6}},
            staff: {uniform: {from: 10, to: 60}}, migrant_share: 0.4, closed_loop_share: 0.3,
            tag_shares: {backbone: 0.2},
            inputs: [{good: steel, from: steel, per_output: 0.3}]}
  parts_c: {sector: parts, region: zc, baseline_output: {lognormal: {median: 2, sigma: 0.6}},
            staff: {uniform: {from: 10, to: 60}}, migrant_share: 0.3,
            inputs: [{good: steel, from: steel, per_output: 0.3}]}
  assembly_b: {sector: assembly, region: zb, baseline_output: {lognormal: {median: 3, sigma: 0.5}},
               staff: {uniform: {from: 20, to: 80}}, migrant_share: 0.5,
               inputs: [{good: parts, from_sector: parts, same_park_share: 0.0,
                         links: {uniform: {from: 1, to: 3}}, per_output: 0.2}]}
  assembly_a: {sector: assembly, region: za, baseline_output: {lognormal: {median: 3, sigma: 0.5}},
               staff: {uniform: {from: 20, to: 80}}, migrant_share: 0.5,
               inputs: [{good: parts, from_sector: parts, same_park_share: 0.7,
                         from_parks: [a, c], links: 2, per_output: 0.2}]}
generate:
  - {class: parts_a, count: 20, id_prefix: pa}
  - {class: parts_c, count: 15, id_prefix: pc}
  - {class: assembly_a, count: 15, id_prefix: aa}
  - {class: assembly_b, count: 20, id_prefix: ab}
logistics:
  passes_per_day: 5
  transfer_stations:
    - {id: gate_ab, opening_day: 2, bays: 2, hours_per_day: 12, handling_hours: 3}
    - {id: gate_bc, opening_day: 4, bays: 1, hours_per_day: 12, handling_hours: 3}
    - {id: gate_c, park: c, opening_day: 1, bays: 2, handling_hours: 2}
reopening:
  service_teams: 2
  whitelists:
    - {id: backbone_a, day: 3, tags: [backbone], parks: [a]}
    - {id: upstream, day: 6, suppliers_of_listed: true}
  mutual_recognition: {delay_days: 2}
workforce:
  migrant_return: [{day: 0, share: 0.2}, {day: 20, share: 0.9}]
  quarantine_days: 7
outbreaks:
  rate_per_1000_staff_day: 0.05
"""

SWEEP = """\
name: region_sweep
scenario: three_parks.yaml
seed: 5
parameters:
  - {path: reopening.service_teams, name: teams, levels: [1, 3]}
  - {path: "parks[id=a].passes_per_day", name: passes_a, levels: [1, 6]}
design: {method: grid, points_per_axis: 2}
replications: 2
outcomes: [lost_output_days, final_capacity]
store: {daily: [capacity, resumed]}
"""


def _tables(folder: Path) -> dict[str, object]:
    """runs.parquet without wall-clock seconds, and every daily file, by name."""
    out: dict[str, object] = {"runs": pq.read_table(folder / "runs.parquet").drop(["wall_seconds"])}
    for f in sorted((folder / "daily").rglob("*.parquet")):
        out[str(f.relative_to(folder))] = pq.read_table(f)
    return out


@pytest.fixture
def sweep_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Dask's nannies start workers that must import this checkout's `sim`.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    (tmp_path / "three_parks.yaml").write_text(REGION, encoding="utf-8")
    path = tmp_path / "region_sweep.yaml"
    path.write_text(SWEEP, encoding="utf-8")
    return path


def test_the_region_has_three_linked_parks(sweep_file: Path) -> None:
    park = load_scenario(sweep_file.parent / "three_parks.yaml")
    assert [p.id for p in park.scenario.parks] == ["a", "b", "c"]
    zone = {z: p.id for p in park.scenario.parks for z in p.zones}
    where = {f.id: zone[f.region] for f in park.firms}
    crossing = {
        (where[f.id], where[s])
        for f in park.firms
        for inp in f.inputs
        for s in inp.sources
        if s in where and where[s] != where[f.id]
    }
    assert ("b", "a") in crossing and ("b", "c") in crossing  # supply crosses parks


def test_a_region_on_a_loopback_local_cluster_is_bit_identical_to_serial(
    sweep_file: Path, tmp_path: Path
) -> None:
    from distributed import LocalCluster

    spec = load_sweep(sweep_file)
    serial = run_sweep(spec, tmp_path / "serial", SerialExecutor(), plots=False)
    assert (serial.ran, serial.failed) == (8, 0)
    want = _tables(tmp_path / "serial")
    assert want["runs"].num_rows == 8  # type: ignore[attr-defined]
    assert len(want) > 1  # the daily series were kept
    lost = want["runs"].column("lost_output_days").to_pylist()  # type: ignore[attr-defined]
    assert len(set(lost)) > 2  # the points and replications differ
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        DaskExecutor(cluster.scheduler_address, batch_size=3) as ex,
    ):
        res = run_sweep(spec, tmp_path / "dask", ex, plots=False)
    assert (res.ran, res.failed) == (8, 0)
    got = _tables(tmp_path / "dask")
    assert got.keys() == want.keys()
    for name, table in want.items():
        assert got[name].equals(table), name  # type: ignore[attr-defined]
