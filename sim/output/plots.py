"""The charts of one run, drawn only from the files of its results folder.

`draw_run_plots(folder)` reads `summary.json`, `timeseries.csv` and `causes.csv` (and,
for the logistics chart, `logistics.csv` and `bottlenecks.csv`) and nothing else, so
`parksim plot RESULTS_DIR` redraws the charts of an old run without re-running the
model; a folder written before the logistics files existed simply gets no logistics
chart. A region of parks adds the small multiples of `parks.csv` and
`park_causes.csv`. Each chart is one module of `sim.output.charts` (`recovery`,
`causes`, `logistics`, `parks`); each file is read by its owner in `sim.files`.
"""

from __future__ import annotations

from pathlib import Path

from sim.files import causes, parks, summary, timeseries
from sim.files.cells import require_file
from sim.files.folders import PLOTS_DIR
from sim.metrics import CAPACITY, PARK
from sim.output.charts import causes as causes_chart
from sim.output.charts import parks as parks_chart
from sim.output.charts import recovery as recovery_chart
from sim.output.charts.logistics import draw_logistics


def draw_run_plots(results_dir: Path, lang: str = "en") -> list[Path]:
    """Redraw the charts of one run from its results folder, into `results_dir/plots/`.

    Writes, in `lang` (`en` or `zh`), `recovery.png` (capacity recovery and resumption
    of firms), `causes.png` (lost output by cause) and, when the run has any logistics
    or bottleneck rows, `logistics.png` (see `draw_logistics`), and, for a region of
    parks (`parks.csv` and `park_causes.csv`), `recovery_by_park.png` and
    `causes_by_park.png` (`sim.output.charts.parks`), and returns their paths in that
    order.
    Raises FileNotFoundError naming the missing file if the folder lacks
    `timeseries.csv`, `causes.csv` or `summary.json`; `logistics.csv` and
    `bottlenecks.csv` are optional (runs older than them have none).
    """
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise FileNotFoundError(f"results folder {results_dir} does not exist")
    for name in (summary.FILE, timeseries.FILE, causes.FILE):
        require_file(results_dir / name)

    run = summary.read(results_dir / summary.FILE)
    daily = timeseries.read(
        results_dir / timeseries.FILE, replications=run.replications, days=run.days
    )
    names, lost = causes.read(
        results_dir / causes.FILE, replications=run.replications, days=run.days
    )
    plots = results_dir / PLOTS_DIR
    region = (results_dir / parks.PARKS).is_file() and (results_dir / parks.CAUSES).is_file()
    paths = [
        recovery_chart.draw_recovery(daily, run, plots / recovery_chart.FILE, lang, region=region),
        causes_chart.draw_causes(
            names,
            lost,
            run,
            plots / causes_chart.FILE,
            capacity=daily.get((CAPACITY, PARK)),
            lang=lang,
        ),
    ]
    logistics = draw_logistics(results_dir, lang)
    if logistics is not None:
        paths.append(logistics)
    if region:
        rows = parks.read(results_dir / parks.PARKS)
        paths.append(
            parks_chart.draw_recovery_by_park(
                daily, rows, run, plots / parks_chart.RECOVERY_FILE, lang
            )
        )
        park_ids, park_causes, park_lost = parks.read_causes(
            results_dir / parks.CAUSES, replications=run.replications, days=run.days
        )
        paths.append(
            parks_chart.draw_causes_by_park(
                park_ids,
                park_causes,
                park_lost,
                rows,
                run,
                plots / parks_chart.CAUSES_FILE,
                lang,
            )
        )
    return paths
