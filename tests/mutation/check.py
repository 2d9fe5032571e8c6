"""Compare `mutmut results --all true` with the documented equivalent mutants.

    mutmut results --all true > mutants/results.txt
    python tests/mutation/check.py mutants/results.txt

Fails (exit 1) when a mutant was not caught and is not listed in `equivalent.txt`
next to this file, or when a listed mutant no longer survives (it was killed, or
the function changed and mutmut renumbered its mutants): either way the list is
out of date. Standard library only, so it runs without the project installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

CAUGHT = {"killed", "timeout", "segfault", "caught by type check"}
"""Statuses of a mutant some check noticed (a timeout or a crash is a failed test run)."""
LISTED = Path(__file__).with_name("equivalent.txt")


def read_results(text: str) -> dict[str, str]:
    """Mutant name → status, from lines `    sim.module.x_fn__mutmut_3: survived`."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name.startswith("sim."):
            out[name] = status
    return out


def read_equivalents(text: str) -> dict[str, str]:
    """Mutant name → why it is harmless, from `name  reason` lines (# comments)."""
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, why = line.partition(" ")
        if not why.strip():
            raise SystemExit(f"{LISTED.name}:{n}: {name} needs a reason after its name")
        if name in out:
            raise SystemExit(f"{LISTED.name}:{n}: {name} is listed twice")
        out[name] = why.strip()
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    results = read_results(Path(argv[1]).read_text(encoding="utf-8"))
    if not results:
        print(f"no mutants in {argv[1]}: did `mutmut run` run?", file=sys.stderr)
        return 1
    equivalent = read_equivalents(LISTED.read_text(encoding="utf-8"))
    missed = {m: s for m, s in results.items() if s not in CAUGHT and m not in equivalent}
    stale = {m: results.get(m, "gone") for m in equivalent if results.get(m) != "survived"}
    caught = sum(s in CAUGHT for s in results.values())
    print(
        f"{len(results)} mutants: {caught} caught, "
        f"{len(results) - caught - len(missed)} listed as equivalent, {len(missed)} not caught"
    )
    for m, s in sorted(missed.items()):
        print(f"  not caught ({s}): {m}    (see `mutmut show {m}`)")
    for m, s in sorted(stale.items()):
        print(f"  listed as equivalent but {s}: {m}    (remove it from {LISTED.name})")
    return 1 if missed or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
