"""`scenario.resolved.yaml` (and a comparison's `options/<name>.resolved.yaml`): the
scenario actually run, with overlays, `--set` and defaults applied, its registries named
by their copies in `inputs/` (`sim.files.inputs`); it runs again from the folder to the
same numbers. Also the canonical JSON of a validated scenario, whose SHA-256
names what ran in summaries, manifests and the identities of sweeps and calibrations.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import yaml

from sim.files.inputs import registry_names
from sim.scenario.expand import Park

FILE = "scenario.resolved.yaml"
OPTIONS_DIR = "options"
OPTION_SUFFIX = ".resolved.yaml"
OPTIONS = f"{OPTIONS_DIR}/*{OPTION_SUFFIX}"
"""A comparison's options, one file each."""


def option_file(name: str) -> str:
    """Where a comparison keeps the scenario of option `name`, relative to its folder."""
    return f"{OPTIONS_DIR}/{name}{OPTION_SUFFIX}"


HEAD = "# The scenario as run by parksim, after overlays, --set and defaults.\n"


def resolved_yaml(park: Park, where: str, registries: Sequence[str], head: str = HEAD) -> str:
    """The scenario actually run, every default spelled out, as a file lying at `where`
    in its folder: its registries named by their copies in the folder (`registries`,
    relative to the folder, one per registry; `sim.files.inputs`), relative to that
    file, so that it runs again from the folder alone."""
    data = park.scenario.model_dump(mode="json", by_alias=True)
    for reg, name in zip(data.get("registry", []), registry_names(registries, where), strict=True):
        reg["file"] = name
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def scenario_json(park: Park) -> str:
    """Canonical JSON of the validated scenario (what the SHA-256 is taken of)."""
    data = park.scenario.model_dump(mode="json", by_alias=True)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def scenario_sha256(park: Park) -> str:
    """SHA-256 of the canonical JSON of the validated scenario: the identity of what ran."""
    return hashlib.sha256(scenario_json(park).encode()).hexdigest()
