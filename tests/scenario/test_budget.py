"""The run-size budget (`limits`, sim/scenario/budget.py): refused at the key that makes
a run big, before anything is allocated; raised with `--set limits.X=...`."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sim.scenario import budget
from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario
from sim.scenario.schema import Limits
from tests.conftest import SCENARIOS

TINY = """\
name: t
regions: [{id: park}, {id: out}]
enterprises:
  - {id: a, sector: s, region: park, baseline_output: 3, staff: 10}
  - {id: b, sector: s, region: park, baseline_output: 3, staff: 10}
"""


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path, **kwargs: object) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, **kwargs)  # type: ignore[arg-type]
    return info.value


@pytest.fixture(scope="module")
def shipped() -> dict[str, budget.Estimate]:
    return {p.name: budget.estimate(load_scenario(p)) for p in sorted(SCENARIOS.glob("*.yaml"))}


PROVINCE = "bench_region.yaml"
"""The province benchmark: 100,000 firms at its default scale, on purpose."""


def test_every_shipped_scenario_is_far_within_the_default_budget(shipped) -> None:
    limits = Limits()
    for path, e in shipped.items():
        if path == PROVINCE:
            continue  # checked below, with the bench city at 100,000 firms
        assert e.firm_days < limits.firm_days / 1000, path
        assert e.memory_bytes < limits.memory_mb * budget.MB / 20, path
        assert e.trips < limits.trips / 100, path
        assert e.events < limits.events / 100, path


def test_the_bench_city_at_100_000_firms_stays_well_within_the_defaults(shipped) -> None:
    # Loading 100,000 firms takes seconds; every estimate grows in proportion to the
    # firms (the sizes of its classes do not change), so the 15,000-firm city is
    # scaled. `benchmarks/run.py` and the README measure the real thing.
    e = shipped["bench_city.yaml"]
    k = 100_000 / 15_000
    limits = Limits()
    assert e.firm_days * k < limits.firm_days / 100
    assert e.memory_bytes * k < limits.memory_mb * budget.MB / 4
    assert e.trips * k < limits.trips / 10
    assert e.events * k < limits.events / 10


def test_the_province_at_100_000_firms_stays_well_within_the_defaults(shipped) -> None:
    e = shipped[PROVINCE]
    limits = Limits()
    assert e.firm_days == 100_000 * 180
    assert e.firm_days < limits.firm_days / 100
    assert e.memory_bytes < limits.memory_mb * budget.MB / 4
    assert e.trips < limits.trips / 10
    assert e.events < limits.events / 10


def test_firm_days_name_the_biggest_factor_and_the_limit(tmp_path: Path) -> None:
    path = write(tmp_path, TINY + "days: 120\nreplications: 10\nlimits: {firm_days: 1000}\n")
    (p,) = refused(path).problems
    assert (p.file, p.path) == (str(path), ("replications",))
    assert p.message.startswith("this run would simulate 2,400 firm-days (2 firms × 120 days")
    assert "more than `limits.firm_days` (1,000)" in p.message
    (p,) = refused(path, sets=["days=3000", "replications=1"]).problems
    assert p.path == ("days",) and p.file == "--set days=3000"
    load_scenario(path, sets=["limits.firm_days=2400"])  # raised by --set: runs


def test_firms_planned_beyond_the_memory_budget_are_refused_before_they_are_made(
    tmp_path: Path,
) -> None:
    # 1,000,000 generated firms took minutes and gigabytes before the exact check.
    text = TINY + (
        "firm_classes:\n  c: {sector: s, region: park, baseline_output: 1, staff: 5}\n"
        "generate:\n  - {class: c, count: 1000}\n  - {class: c, count: 1000000, id_prefix: d}\n"
    )
    started = time.perf_counter()
    (p,) = refused(write(tmp_path, text)).problems
    assert time.perf_counter() - started < 3
    assert (p.line, p.path) == (10, ("generate", 1, "count"))
    assert "more than `limits.memory_mb` (4,096)" in p.message
    assert "1,001,002 firms (1,000,000 from generate[1], 1,000 from generate[0], 2 listed)" in (
        p.message
    )


def test_scaled_counts_point_at_scale_firms() -> None:
    sets = ["scale.firms=1000000", "limits.memory_mb=1000"]
    with pytest.raises(ScenarioError) as info:
        load_scenario(SCENARIOS / "bench_city.yaml", sets=sets)
    (p,) = info.value.problems
    assert (p.file, p.path) == ("--set scale.firms=1000000", ("scale", "firms"))


def test_memory_names_its_largest_part(tmp_path: Path) -> None:
    path = write(tmp_path, TINY + "days: 1000\nreplications: 1000\nlimits: {memory_mb: 10}\n")
    (p,) = refused(path).problems
    assert p.path == ("replications",)
    assert "the daily records of 1,000 replications × 1,000 days" in p.message
    text = TINY + (
        "firm_classes:\n  c: {sector: s, region: park, baseline_output: 1, staff: 5}\n"
        "generate: [{class: c, count: 20000}]\n"
        "workforce: {quarantine_days: 2000}\ndays: 2000\nreplications: 1\n"
        "limits: {memory_mb: 200}\n"
    )
    (p,) = refused(write(tmp_path, text)).problems
    assert p.path == ("workforce", "quarantine_days")
    assert "the quarantine ring of 2,001 days × 20,002 firms (305 MB)" in p.message


def test_truck_trips_beyond_the_budget_point_at_truck_load() -> None:
    demo = SCENARIOS / "demo_park.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(demo, sets=["limits.trips=1000"])
    (p,) = info.value.problems
    assert (p.path, p.line) == (("logistics", "truck_load"), 169)
    assert "truck trips a replication through transfer stations" in p.message
    assert "more than `limits.trips` (1,000)" in p.message
    assert "in loads of 10" in p.message
    # a legal truck_load with a year of cover on suppliers without limits: 10^8 trips
    sets = [
        "logistics.truck_load=0.05",
        "supply.order_up_to_days=99999",
        *(f"suppliers[{i}].capacity=1e15" for i in range(3)),
    ]
    with pytest.raises(ScenarioError) as info:
        load_scenario(demo, sets=sets)
    assert any("`limits.trips`" in p.message for p in info.value.problems), str(info.value)


def test_reviews_that_always_fail_count_as_events() -> None:
    # each failed review brings a new application an hour later at most: 15,000 firms
    # failing for 2,000 days are 720 million reviews, hours of run
    sets = [
        "reopening.fail_prob=1",
        "reopening.review_days=1e-300",
        "reopening.rectify_days=1e-300",
        "days=2000",
    ]
    with pytest.raises(ScenarioError) as info:
        load_scenario(SCENARIOS / "bench_city.yaml", sets=sets)
    (p,) = info.value.problems
    assert (p.file, p.path) == ("--set reopening.fail_prob=1", ("reopening", "fail_prob"))
    assert "720,015,000 reviews" in p.message and "`limits.events` (100,000,000)" in p.message
    load_scenario(SCENARIOS / "demo_park.yaml", sets=sets[:3])  # 38 firms: fine


def test_the_model_and_the_budget_agree_on_the_shortest_retry() -> None:
    from sim.model.reopening import MIN_RETRY_DAYS

    assert budget.MIN_RETRY_DAYS == MIN_RETRY_DAYS


def test_trips_are_capped_by_what_sources_can_make() -> None:
    # a year of cover orders more than suppliers can ship: not more trips than that
    park = load_scenario(SCENARIOS / "demo_park.yaml", sets=["supply.order_up_to_days=99999"])
    base = load_scenario(SCENARIOS / "demo_park.yaml")
    assert budget.estimate(park).trips < 50 * budget.estimate(base).trips


def test_a_registry_beyond_its_byte_budget(tmp_path: Path) -> None:
    (tmp_path / "firms.csv").write_text("id,baseline_output,staff\nf1,1,5\n" + "x" * 100)
    text = (
        "name: r\nregions: [{id: park}]\n"
        "firm_classes: {c: {sector: s, region: park}}\n"
        "registry: [{file: firms.csv, class: c}]\nlimits: {registry_bytes: 50}\n"
    )
    (p,) = refused(write(tmp_path, text)).problems
    assert p.file == str(tmp_path / "firms.csv")
    assert "larger than 50 bytes (`limits.registry_bytes`)" in p.message


def test_a_registry_beyond_the_firm_budget_stops_reading_at_the_row(tmp_path: Path) -> None:
    rows = "".join(f"f{i},1,5\n" for i in range(3000))
    (tmp_path / "firms.csv").write_text("id,baseline_output,staff\n" + rows)
    text = (
        "name: r\nregions: [{id: park}]\n"
        "firm_classes: {c: {sector: s, region: park}}\n"
        "registry: [{file: firms.csv, class: c}]\nlimits: {memory_mb: 1}\n"
    )
    problems = refused(write(tmp_path, text)).problems
    (p,) = [p for p in problems if p.file == str(tmp_path / "firms.csv")]
    assert p.line == 2 + budget.max_firms(Limits(memory_mb=1))
    assert "holds more than 262 firms" in p.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_registry_that_is_a_fifo_a_device_or_a_folder_is_refused_at_once(tmp_path: Path) -> None:
    # /dev/zero reports size 0 and never ends; opening a FIFO blocks until a writer comes
    os.mkfifo(tmp_path / "pipe.csv")
    (tmp_path / "folder.csv").mkdir()
    for file, what in (
        ("pipe.csv", "a device, pipe or socket"),
        ("/dev/zero", "a device, pipe or socket"),
        ("folder.csv", "a folder"),
    ):
        text = (
            "name: r\nregions: [{id: park}]\nfirm_classes: {c: {sector: s, region: park}}\n"
            f"registry: [{{file: {file}, class: c}}]\n"
        )
        started = time.perf_counter()
        (p,) = refused(write(tmp_path, text)).problems
        assert time.perf_counter() - started < 3
        assert p.message == f"the firm registry is {what}, not a CSV file"


def test_limits_are_not_part_of_the_recorded_scenario() -> None:
    a = load_scenario(SCENARIOS / "demo_park.yaml")
    b = load_scenario(SCENARIOS / "demo_park.yaml", sets=["limits.memory_mb=99999"])
    assert b.scenario.limits.memory_mb == 99999
    assert a.scenario.model_dump() == b.scenario.model_dump()
    assert "limits" not in a.scenario.model_dump()


# --- sweeps: points counted before they are built -------------------------------------


def _sweep(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(f"name: s\nscenario: {SCENARIOS / 'demo_park.yaml'}\n" + body)
    return path


def test_a_grid_of_10_to_the_12_points_is_refused_before_it_is_built(tmp_path: Path) -> None:
    from sim.experiment.sweep_spec import load_sweep

    path = _sweep(
        tmp_path,
        "parameters:\n"
        "  - {path: reopening.service_teams, from: 1, to: 10000, integer: true}\n"
        "  - {path: workforce.quarantine_days, from: 0, to: 10000}\n"
        "  - {path: logistics.passes_per_day, from: 1, to: 10000, integer: true}\n"
        "design: {method: grid, points_per_axis: 10000}\n",
    )
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    assert time.perf_counter() - started < 5
    (p,) = info.value.problems
    assert (p.file, p.line, p.path) == (str(path), 7, ("design", "points_per_axis"))
    assert p.message.startswith("this design has 1,000,000,000,000 points, more than ")
    assert "`limits.points` (100,000)" in p.message


def test_sweep_points_name_the_longest_axis_or_samples_and_can_be_raised(tmp_path: Path) -> None:
    from sim.experiment.sweep_spec import load_sweep

    levels = "[" + ", ".join(str(i) for i in range(1, 401)) + "]"
    grid = (
        "parameters:\n"
        "  - {path: reopening.service_teams, levels: [1, 2, 3]}\n"
        f"  - {{path: workforce.employee_station_beds, levels: {levels}}}\n"
        "design: grid\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_sweep(_sweep(tmp_path, grid + "limits: {points: 1000}\n"))
    (p,) = info.value.problems
    assert (p.line, p.path) == (5, ("parameters", 1, "levels"))
    assert "this design has 1,200 points, more than `limits.points` (1,000)" in p.message
    sobol = (
        "parameters:\n"
        "  - {path: reopening.service_teams, from: 1, to: 6, integer: true}\n"
        "  - {path: workforce.quarantine_days, from: 0, to: 21}\n"
        "design: {method: sobol, samples: 1024}\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_sweep(_sweep(tmp_path, sobol + "limits: {points: 4000}\n"))
    (p,) = info.value.problems
    assert p.path == ("design", "samples")
    assert "4,096 points" in p.message
    sweep = load_sweep(_sweep(tmp_path, sobol.replace("1024", "8") + "limits: {points: 32}\n"))
    assert len(sweep.points) == 32


def test_a_long_list_of_levels_is_probed_at_25_spread_values(tmp_path: Path, monkeypatch) -> None:
    # each probe validates the whole scenario: 10,000 levels of a city took hours
    from sim.experiment import sweep_spec

    seen: list[str] = []
    real = sweep_spec.apply_set

    def counting(source, expr):
        seen.append(expr)
        return real(source, expr)

    monkeypatch.setattr(sweep_spec, "apply_set", counting)
    levels = "[" + ", ".join(str(i) for i in range(1, 101)) + "]"
    body = f"parameters:\n  - {{path: reopening.service_teams, levels: {levels}}}\ndesign: grid\n"
    sweep = sweep_spec.load_sweep(_sweep(tmp_path, body))
    assert len(sweep.points) == 100
    probed = [e for e in seen if e.startswith("reopening.service_teams=")]
    assert len(probed) == sweep_spec.MAX_PROBES
    assert probed[0].endswith("=1") and probed[-1].endswith("=100")


def test_sweep_runs_are_points_times_replications(tmp_path: Path) -> None:
    from sim.experiment.sweep_spec import load_sweep

    body = (
        "parameters:\n  - {path: reopening.service_teams, levels: [1, 2, 3, 4]}\n"
        "design: grid\nreplications: 100000\nlimits: {runs: 100000}\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_sweep(_sweep(tmp_path, body))
    (p,) = info.value.problems
    assert (p.line, p.path) == (6, ("replications",))
    assert p.message.startswith("this sweep has 400,000 runs (4 points × 100,000 replications)")
