"""`parksim compare ... --robust KEY=LOW..HIGH`: does the answer hold when an input the
planner was unsure of moves?

Each uncertain input is set to its low and then to its high value, one at a time (every
other input as given), and the whole comparison — baseline and every option, the same
seeds and replications — is run again at each end. The value is a fact of the park, so
it is applied to the scenario before any option's overlay: an option that sets the same
key itself keeps its own value (it is the option's lever). The statistics are
`sim.comparison.Robustness`, the files `sim.files.robustness`.

Every end's options are loaded and checked before anything runs, so bad input (a key
the scenario format does not have, a value out of its range, `LOW..HIGH` that is not two
numbers in increasing order, a key the shared `--set`s also give) exits 2 with nothing
written.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.experiment.compare import Option, load_options
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.overlay import SET_FILE, parse_set

FLAG = "--robust"
ENDS = ("low", "high")


@dataclass(frozen=True)
class RobustInput:
    """One `--robust KEY=LOW..HIGH`."""

    text: str
    """As given on the command line."""
    key: str
    low: str
    high: str
    """The two values as given (so that an integer key is set to an integer)."""

    def value(self, end: str) -> str:
        """The value at `low` or `high`."""
        return self.low if end == "low" else self.high

    def expression(self, end: str) -> str:
        """The `--set` expression of one end."""
        return f"{self.key}={self.value(end)}"

    def as_json(self) -> dict[str, str]:
        """How `comparison.json` records it."""
        return {"key": self.key, "low": self.low, "high": self.high}


def _split(text: str) -> tuple[str, str] | None:
    """`KEY=VALUE` at the first `=` outside brackets (`a[id=x].b=1..2`)."""
    depth = 0
    for pos, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        elif char == "=" and depth == 0:
            return text[:pos].strip(), text[pos + 1 :].strip()
    return None


def _number(text: str) -> float | None:
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def parse_robust(text: str) -> RobustInput:
    """`KEY=LOW..HIGH` → RobustInput. Raises ValueError saying what is wrong: no `=`, no
    `..`, an end that is not a number, or LOW not below HIGH."""
    where = f"{FLAG} {text!r}"
    split = _split(text)
    if split is None or not split[0]:
        raise ValueError(f"{where}: expected KEY=LOW..HIGH, e.g. reopening.service_teams=2..6")
    key, rng = split
    low, sep, high = rng.partition("..")
    low, high = low.strip(), high.strip()
    if not sep or ".." in high:
        raise ValueError(f"{where}: expected LOW..HIGH after '=', e.g. 2..6; found {rng!r}")
    for name, v in (("LOW", low), ("HIGH", high)):
        if _number(v) is None:
            raise ValueError(f"{where}: {name} {v!r} is not a number")
    if _number(low) >= _number(high):  # type: ignore[operator]
        raise ValueError(f"{where}: LOW ({low}) must be below HIGH ({high})")
    try:
        parse_set(f"{key}={low}")
    except ScenarioError as e:
        raise ValueError(f"{where}: {e.problems[0].message}") from None
    return RobustInput(text, key, low, high)


@dataclass(frozen=True)
class RobustRun:
    """The options of one end of one uncertain input, loaded and checked."""

    input: RobustInput
    end: str
    options: list[Option]


def load_robust(
    texts: Sequence[str],
    base: Path,
    policies: Sequence[Path] = (),
    variants: Sequence[str] = (),
    shared_sets: Sequence[str] = (),
) -> list[RobustRun]:
    """Every end of every `--robust` input with its options loaded: low then high, inputs
    in the order given. Raises ScenarioError listing every problem at once, each naming
    the `--robust` it comes from."""
    problems: list[Problem] = []
    inputs = []
    for text in texts:
        try:
            inputs.append(parse_robust(text))
        except ValueError as e:
            problems.append(Problem(str(e)))
    shared = {_selectors(s) for s in shared_sets}
    keys: dict[tuple[object, ...] | None, str] = {}
    for ri in inputs:
        sel = _selectors(f"{ri.key}={ri.low}")
        if sel in shared:
            problems.append(
                Problem(
                    f"{FLAG} {ri.text!r}: {ri.key} is also given by --set (or --seed, "
                    "--replications, --days), which would override it at both ends; drop one"
                )
            )
        elif sel in keys:
            problems.append(
                Problem(f"{FLAG} {ri.text!r}: {ri.key} is already varied by {FLAG} {keys[sel]!r}")
            )
        keys[sel] = ri.text
    if problems:
        raise ScenarioError(problems)
    runs = []
    for ri in inputs:
        for end in ENDS:
            expr = ri.expression(end)
            try:
                options = load_options(base, policies, variants, shared_sets, [expr])
            except ScenarioError as e:
                problems.extend(_relabel(e.problems, ri, expr))
                continue
            runs.append(RobustRun(ri, end, options))
    if problems:
        raise ScenarioError(_unique(problems))
    return runs


def _selectors(expr: str) -> tuple[object, ...] | None:
    try:
        return parse_set(expr)[0]
    except ScenarioError:
        return None


def _relabel(problems: Sequence[Problem], ri: RobustInput, expr: str) -> list[Problem]:
    """Problems of one end, naming the `--robust` that put the value there."""
    mine = f"{SET_FILE} {expr}"
    out = []
    for p in problems:
        if p.file == mine:
            p = dataclasses.replace(p, file=f"{FLAG} {ri.text}")
        out.append(dataclasses.replace(p, message=f"{p.message} (at {expr})"))
    return out


def _unique(problems: Sequence[Problem]) -> list[Problem]:
    """The same problem found for several options is said once."""
    return list(dict.fromkeys(problems))
