"""The options of a policy comparison: the baseline, overlay files and named variants.

Every option runs replications 0..N-1 with the baseline's seed, so replication r
of every option draws the same random numbers for every mechanism the option does
not touch (common random numbers). The difference between an option and the
baseline is then taken replication by replication (a paired difference), which
removes most of the noise the two runs share; its mean gets a Student-t 95 %
interval, and the difference is called significant when that interval excludes 0.

`load_options` builds the options from the command line's files and `--set`s
(through `sim.scenario.load`, the only reading done here), refusing any that would
break the pairing. An option may combine overlay files and `--set`s
(`--variant 'NAME: overlay.yaml; key.path=value'`): its overlays are merged first,
then the `--set`s applied, and the result validated once, so a `--set` may change a
station the overlay adds. The statistics are `sim.comparison`; the folder is written by
`sim.output.compare_report`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.expand import Park
from sim.scenario.load import load_source, validate_source
from sim.scenario.overlay import SET_FILE, apply_set, merge
from sim.scenario.source import Source, load_yaml

BASELINE = "baseline"
"""Name of the option that runs the scenario as given (overlays and variants aside)."""

OPTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")
"""What an option name may look like (it names rows of CSV files and scenario files)."""


OVERLAY_SUFFIXES = (".yaml", ".yml")
"""An item of a `--variant` without `=` that ends so is an overlay file."""


def parse_option(text: str) -> tuple[str, list[str], list[str]]:
    """`'NAME: overlay.yaml; key.path=value; ...'` → (NAME, [overlay files], [`--set`s]).

    An item with `=` is a `--set` expression; one without, ending in `.yaml` or `.yml`,
    an overlay file. The option is built in that order whatever the order of the items:
    its overlays merged onto the scenario first (in the order given), then its `--set`s,
    so a `--set` may change what its overlay adds (a station's bays). Raises ValueError
    with a message for the planner when the text has no name or an item is neither.
    """
    name, sep, rest = text.partition(":")
    name = name.strip()
    if not sep or not OPTION_NAME.fullmatch(name):
        raise ValueError(
            f"--variant {text!r}: expected 'NAME: key.path=value; ...' with NAME made of "
            "letters, digits, '_', '.', '+' or '-'"
        )
    items = [s.strip() for s in rest.split(";") if s.strip()]
    overlays = [s for s in items if "=" not in s and s.lower().endswith(OVERLAY_SUFFIXES)]
    bad = [s for s in items if "=" not in s and s not in overlays]
    if bad:
        raise ValueError(
            f"--variant {text!r}: {bad[0]!r} is neither key.path=value nor an overlay file (.yaml)"
        )
    return name, overlays, [s for s in items if "=" in s]


def parse_variant(text: str) -> tuple[str, list[str]]:
    """`'NAME: key.path=value; key.path=value'` → (NAME, [`--set` expressions]).

    Raises ValueError with a message for the planner when the text has no name or an
    expression has no `=` (overlay files in a variant: `parse_option`). A variant with no
    expressions (`'same:'`) is the baseline under another name.
    """
    name, overlays, sets = parse_option(text)
    if overlays:
        raise ValueError(f"--variant {text!r}: {overlays[0]!r} is not key.path=value")
    return name, sets


# --------------------------------------------------------------------------- options

PAIRED_KEYS = ("seed", "replications", "days")
"""Scenario keys every option must share with the baseline for paired differences."""


@dataclass(frozen=True)
class Option:
    """One option of a comparison: how it was made and the scenario it runs."""

    name: str
    kind: str
    """`baseline`, `policy` (an overlay file) or `variant` (`--set`s named on the command line)."""
    park: Park
    policies: tuple[str, ...] = ()
    """Overlay files merged onto the base scenario (a policy option has one; a variant
    may have several)."""
    sets: tuple[str, ...] = ()
    """The option's own `--set` expressions (a variant's), applied after its overlays and
    the shared `--set`s."""


SHARED_SET_HINT = (
    "; a --set applies to every option, the baseline included: to change what only some "
    "options have (a station an overlay adds), put it in that option, "
    "--variant 'NAME: overlay.yaml; key.path=value'"
)


def _tagged(problems: Sequence[Problem], name: str, shared: bool = False) -> list[Problem]:
    """The problems of one option, each naming it; a shared `--set` that fails in the
    baseline says how to give it to one option only."""

    def tag(p: Problem) -> str:
        hint = SHARED_SET_HINT if shared and (p.file or "").startswith(SET_FILE) else ""
        return f"{p.message} (option '{name}'){hint}"

    return [dataclasses.replace(p, message=tag(p)) for p in problems]


def option_source(
    base: Path,
    overlays: Sequence[Path] = (),
    sets: Sequence[str] = (),
    base_sets: Sequence[str] = (),
) -> Source:
    """One option's scenario text, built in a fixed order and validated once by the
    caller: the scenario file, `base_sets` (`--robust` values: inputs of the park, which
    an option's overlay may set otherwise), the option's overlays in order, then `sets`
    (the shared `--set`s, then the option's own)."""
    source = load_source(base, (), base_sets)
    for p in overlays:
        source = merge(source, load_yaml(p))
    for expr in sets:
        source = apply_set(source, expr)
    return source


def load_options(
    base: Path,
    policies: Sequence[Path] = (),
    variants: Sequence[str] = (),
    shared_sets: Sequence[str] = (),
    base_sets: Sequence[str] = (),
) -> list[Option]:
    """The baseline, then one option per overlay file (named after its stem), then one per
    `--variant 'NAME: overlay.yaml; key=value; ...'`; `shared_sets` apply to every option,
    after its overlays and before a variant's own `--set`s; `base_sets` to the scenario
    before any overlay (`option_source`).

    Raises ScenarioError listing every problem at once: a bad scenario, overlay or
    `--set` in any option (each tagged with its option, the baseline's too), a malformed
    `--variant`, repeated option names, and an option whose seed, replications or days
    differ from the baseline's (common random numbers and paired differences need the
    same).
    """
    specs: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = []
    problems: list[Problem] = []
    for p in policies:
        specs.append((Path(p).stem, "policy", (str(p),), ()))
    for text in variants:
        try:
            name, overlays, sets = parse_option(text)
        except ValueError as e:
            problems.append(Problem(str(e)))
            continue
        specs.append((name, "variant", tuple(overlays), tuple(sets)))
    names = [BASELINE] + [s[0] for s in specs]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        what = "is the baseline's name" if dup == BASELINE else "names more than one option"
        problems.append(
            Problem(
                f"option name '{dup}' {what}; option names must be unique "
                "(rename the overlay file, or name a --variant differently)"
            )
        )
    for name, kind, _, _ in specs:
        if kind == "policy" and not OPTION_NAME.fullmatch(name):
            problems.append(Problem(f"overlay file name '{name}' cannot name an option"))
    if problems:
        raise ScenarioError(problems)

    try:
        base_park = validate_source(option_source(base, (), shared_sets, base_sets), base)
    except ScenarioError as e:
        raise ScenarioError(_tagged(e.problems, BASELINE, shared=bool(shared_sets))) from None
    ref = base_park.scenario
    options = [Option(BASELINE, "baseline", base_park)]
    for name, kind, pols, own in specs:
        try:
            source = option_source(base, [Path(p) for p in pols], [*shared_sets, *own], base_sets)
            park = validate_source(source, base)
        except ScenarioError as e:
            problems.extend(_tagged(e.problems, name))
            continue
        for key in PAIRED_KEYS:
            mine, theirs = getattr(park.scenario, key), getattr(ref, key)
            if mine != theirs:
                mark = source.mark_for((key,))
                problems.append(
                    Problem(
                        f"changes {key} from {theirs} to {mine} (option '{name}'); every option "
                        f"must run with the baseline's {key} so that replications pair up "
                        f"(common random numbers): drop it from the option, or pass --{key} "
                        "to set it for all",
                        path=(key,),
                        file=mark.file if mark else None,
                        line=mark.line if mark else None,
                        column=mark.column if mark else None,
                    )
                )
        options.append(Option(name, kind, park, pols, own))
    if problems:
        raise ScenarioError(problems)
    return options
