"""Random streams keyed by name: the first seven keep their numbers, new names get
their own, and neither depends on which other mechanisms exist."""

from __future__ import annotations

import numpy as np

from sim.model.streams import LEGACY_KEYS, stream, stream_key

FIRST = ("reopening", "review", "workforce", "outbreaks", "supply", "logistics", "finance")
"""The first model's tuple of stream names: stream k was spawn key (replication, k)."""


def test_the_first_seven_streams_keep_the_numbers_of_their_old_places():
    assert tuple(LEGACY_KEYS) == FIRST
    for k, name in enumerate(FIRST):
        want = np.random.default_rng(np.random.SeedSequence(7, spawn_key=(3, k))).random(4)
        np.testing.assert_array_equal(stream(7, 3, name).random(4), want)


def test_a_firms_own_stream_appends_its_number():
    want = np.random.default_rng(np.random.SeedSequence(7, spawn_key=(3, 1, 12))).random(4)
    np.testing.assert_array_equal(stream(7, 3, "review", 12).random(4), want)


def test_a_new_stream_name_has_a_key_from_sha256_of_its_name_alone():
    # the first 8 bytes of SHA-256("utility") read big-endian, top bit set
    assert stream_key("utility") == 0xD7FFCC28D4B99976
    assert stream_key("utility") >= 2**63
    keys = {stream_key(n) for n in ("utility", "demand", "readiness", *LEGACY_KEYS)}
    assert len(keys) == 3 + len(LEGACY_KEYS)
    assert not np.array_equal(stream(7, 3, "utility").random(4), stream(7, 3, "demand").random(4))
