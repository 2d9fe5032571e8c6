"""The files of results folders: one module owns each file — its name, its columns and
their types, how it is written and how it is read back. The folder writers
(`sim.output.results`, `compare_report`, `sweep_store`, `calibration`), the charts
and `parksim verify` all take names, columns and readers from here.

Run folder: `summary`, `timeseries`, `causes`, `states`, `logistics`, `bottlenecks`,
`resolved` (scenario.resolved.yaml). Comparison: `comparison`, `comparison_md`,
`resolved` (options/). Sweep: `sweep`. Calibration: `calibration`,
`calibration_md`. Every folder: `manifest`; runs, comparisons and sweeps: `inputs`
(copies of the files they ran from). Which files each kind of folder holds:
`folders`. How values are spelled: `cells`.
"""
