"""`compare_bottlenecks.csv` and `compare_stations.csv`: written, read back, by name."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from sim.comparison import SourceRow
from sim.files.cells import csv_lines, excel
from sim.files.comparison_explain import (
    bottleneck_rows,
    read_bottlenecks,
    read_stations,
    station_rows,
)

SOURCES = (
    SourceRow("baseline", 1, "station", "north", 2.0, (1.5, 2.5), None, None, 0, False),
    SourceRow("teams", 1, "station", "north", 4.5, None, 2.5, (-1.0, 6.0), 2, False),
    SourceRow("teams", 2, "supplier", 'chip"s|up', 0.5, (0.1, 0.9), 0.0, (0.0, 0.0), 2, False),
)


def test_bottlenecks_round_trip_with_names(tmp_path: Path) -> None:
    path = tmp_path / "compare_bottlenecks.csv"
    names = {"station": {"north": "North gate, 北门"}}
    path.write_text(excel(csv_lines(bottleneck_rows(SOURCES, names)), True), encoding="utf-8")
    rows = read_bottlenecks(path)
    assert [(r.option, r.rank, r.kind, r.id) for r in rows] == [
        (s.option, s.rank, s.kind, s.id) for s in SOURCES
    ]
    assert rows[0].name == rows[1].name == "North gate, 北门" and rows[2].name == ""
    assert rows[0].shown == "North gate, 北门" and rows[2].shown == 'chip"s|up'
    assert math.isnan(rows[0].diff) and (rows[1].diff, rows[1].diff_lo) == (2.5, -1.0)
    assert math.isnan(rows[1].ci95_lo)
    assert rows[2].n_pairs == 2 and rows[2].significant is False


def test_stations_round_trip_per_option_replication_and_day(tmp_path: Path) -> None:
    def trace(rep: int, stations: tuple[str, ...], queue: list[list[int]]) -> SimpleNamespace:
        funnel = np.zeros((len(queue), len(stations), 5))
        funnel[:, :, 3] = queue
        funnel[:, :, 2] = np.cumsum(queue, axis=0)
        return SimpleNamespace(replication=rep, days=len(queue), stations=stations, funnel=funnel)

    traces = {
        "baseline": [trace(0, ("north",), [[1], [2]]), trace(1, ("north",), [[3], [4]])],
        "second": [
            trace(0, ("north", "south"), [[1, 5], [0, 6]]),
            trace(1, ("north", "south"), [[0, 0], [0, 1]]),
        ],
    }
    path = tmp_path / "compare_stations.csv"
    path.write_text(csv_lines(station_rows(traces)), encoding="utf-8")  # type: ignore[arg-type]
    stations, queues = read_stations(path, 2, 2)
    assert stations == ["north", "south"]
    np.testing.assert_array_equal(queues["baseline"][:, :, 0], [[1, 2], [3, 4]])
    assert np.isnan(queues["baseline"][:, :, 1]).all()  # the baseline has no south station
    np.testing.assert_array_equal(queues["second"][1, :, 1], [0, 1])
