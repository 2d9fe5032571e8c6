"""`inputs/`: copies of the files a results folder ran from, so that a run, a comparison
or a sweep can be cited, checked and run again from its folder alone.

```
inputs/scenario/<name>              the scenario file, as given
inputs/sweep/<name>                 a sweep's sweep file
inputs/policies/<k>-<name>          every overlay, numbered in the order it applies; a
                                    comparison's grouped by option:
                                    inputs/policies/<option>/<k>-<name>
inputs/registry/<k>/<name>          every registry (firm ledger, CSV file or workbook) the
                                    scenario read, each file once, keeping its name
inputs/scenario.resolved.yaml       a sweep's base scenario, resolved (`sim.files.sweep`)
```

A run's and a comparison's resolved scenarios (`sim.files.resolved`) name the registry
copies, so they run again from the folder to the same numbers: a registry's random
stream is keyed by its file's name, which the copy keeps. Every copy is hashed in the
manifest like any other file (`parksim verify` finds one changed) and described in it
(`describe`): its role, where it lies, where it was copied from, its SHA-256.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.scenario.expand import Park, registry_path

INPUTS = "inputs"
FILES = (f"{INPUTS}/*", f"{INPUTS}/*/*", f"{INPUTS}/*/*/*")
"""Names of the copies (`input_file`) in a folder, and a sweep's resolved scenario."""


def input_file(role: str, number: int, name: str, group: str | None = None) -> str:
    """Where the `number`-th input file of a role, named `name`, is copied, relative to
    the folder: `inputs/sweep/<name>`, `inputs/scenario/<name>`,
    `inputs/policies/<k>-<name>` (in the order they apply; a comparison's under the
    option's name, `group`) and `inputs/registry/<k>/<name>` (a registry keeps its file
    name, which keys the random stream its firms are drawn from)."""
    if role == "policies":
        where = f"{INPUTS}/{role}/{group}" if group is not None else f"{INPUTS}/{role}"
        return f"{where}/{number}-{name}"
    if role == "registry":
        return f"{INPUTS}/{role}/{number}/{name}"
    return f"{INPUTS}/{role}/{name}"


@dataclass(frozen=True)
class Copy:
    """One input file as its folder keeps it: its role, where it lies in the folder,
    the original (None for a file parksim wrote, such as a resolved scenario), its bytes
    and, in a comparison, the option whose overlay it is."""

    role: str
    file: str
    source: Path | None
    data: bytes = field(repr=False)
    option: str | None = None

    def describe(self) -> dict[str, Any]:
        """The copy as the manifest (or `sweep.json`) lists it."""
        out: dict[str, Any] = {"role": self.role, "file": self.file}
        if self.option is not None:
            out["option"] = self.option
        out["source"] = str(self.source) if self.source is not None else None
        out["sha256"] = hashlib.sha256(self.data).hexdigest()
        return out


@dataclass
class Inputs:
    """The copies of a folder's input files, each read as it is added; a registry file
    named by several registries, or by several options, is copied once. Registry paths
    are relative to the scenario file `base` (the working folder when None)."""

    base: Path | None
    copies: list[Copy] = field(default_factory=list)
    _registries: dict[Path, str] = field(default_factory=dict)

    def add(self, role: str, number: int, path: Path, group: str | None = None) -> str:
        """Copy `path` (read now) as the `number`-th file of `role`; where it lies."""
        where = input_file(role, number, path.name, group)
        self.copies.append(Copy(role, where, path, path.read_bytes(), group))
        return where

    def registries(self, park: Park) -> list[str]:
        """Where the copy of each of `park`'s registries lies, relative to the folder, in
        the scenario's order, copying each file the first time it is named."""
        out = []
        for reg in park.scenario.registry:
            path = registry_path(self.base, reg.file)
            if path not in self._registries:
                self._registries[path] = self.add("registry", len(self._registries) + 1, path)
            out.append(self._registries[path])
        return out


def run_inputs(park: Park, scenario_file: Path | None) -> Inputs:
    """The copies of a run's inputs: the scenario file, the overlays in the order they
    applied (as `load_scenario` recorded them in the park, `Park.loaded_from`; for a
    park made otherwise, `scenario_file` alone) and every registry it read."""
    files = park.loaded_from or ((scenario_file,) if scenario_file is not None else ())
    got = Inputs(files[0] if files else None)
    if files:
        got.add("scenario", 1, files[0])
        for k, p in enumerate(files[1:], 1):
            got.add("policies", k, p)
    got.registries(park)
    return got


def comparison_inputs(
    scenario_file: Path, options: Sequence[tuple[str, Sequence[str | Path], Park]]
) -> Inputs:
    """The copies of a comparison's inputs: the scenario file, each option's overlays
    (`(name, overlays, park)`) under its name, and every registry any option read."""
    got = Inputs(scenario_file)
    got.add("scenario", 1, scenario_file)
    for name, overlays, _ in options:
        for k, p in enumerate(overlays, 1):
            got.add("policies", k, Path(p), name)
    for _, _, park in options:
        got.registries(park)
    return got


def registry_names(names: Sequence[str], where: str) -> list[str]:
    """Registry copies (`names`, relative to the folder) as a resolved scenario lying at
    `where` (relative to the folder) names them: relative to its own folder."""
    here = posixpath.dirname(where) or "."
    return [posixpath.relpath(n, here) for n in names]
