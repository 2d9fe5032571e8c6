"""The files of a sweep folder (`parksim sweep`):

```
sweep.json        the sweep as run: file, scenario, parameters, design points, SHA-256,
                  the code that ran it, the sampler call, the integer rule, the analysis
inputs/           copies of the files it ran from: the sweep file, the scenario, every
                  overlay and registry (`sim.files.inputs`), and the base scenario
                  resolved (`RESOLVED`)
sessions.jsonl    one JSON line when each session of the sweep starts and one when it
                  ends: times, executor, code, runs done (`read_sessions`)
ledger.jsonl      one JSON line per finished run (failures included): the durable record,
                  and what a re-run reads to skip work; each names its session
chunks/           chunk-NNNNNN.parquet: snapshots of the ledger while the sweep runs
runs.parquet      when complete: one row per (point, replication), sorted —
                  `RESERVED_COLUMNS`, then the parameters, then every metric
points.csv        per point and metric: `point_id`, the parameters, `POINT_COLUMNS`, every
                  number at full precision (`exact`); join it to runs.parquet and
                  sweep.json on `point_id`, never on parameter values
sensitivity.json  sensitivity indices of each outcome (sampled designs), their warnings
                  and their convergence
daily/            with `store: {daily: [...]}`: part-NNNNNN.parquet, the kept daily park
                  series, one row per (run, day) — `DAILY_COLUMNS`, then one column per
                  series — each file holding a block of consecutive points (`DAILY_RUNS`
                  runs or so); read the folder as one dataset (`pyarrow.parquet.read_table`)
```

The folder is written by `sim.output.sweep_store`, its charts drawn by
`sim.output.sweep_plots`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.files.cells import cell, csv_lines, read_json, read_rows
from sim.files.inputs import FILES, INPUTS

if TYPE_CHECKING:
    import pyarrow as pa

SPEC = "sweep.json"
LEDGER = "ledger.jsonl"
CHUNKS = "chunks"
CHUNK_FILES = f"{CHUNKS}/chunk-*.parquet"
RUNS = "runs.parquet"
POINTS = "points.csv"
SENSITIVITY = "sensitivity.json"
SESSIONS = "sessions.jsonl"
DAILY = "daily"
DAILY_FILES = f"{DAILY}/part-*.parquet"
DAILY_COLUMNS = ("run_id", "point_id", "replication", "day")
"""Columns of the `daily/` dataset before the series (day 0 = the first day of the run)."""
DAILY_RUNS = 1000
"""About how many runs one file of `daily/` holds (whole points, at least one)."""
INPUT_FILES = FILES
"""`inputs/scenario.resolved.yaml` and the copies (`sim.files.inputs`), with their
temporary files while they are written."""
RESOLVED = f"{INPUTS}/scenario.resolved.yaml"
"""The base scenario as every point starts from it (overlays, `set:` and the seed
applied), its registries named by their copies, so it runs from the folder alone."""
RESOLVED_HEAD = (
    "# The base scenario of the sweep as every point starts from it (overlays, `set:` and\n"
    "# the seed applied, defaults spelled out); its registries are the copies beside it.\n"
)

RESERVED_COLUMNS = (
    "run_id",
    "point_id",
    "replication",
    "seed",
    "days",
    "status",
    "error",
    "wall_seconds",
)
"""Columns of `runs.parquet` that are not parameters or metrics."""
POINT_COLUMNS = (
    "metric",
    "mean",
    "ci95_lo",
    "ci95_hi",
    "n",
    "runs",
    "failed",
    "censored",
    "median",
    "median_ci95_lo",
    "median_ci95_hi",
)
"""Columns of `points.csv` after the point's id and parameters: `mean` over the point's
successful runs (days to X: one that never reached X counts as the horizon, `censored`
of them) with its Student-t 95 % CI, `n` runs with an observed value, `runs` recorded,
`failed`; days to X also the Kaplan–Meier `median` and its 95 % CI as `summary.json`
gives them (empty: beyond the horizon; other metrics: empty)."""


def exact(v: Any) -> str:
    """A `points.csv` cell at full precision: floats as the shortest text that reads back
    to the same number (`repr`), otherwise as `cells.cell` spells them."""
    if isinstance(v, float) and not isinstance(v, bool):
        return repr(v) if math.isfinite(v) else ""
    return cell(v)


def points_text(header: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    """The text of `points.csv`: every number at full precision."""
    return csv_lines([list(header), *([exact(r.get(h)) for h in header] for r in rows)])


def chunk_file(number: int) -> str:
    """The name of the `number`-th chunk, relative to the folder."""
    return f"{CHUNKS}/chunk-{number:06d}.parquet"


def daily_file(number: int) -> str:
    """The `number`-th file of the `daily/` dataset, relative to the folder."""
    return f"{DAILY}/part-{number:06d}.parquet"


def ledger_line(record: Mapping[str, Any]) -> str:
    """One finished run as a line of `ledger.jsonl`."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def whole_lines(data: bytes) -> bytes:
    """The ledger's bytes without a last line cut short (a driver killed mid-write)."""
    if data and not data.endswith(b"\n"):
        return data[: data.rfind(b"\n") + 1]
    return data


def ledger_record(line: str) -> tuple[str, dict[str, Any]]:
    """A line of the ledger back as (run_id, the run's record); ValueError, KeyError or
    TypeError when the line is not a run record."""
    rec = json.loads(line)
    return str(rec["run_id"]), rec


def read_ledger(folder: Path) -> dict[str, dict[str, Any]]:
    """Finished runs of a sweep folder by run_id (a last line cut short is left out)."""
    path = Path(folder) / LEDGER
    if not path.is_file():
        return {}
    with path.open("rb") as f:
        data = whole_lines(f.read())
    out: dict[str, dict[str, Any]] = {}
    for line in data.decode("utf-8").splitlines():
        if line.strip():
            run_id, rec = ledger_record(line)
            out[run_id] = rec
    return out


# --------------------------------------------------------------------------- tables


def _column(values: Sequence[Any]) -> pa.Array:
    """One typed column: bool, int64, float64 or string (other values as JSON text)."""
    import pyarrow as pa

    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pa.array(values, type=pa.bool_())
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present) and present:
        return pa.array(values, type=pa.int64())
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pa.array([None if v is None else float(v) for v in values], type=pa.float64())
    return pa.array(
        [
            None if v is None else v if isinstance(v, str) else json.dumps(v, sort_keys=True)
            for v in values
        ],
        type=pa.string(),
    )


def rows_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
    metadata: Mapping[str, str] | None = None,
) -> pa.Table:
    """A table of flat rows, columns in the given order (default: first seen)."""
    import pyarrow as pa

    if columns is None:
        columns = list(dict.fromkeys(k for r in rows for k in r))
    arrays = [_column([r.get(c) for r in rows]) for c in columns]
    table = pa.Table.from_arrays(arrays, names=list(columns))
    if metadata:
        table = table.replace_schema_metadata({k: str(v) for k, v in metadata.items()})
    return table


def flat(row: Mapping[str, Any]) -> dict[str, Any]:
    """A ledger record as one flat row: its fields, then its params, then its metrics."""
    out = {k: v for k, v in row.items() if k not in ("params", "metrics", "daily")}
    out.update(row.get("params") or {})
    out.update(row.get("metrics") or {})
    return out


# --------------------------------------------------------------------------- reading


def read_spec(folder: Path) -> dict[str, Any]:
    """`sweep.json` of a sweep folder."""
    return read_json(Path(folder) / SPEC, "sweep")


def read_sensitivity(folder: Path) -> dict[str, Any]:
    """`sensitivity.json` of a sweep folder."""
    return read_json(Path(folder) / SENSITIVITY, "sweep")


def read_points(path: Path) -> list[dict[str, str]]:
    """Rows of `points.csv` as text."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing (not a complete parksim sweep folder)")
    return read_rows(path)


# --------------------------------------------------------------------------- sessions


def session_line(event: Mapping[str, Any]) -> str:
    """One event of `sessions.jsonl`: a session's `start` or its `end`."""
    return json.dumps(dict(event), ensure_ascii=False, separators=(",", ":")) + "\n"


def read_sessions(folder: Path) -> list[dict[str, Any]]:
    """The sessions of a sweep folder in order, each its start event merged with its end
    event (`ended` None: the session was killed before it could say so); a last line cut
    short is left out."""
    path = Path(folder) / SESSIONS
    if not path.is_file():
        return []
    data = whole_lines(path.read_bytes())
    out: dict[int, dict[str, Any]] = {}
    for line in data.decode("utf-8").splitlines():
        if not line.strip():
            continue
        ev = json.loads(line)
        k = int(ev["session"])
        if ev.get("event") == "start":
            out[k] = {**{kk: v for kk, v in ev.items() if kk != "event"}, "ended": None}
        elif k in out:
            out[k].update({kk: v for kk, v in ev.items() if kk not in ("event", "session")})
    return [out[k] for k in sorted(out)]
