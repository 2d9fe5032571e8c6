"""Stable colours: one per cause of lost output and one per policy option, the same in
every chart and every run.

- A cause's colour is fixed by its name: each cause the model declares has its own
  (colour, hatch) in `CAUSE_STYLES`, chosen once (related causes share a hue and differ
  by hatch: `not_allowed` and `control_cap` are both the zone's level). Missing inputs,
  `input:<good>`, are blues told apart by shade and hatch, and a cause this table does
  not know (a new mechanism's) is grey with a hatch; both are chosen from the name
  (`_by_name`), so the same good or cause keeps its style from chart to chart.
- An option's colour (and line style) comes from its name, not its place on the
  command line: `option_styles` gives every option the colour its name hashes to
  (SHA-256, never Python's `hash`, which changes from run to run), drawn solid; where
  two options want the same colour, the one whose name sorts first keeps it and the
  other takes the next free one (after six options, dashed lines). The same set of
  options therefore gets the same colours whatever their order, and an option keeps its
  colour from one comparison to the next unless another option claims it. The baseline
  is always black and dashed.

Every colour is from the Okabe–Ito palette (colour-blind safe), with grey.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

BASELINE_STYLE: tuple[str, Any] = ("#000000", "--")
"""The baseline of a comparison: black, dashed."""

OPTION_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")
"""Colours of the options other than the baseline: Okabe–Ito without black (the
baseline's) and yellow (too pale for thin lines)."""
OPTION_DASHES: tuple[Any, ...] = ("-", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)))
"""Line styles that tell options apart once the colours are used up."""

CAUSE_STYLES: dict[str, tuple[str, str]] = {
    "not_allowed": ("#D55E00", ""),
    "control_cap": ("#D55E00", "//"),
    "preparing": ("#F0E442", ""),
    "awaiting_review": ("#E69F00", ""),
    "ramp_up": ("#56B4E9", ""),
    "labour": ("#009E73", ""),
    "suspended": ("#CC79A7", ""),
    "failed": ("#555555", ""),
    "logistics": ("#0072B2", ""),
    "output_full": ("#CC79A7", "//"),
    "demand": ("#999999", ""),
}
"""(colour, hatch) of every cause the model declares, by name (`sim.model.state.CAUSE_DOCS`
and the mechanisms' `causes`; a test checks that none is missing)."""

INPUT_PREFIX = "input:"
INPUT_STYLES: tuple[tuple[str, str], ...] = tuple(
    (colour, hatch)
    for hatch in ("..", "xx", "\\\\", "++", "oo", "--", "**")
    for colour in ("#0072B2", "#56B4E9")
)
"""Styles of missing inputs (`input:<good>`): the blues of logistics, always hatched."""
OTHER_STYLES: tuple[tuple[str, str], ...] = tuple(
    ("#999999", hatch) for hatch in ("..", "xx", "\\\\", "++", "oo", "--", "**", "//")
)
"""Styles of causes `CAUSE_STYLES` does not know: grey, hatched."""


def _slot(name: str, n: int) -> int:
    """A slot among n from the name alone (the same on every machine and run)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big") % n


def _by_name(names: Iterable[str], n: int, first: int | None = None) -> dict[str, int]:
    """A slot among n for each name: the one its name hashes to among the `first` slots
    (all n when not given); where names sorting before it took that one, the next free
    one of the first slots, then of the others (after n names, slots are shared)."""
    first = first or n
    taken: set[int] = set()
    out: dict[str, int] = {}
    for name in sorted(set(names)):
        pref = _slot(name, first)
        order = [(pref + i) % first for i in range(first)]
        order += [first + (pref + i) % (n - first) for i in range(n - first)]
        slot = next((s for s in order if s not in taken), pref)
        taken.add(slot)
        out[name] = slot
    return out


def option_styles(options: Sequence[str], baseline: str) -> dict[str, tuple[str, Any]]:
    """(colour, line style) of every option of a comparison: the baseline black and
    dashed, every other option the colour its name gives it (solid while colours last)."""
    others = [o for o in options if o != baseline]
    slots = _by_name(others, len(OPTION_COLOURS) * len(OPTION_DASHES), len(OPTION_COLOURS))
    out: dict[str, tuple[str, Any]] = {baseline: BASELINE_STYLE}
    k = len(OPTION_COLOURS)
    for name in others:
        s = slots[name]
        out[name] = (OPTION_COLOURS[s % k], OPTION_DASHES[s // k])
    return out


def option_colour(options: Sequence[str], baseline: str, option: str) -> str:
    """The colour of one option (`option_styles`)."""
    return option_styles(options, baseline)[option][0]


def cause_styles(causes: Sequence[str]) -> list[tuple[str, str]]:
    """(colour, hatch) of each cause, in the order given: fixed by name for the causes
    the model declares, from the good's name for missing inputs (hatched blues), and from
    the name for any other (hatched greys)."""
    inputs = _by_name((c for c in causes if c.startswith(INPUT_PREFIX)), len(INPUT_STYLES))
    unknown = [c for c in causes if c not in CAUSE_STYLES and not c.startswith(INPUT_PREFIX)]
    others = _by_name(unknown, len(OTHER_STYLES))
    out = []
    for c in causes:
        if c in CAUSE_STYLES:
            out.append(CAUSE_STYLES[c])
        elif c in inputs:
            out.append(INPUT_STYLES[inputs[c]])
        else:
            out.append(OTHER_STYLES[others[c]])
    return out
