"""Random streams keyed by name: a mechanism's numbers never depend on the others.

Every stream of a replication is `SeedSequence(seed, spawn_key=(replication,
key))`, and a firm's own stream of a mechanism appends the firm's number:
`(replication, key, firm)`. The key of a name is fixed once and for all:

- the seven names the first model drew from keep the numbers they had, so every
  result published before streams were keyed by name stays reproducible
  (`LEGACY_KEYS`);
- any other name gets the first 8 bytes of SHA-256 of its UTF-8 text, read as a
  big-endian integer with the top bit set (so it can never be one of the seven).

A key depends only on the name: adding, removing or reordering mechanisms leaves
every existing stream as it was (common random numbers), and `hash()` (which
changes with PYTHONHASHSEED) is never used.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.sampling import name_key

LEGACY_KEYS: dict[str, int] = {
    "reopening": 0,
    "review": 1,
    "workforce": 2,
    "outbreaks": 3,
    "supply": 4,
    "logistics": 5,
    "finance": 6,
}
"""Names of the first model's streams and the spawn keys they were drawn from (their
place in its tuple of mechanism names). Frozen: never add to it or renumber it."""

SPAWN_SCHEME = (
    "numpy SeedSequence(seed, spawn_key=(replication, key(name)[, firm])); "
    "key(name) = the legacy index for reopening 0, review 1, workforce 2, outbreaks 3, "
    "supply 4, logistics 5, finance 6, else the first 8 bytes of SHA-256(name) "
    "big-endian with the top bit set"
)
"""The scheme in one line, as the results manifest records it."""


def stream_key(name: str) -> int:
    """The spawn key of stream `name` (see the module docstring)."""
    legacy = LEGACY_KEYS.get(name)
    if legacy is not None:
        return legacy
    return name_key(name)


def stream(seed: int, replication: int, name: str, *within: int) -> np.random.Generator:
    """Stream `name` of one replication; `within` (e.g. a firm's number) narrows it to
    that firm's own stream, which other firms' draws never shift."""
    key = (replication, stream_key(name), *within)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
