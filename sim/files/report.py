"""`report.html`: the planner's report of a run, comparison or sweep folder — one
self-contained page (figures embedded, styles inline, nothing fetched), written by
`sim.output.report`. Its `<meta name="parksim-…">` tags say which folder it describes;
`parksim verify` checks them against the manifest.
"""

from __future__ import annotations

import re
from pathlib import Path

FILE = "report.html"
META = ("parksim-kind", "parksim-scenario", "parksim-seed", "parksim-lang")
"""The meta tags naming what the report describes: kind of folder, scenario, seed, language."""
_TAG = re.compile(r'<meta name="(parksim-[a-z]+)" content="([^"]*)">')


def read_meta(path: Path) -> dict[str, str]:
    """The `parksim-…` meta tags of a report (name without `parksim-` → content)."""
    head = Path(path).read_text(encoding="utf-8")[:4000]
    return {name.removeprefix("parksim-"): content for name, content in _TAG.findall(head)}
